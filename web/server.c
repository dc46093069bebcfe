/* The dashboard's server: libmicrohttpd on a socket bound here before any thread starts,
 * the routing of a request to its handler, and the answer. A request reaches a handler
 * only after the checks in guard.c (method, Host, size, route, token, same origin). Every
 * answer carries a Content-Security-Policy without inline script, nosniff and
 * frame-ancestors 'none'. libmicrohttpd bounds the rest: connections in all and per
 * client, an idle timeout, and the memory a request's headers may take. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/db.h"
#include "common/dnstype.h"
#include "common/escape.h"
#include "guard.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/tokenfile.h"
#include "web.h"
#include "webint.h"

#define WEB_THREADS 2
#define WEB_MAX_CONNS 64
#define WEB_MAX_CONNS_PER_IP 32
#define WEB_TIMEOUT_S 10
#define WEB_HEADER_MEM (16 * 1024)     /* request line + headers */

static const char csp[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/* ---------------------------------------------------------------- database pool */

/* A read-only connection that names DNS types as the rest of oc-audit does, with the
 * daemon's reader cache. */
static sqlite3 *
open_ro(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = db_open_ro(path, err, errlen);

	if (db && (db_cache_kib(db, DB_READER_CACHE_KIB) < 0 || dnstype_sql_register(db) < 0)) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		sqlite3_close(db);
		db = NULL;
	}
	return db;
}

sqlite3 *
web_db_get(struct web *w)
{
	sqlite3 *db = NULL;
	char err[512];

	pthread_mutex_lock(&w->pool_mu);
	if (w->n_pool > 0)
		db = w->pool[--w->n_pool];
	pthread_mutex_unlock(&w->pool_mu);
	if (db_moved(db)) {
		/* the collector has gone on in a new file at the path: read that one */
		db_close_moved(db);
		db = NULL;
	}
	if (!db && !(db = open_ro(w->conf->database, err, sizeof(err))))
		log_warn("web: %s", err);
	return db;
}

void
web_db_put(struct web *w, sqlite3 *db)
{
	if (!db)
		return;
	pthread_mutex_lock(&w->pool_mu);
	if (w->n_pool < WEB_DB_POOL) {
		w->pool[w->n_pool++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&w->pool_mu);
	sqlite3_close(db);
}

/* ---------------------------------------------------------------- requests */

static void
security_headers(struct MHD_Response *resp, const char *ctype, bool cache)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        cache ? "no-cache" : "no-store");
}

/* A body read from a file (api_report's): pread, as the sandbox allows (not sendfile). */
struct file_body {
	struct web *w;
	int fd;
};

static ssize_t
file_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct file_body *fb = cls;
	ssize_t n = pread(fb->fd, buf, max, (off_t)pos);

	return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
file_done(void *cls)
{
	struct file_body *fb = cls;

	close(fb->fd);
	atomic_fetch_sub(&fb->w->report_files, 1);
	free(fb);
}

static struct MHD_Response *
file_response(struct web_reply *r)
{
	struct file_body *fb = malloc(sizeof(*fb));
	struct MHD_Response *resp = NULL;

	if (fb) {
		fb->w = r->file_web;
		fb->fd = r->file_fd;
		if (!(resp = MHD_create_response_from_callback(r->file_len, 64 * 1024, file_read,
		                                               fb, file_done)))
			free(fb);
	}
	if (!resp) {
		close(r->file_fd);
		atomic_fetch_sub(&r->file_web->report_files, 1);
	}
	r->file_web = NULL;
	return resp;
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct web_reply *r, const char *allow,
           const char *cookie)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->file_web) {
		if (!(resp = file_response(r)))
			return MHD_NO;
		goto headers;
	}
	if (r->body.oom) {
		wbuf_free(&r->body);
		html_error(r, 500, "out of memory");
	}
	resp = MHD_create_response_from_buffer(r->body.len, r->body.p ? r->body.p : (void *)"",
	                                       r->body.p ? MHD_RESPMEM_MUST_FREE
	                                                 : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		wbuf_free(&r->body);
		return MHD_NO;
	}
	r->body.p = NULL;
headers:
	security_headers(resp, r->ctype ? r->ctype : "text/plain; charset=utf-8", false);
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	if (r->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->retry_after) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	if (cookie)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
send_asset(struct MHD_Connection *conn, const char *name)
{
	struct MHD_Response *resp;
	const char *dot, *ctype = NULL;
	enum MHD_Result ret;

	for (const struct embed_file *f = web_files; f->name; f++) {
		if (strcmp(f->name, name) != 0)
			continue;
		dot = strrchr(name, '.');
		if (dot && strcmp(dot, ".css") == 0)
			ctype = "text/css; charset=utf-8";
		else if (dot && strcmp(dot, ".js") == 0)
			ctype = "text/javascript; charset=utf-8";
		else if (dot && strcmp(dot, ".svg") == 0)
			ctype = "image/svg+xml";
		if (!ctype)
			break;
		resp = MHD_create_response_from_buffer(f->len, (void *)(uintptr_t)f->data,
		                                       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		security_headers(resp, ctype, true);
		ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	{
		struct web_reply r = { 0 };

		html_error(&r, 404, "not found");
		return send_reply(conn, &r, NULL, NULL);
	}
}

static enum MHD_Result
refuse(struct MHD_Connection *conn, struct guard_req *rq, enum web_route_id id, unsigned status,
       const char *reason, const char *allow)
{
	struct web_reply r = { 0 };

	rq->refused = true;
	if (guard_is_api(id))
		api_error(&r, status, reason);
	else
		html_error(&r, status, reason);
	return send_reply(conn, &r, allow, NULL);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size,
       void **con_cls)
{
	struct web *w = cls;
	struct guard_req *rq = *con_cls;
	struct web_route rt;
	struct web_reply r = { 0 };
	struct web_query q;
	bool is_post, expensive;
	sqlite3 *db;
	enum MHD_Result ret;
	char cookie[384], err[128];

	(void)version;
	if (!rq) {
		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		*con_cls = rq;
	}
	if (rq->refused) {                      /* a body after a refusal: drop it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	web_route_match(url, &rt);
	is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	if (!rq->started) {
		const char *reason, *allow;
		unsigned status;

		rq->started = true;
		if ((status = guard_check(w, conn, method, &rt, rq, &reason, &allow)) == 303) {
			r.status = 303;
			r.ctype = "text/plain; charset=utf-8";
			snprintf(r.location, sizeof(r.location), "/login");
			rq->refused = true;
			return send_reply(conn, &r, NULL, NULL);
		}
		if (status)
			return refuse(conn, rq, rt.id, status, reason, allow);
		if (*upload_data_size == 0 || !is_post)
			return MHD_YES;         /* come back with the body (or its end) */
	}
	if (*upload_data_size) {
		/* refusals found in the body are answered at its end (guard_body) */
		if (guard_body(rq, upload_data, *upload_data_size) < 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->late_status)
		return refuse(conn, rq, rt.id, rq->late_status, rq->late_reason, NULL);

	/* the whole request is in: answer it */
	if (rt.id == WR_ASSET)
		return send_asset(conn, rt.asset);
	if (rt.id == WR_LOGIN) {
		char token[256];

		web_token_copy(w, token);
		if (!token[0]) {
			r.status = 303;
			snprintf(r.location, sizeof(r.location), "/");
			return send_reply(conn, &r, NULL, NULL);
		}
		if (!is_post) {
			explicit_bzero(token, sizeof(token));
			html_login(w, NULL, &r);
			return send_reply(conn, &r, NULL, NULL);
		}
		if ((r.retry_after = guard_login_attempt(w)) > 0) {
			explicit_bzero(token, sizeof(token));
			html_login(w, "Too many attempts: wait a minute.", &r);
			r.status = 429;
			return send_reply(conn, &r, NULL, NULL);
		}
		if (!web_token_equal(rq->login_token, token)) {
			explicit_bzero(token, sizeof(token));
			html_login(w, "That token is not the one in token_file.", &r);
			r.status = 403;
			return send_reply(conn, &r, NULL, NULL);
		}
		explicit_bzero(token, sizeof(token));
		guard_session_cookie(w, cookie, sizeof(cookie));
		r.status = 303;
		snprintf(r.location, sizeof(r.location), "/");
		return send_reply(conn, &r, NULL, cookie);
	}

	if (guard_query(conn, rt.id, &q, err, sizeof(err)) < 0 && rt.id != WR_API_ACK &&
	    rt.id != WR_API_EXPECT)
		return refuse(conn, rq, rt.id, 400, err, NULL);

	/* a report over a long window reads much: one at a time, so the other thread
	 * stays free for the pages */
	expensive = rt.id == WR_API_REPORT && q.until_us - q.since_us > DAY_US;
	if (expensive && !guard_expensive_begin(w)) {
		api_error(&r, 503, "another long report is being built: try again shortly");
		r.retry_after = 2;
		rq->refused = true;
		return send_reply(conn, &r, NULL, NULL);
	}
	if (!(db = web_db_get(w))) {
		if (expensive)
			guard_expensive_done(w);
		return refuse(conn, rq, rt.id, 503, "the database cannot be opened", NULL);
	}
	switch (rt.id) {
	case WR_OVERVIEW: html_overview(w, db, &r); break;
	case WR_DNS_PAGE: html_dns(w, db, &q, &r); break;
	case WR_CONN_PAGE: html_connections(w, db, &q, &r); break;
	case WR_FINDING_PAGE: html_finding(w, db, rt.finding_id, &r); break;
	case WR_API_REPORT: api_report(w, db, &q, &r); break;
	case WR_API_DNS: api_dns(w, db, &q, &r); break;
	case WR_API_CONN: api_connections(w, db, &q, &r); break;
	case WR_API_TIMELINE: api_timeline(w, db, &q, &r); break;
	case WR_API_FINDINGS: api_findings(w, db, &q, &r); break;
	case WR_METRICS: api_metrics(w, db, &r); break;
	case WR_API_EXPECT:
		api_expect(w, db, rt.finding_id, MHD_lookup_connection_value(conn,
		           MHD_GET_ARGUMENT_KIND, "from") != NULL, &r);
		break;
	case WR_API_ACK: {
		const char *from = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "from");

		if (rq->ack_note_long || rq->ack_until_long || rq->ack_by_long ||
		    rq->ack_remove_long)
			api_error(&r, 400, "a field of the form is too long (note: at most 150 bytes)");
		else
			api_ack(w, db, rt.finding_id, &(struct web_ack){ .note = rq->ack_note,
			        .until = rq->ack_until, .by = rq->ack_by, .remove = rq->ack_remove },
			        &r);
		/* a form without scripts goes back to the page it came from */
		if (from && r.status < 300) {
			if (strcmp(from, "overview") == 0)
				snprintf(r.location, sizeof(r.location), "/#finding-%lld",
				         (long long)rt.finding_id);
			else if (strcmp(from, "finding") == 0)
				snprintf(r.location, sizeof(r.location), "/findings/%lld",
				         (long long)rt.finding_id);
			if (r.location[0])
				r.status = 303;
		}
		break;
	}
	default: html_error(&r, 404, "not found"); break;
	}
	web_db_put(w, db);
	if (expensive)
		guard_expensive_done(w);
	ret = send_reply(conn, &r, NULL, NULL);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
          enum MHD_RequestTerminationCode toe)
{
	struct guard_req *rq = *con_cls;

	(void)cls; (void)conn; (void)toe;
	if (rq) {
		if (rq->pp)
			MHD_destroy_post_processor(rq->pp);
		free(rq);
		*con_cls = NULL;
	}
}

/* Percent-decoding of the path and of each parameter, as libmicrohttpd does it, except
 * that a decoded NUL poisons the whole string: C code after this point would see only
 * what comes before it ("/assets/app.js%00.txt" must not be "/assets/app.js"). The
 * poisoned string is one DEL byte, which no route and no parameter accepts. */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	size_t n = MHD_http_unescape(s);

	(void)cls; (void)conn;
	if (strlen(s) != n) {
		s[0] = 0x7f;
		s[1] = '\0';
		return 1;
	}
	return n;
}

static void __attribute__((format(printf, 2, 0)))
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512], safe[2048];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("web: %s", escape_term(msg, safe, sizeof(safe)));
}

/* ---------------------------------------------------------------- open, close */

static bool
is_loopback(const struct netaddr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	if (a->family == 4)
		return a->a[0] == 127;
	return a->family == 6 && memcmp(a->a, v6lo, 16) == 0;
}

static int
bind_listen(const struct conf *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	char where[NETADDR_STRLEN];
	int fd, one = 1;

	hostport_format(&c->web_addr, c->web_port, where, sizeof(where));
	if (c->web_addr.family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->web_port);
		memcpy(&s4->sin_addr, c->web_addr.a, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->web_port);
		memcpy(&s6->sin6_addr, c->web_addr.a, 16);
		sl = sizeof(*s6);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "web: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "web.listen %s: cannot listen: %s", where, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct web *
web_open(const struct conf *c, struct queue *q, struct stats *st, char *err, size_t errlen)
{
	struct web *w;
	sqlite3 *db;
	char where[NETADDR_STRLEN];

	hostport_format(&c->web_addr, c->web_port, where, sizeof(where));
	if (!is_loopback(&c->web_addr) && (!c->web_allow_remote || !c->web_token_file[0])) {
		snprintf(err, errlen, "web.listen %s is not a loopback address: that needs "
		         "web.allow_remote = 1 and a web.token_file", where);
		return NULL;
	}
	if (!(w = calloc(1, sizeof(*w)))) {
		snprintf(err, errlen, "web: out of memory");
		return NULL;
	}
	w->conf = c;
	w->q = q;
	w->st = st;
	w->start_us = timefmt_now_us();
	w->listen_fd = -1;
	pthread_mutex_init(&w->pool_mu, NULL);
	pthread_mutex_init(&w->login_mu, NULL);
	pthread_mutex_init(&w->token_mu, NULL);
	pthread_mutex_init(&w->rules_mu, NULL);
	if (!(w->rules = web_rules_new(rules_dup(c->rules), c->rules_file))) {
		snprintf(err, errlen, "web: out of memory");
		goto fail;
	}
	if (guard_init(w) < 0) {
		snprintf(err, errlen, "web: getrandom: %s", strerror(errno));
		goto fail;
	}
	if (c->web_token_file[0] &&
	    tokenfile_read(c->web_token_file, "web.token_file", w->token, sizeof(w->token), err,
	                   errlen) < 0)
		goto fail;
	if (!(db = open_ro(c->database, err, errlen)))
		goto fail;
	w->pool[w->n_pool++] = db;
	if ((w->listen_fd = bind_listen(c, err, errlen)) < 0)
		goto fail;
	snprintf(w->where, sizeof(w->where), "%s", where);
	return w;
fail:
	web_close(w);
	return NULL;
}

void
web_token_copy(struct web *w, char out[256])
{
	pthread_mutex_lock(&w->token_mu);
	memcpy(out, w->token, 256);
	pthread_mutex_unlock(&w->token_mu);
}

int
web_token_load(const struct conf *c, char out[256], char *err, size_t errlen)
{
	out[0] = '\0';
	if (!c->web_token_file[0])
		return 0;
	return tokenfile_read(c->web_token_file, "web.token_file", out, 256, err, errlen);
}

void
web_set_token(struct web *w, const char token[256])
{
	if (!w)
		return;
	pthread_mutex_lock(&w->token_mu);
	memcpy(w->token, token, sizeof(w->token));
	pthread_mutex_unlock(&w->token_mu);
}

int
web_start(struct web *w, char *err, size_t errlen)
{
	if (!w)
		return 0;
	w->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	                          MHD_USE_ERROR_LOG,
	                          0, NULL, NULL, handle, w,
	                          MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	                          MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	                          MHD_OPTION_LISTEN_SOCKET, w->listen_fd,
	                          MHD_OPTION_THREAD_POOL_SIZE, (unsigned)WEB_THREADS,
	                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNS,
	                          MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	                          (unsigned)WEB_MAX_CONNS_PER_IP,
	                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_TIMEOUT_S,
	                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_HEADER_MEM,
	                          MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	                          MHD_OPTION_END);
	if (!w->mhd) {
		snprintf(err, errlen, "web.listen %s: libmicrohttpd did not start", w->where);
		return -1;
	}
	w->listen_fd = -1;   /* MHD's now: it closes it */
	log_info("dashboard on http://%s/%s", w->where, w->token[0] ? " (token required)" : "");
	return 0;
}

void
web_close(struct web *w)
{
	if (!w)
		return;
	if (w->mhd) {
		/* MHD closes the listen socket it was given */
		MHD_stop_daemon(w->mhd);
	}
	if (w->listen_fd >= 0)
		close(w->listen_fd);
	for (int i = 0; i < w->n_pool; i++)
		sqlite3_close(w->pool[i]);
	pthread_mutex_destroy(&w->pool_mu);
	pthread_mutex_destroy(&w->login_mu);
	pthread_mutex_destroy(&w->token_mu);
	pthread_mutex_destroy(&w->rules_mu);
	web_rules_put(w->rules);
	explicit_bzero(w->token, sizeof(w->token));
	free(w);
}
