/* Everything a request must pass before a handler sees it. In order: the method (GET,
 * HEAD, POST only), the Host header (DNS rebinding: only names of this server), where a
 * browser says the request comes from (Sec-Fetch-Site: only same-origin or none, for
 * every method: a foreign page cannot even make the daemon build a report), the size
 * of what is sent, the route (only known paths and embedded assets, so no encoding of
 * ".." can reach a file), GET or POST as the route demands, the token when one is
 * configured, and for POST a same-origin check. Then the body, counted as it comes, and
 * the query parameters, each checked by params.c for the endpoint. */
#include "config.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "guard.h"
#include "common/queue.h"
#include "common/timefmt.h"
#include "webint.h"

#define WEB_BODY_MAX 1024              /* the only bodies are the login and ack forms */

bool
guard_is_api(enum web_route_id id)
{
	return id >= WR_API_REPORT && id <= WR_METRICS;
}

struct args_ctx {
	struct web_query *q;
	int64_t now;
	int bad;
	char err[128];
};

static enum MHD_Result
each_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
         const char *value, size_t value_size)
{
	struct args_ctx *a = cls;

	(void)kind;
	if (a->bad)
		return MHD_NO;
	/* a %00 in the request would hide the rest of a value from C string functions */
	if (!key || strlen(key) != key_size || (value && strlen(value) != value_size)) {
		a->bad = 1;
		snprintf(a->err, sizeof(a->err), "NUL byte in a parameter");
		return MHD_NO;
	}
	if (web_query_set(a->q, key, value, a->now, a->err, sizeof(a->err)) < 0) {
		a->bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_ValueKind
query_kind_of(enum web_route_id id)
{
	(void)id;
	return MHD_GET_ARGUMENT_KIND;
}

static enum web_qkind
qkind_of(enum web_route_id id)
{
	switch (id) {
	case WR_DNS_PAGE: case WR_API_DNS: return WQ_DNS;
	case WR_CONN_PAGE: case WR_API_CONN: return WQ_CONN;
	case WR_API_TIMELINE: return WQ_TIMELINE;
	case WR_API_REPORT: return WQ_REPORT;
	case WR_API_FINDINGS: return WQ_FINDINGS;
	default: return WQ_NONE;
	}
}

/* ------------------------------------------------------------------ sessions */

int
guard_init(struct web *w)
{
	w->login_tokens = GUARD_LOGIN_BURST;
	w->login_refill_us = queue_mono_us();
	atomic_init(&w->expensive, 0);
	atomic_init(&w->report_files, 0);
	return getrandom(w->session_key, sizeof(w->session_key), 0) ==
	       (ssize_t)sizeof(w->session_key) ? 0 : -1;
}

/* The MAC of a session issued at second issued, as hex into out (65 bytes). */
static void
session_mac(const struct web *w, int64_t issued, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	char msg[48];

	snprintf(msg, sizeof(msg), "oca-session %" PRId64, issued);
	HMAC(EVP_sha256(), w->session_key, sizeof(w->session_key), (const unsigned char *)msg,
	     strlen(msg), mac, &len);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", i < len ? mac[i] : 0);
}

void
guard_session_cookie(struct web *w, char *out, size_t outlen)
{
	int64_t now = queue_mono_us() / 1000000;
	char mac[65];

	session_mac(w, now, mac);
	snprintf(out, outlen, "oca_session=%" PRId64 ".%s; Path=/; Max-Age=%d; HttpOnly; "
	         "SameSite=Strict", now, mac, GUARD_SESSION_S);
}

static bool
session_valid(const struct web *w, const char *v)
{
	int64_t now = queue_mono_us() / 1000000, issued;
	char want[65], *end;
	const char *dot = strchr(v, '.');

	if (!dot || strlen(dot + 1) != 64)
		return false;
	issued = strtoll(v, &end, 10);
	if (end != dot || issued < 0 || issued > now || now - issued > GUARD_SESSION_S)
		return false;
	session_mac(w, issued, want);
	return CRYPTO_memcmp(want, dot + 1, 64) == 0;
}

unsigned
guard_login_attempt(struct web *w)
{
	int64_t now = queue_mono_us(), every = (int64_t)GUARD_LOGIN_EVERY_S * 1000000;
	unsigned wait = 0;

	pthread_mutex_lock(&w->login_mu);
	while (w->login_tokens < GUARD_LOGIN_BURST && now - w->login_refill_us >= every) {
		w->login_tokens++;
		w->login_refill_us += every;
	}
	if (w->login_tokens == GUARD_LOGIN_BURST)
		w->login_refill_us = now;
	if (w->login_tokens > 0)
		w->login_tokens--;
	else
		wait = (unsigned)((w->login_refill_us + every - now + 999999) / 1000000);
	pthread_mutex_unlock(&w->login_mu);
	return wait;
}

bool
guard_expensive_begin(struct web *w)
{
	int none = 0;

	return atomic_compare_exchange_strong(&w->expensive, &none, 1);
}

void
guard_expensive_done(struct web *w)
{
	atomic_store(&w->expensive, 0);
}

/* ------------------------------------------------------------------ checks */

static bool
authorised(struct web *w, struct MHD_Connection *conn, bool *by_header)
{
	const char *h, *c;
	char token[256];

	*by_header = false;
	web_token_copy(w, token);
	if (!token[0])
		return true;
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h && strncmp(h, "Bearer ", 7) == 0 && web_token_equal(h + 7, token)) {
		*by_header = true;
		explicit_bzero(token, sizeof(token));
		return true;
	}
	explicit_bzero(token, sizeof(token));
	c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "oca_session");
	return c && session_valid(w, c);
}

/* A piece of a form field into buf (len bytes, NUL kept); *too_long when it does not fit,
 * and it is then left empty. A NUL inside the value is refused (C would see less). */
static enum MHD_Result
field_into(char *buf, size_t len, bool *too_long, const char *data, uint64_t off, size_t size)
{
	if (memchr(data, '\0', size))
		return MHD_NO;
	if (*too_long || off + size >= len) {
		*too_long = true;
		buf[0] = '\0';
		return MHD_YES;
	}
	memcpy(buf + off, data, size);
	buf[off + size] = '\0';
	return MHD_YES;
}

static enum MHD_Result
form_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
           const char *content_type, const char *transfer_encoding, const char *data,
           uint64_t off, size_t size)
{
	struct guard_req *rq = cls;
	bool long_token = false;

	(void)kind; (void)filename; (void)content_type; (void)transfer_encoding;
	if (rq->form_route == WR_LOGIN) {
		if (strcmp(key, "token") != 0)
			return MHD_YES;
		if (field_into(rq->login_token, sizeof(rq->login_token), &long_token, data, off,
		               size) != MHD_YES || long_token)
			return MHD_NO;
		return MHD_YES;
	}
	if (strcmp(key, "note") == 0)
		return field_into(rq->ack_note, sizeof(rq->ack_note), &rq->ack_note_long, data, off,
		                  size);
	if (strcmp(key, "until") == 0)
		return field_into(rq->ack_until, sizeof(rq->ack_until), &rq->ack_until_long, data,
		                  off, size);
	if (strcmp(key, "by") == 0)
		return field_into(rq->ack_by, sizeof(rq->ack_by), &rq->ack_by_long, data, off, size);
	if (strcmp(key, "remove") == 0)
		return field_into(rq->ack_remove, sizeof(rq->ack_remove), &rq->ack_remove_long, data,
		                  off, size);
	return MHD_YES;
}

unsigned
guard_check(struct web *w, struct MHD_Connection *conn, const char *method,
            const struct web_route *rt, struct guard_req *rq, const char **reason,
            const char **allow)
{
	const char *host, *origin, *site, *clen;
	bool is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0, by_header = false;

	*allow = NULL;
	if (!is_post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		*reason = "method not allowed";
		*allow = "GET, HEAD, POST";
		return 405;
	}
	host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!web_host_allowed(host, &w->conf->web_addr, w->conf->web_port)) {
		*reason = "this server does not answer to that Host name";
		return 421;
	}
	/* a browser says where a request comes from, for every method: a page elsewhere
	 * cannot read the answer, but it could make the daemon work for it */
	site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
		*reason = "cross-site request refused";
		return 403;
	}
	clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen && (strlen(clen) > 9 || strtoul(clen, NULL, 10) > WEB_BODY_MAX)) {
		*reason = "request too large";
		return 413;
	}
	if (rt->id == WR_NOT_FOUND) {
		*reason = "not found";
		return 404;
	}
	if (rt->post_only && !is_post) {
		*reason = "this changes state: POST only";
		*allow = "POST";
		return 405;
	}
	if (is_post && !rt->post_only && rt->id != WR_LOGIN) {
		*reason = "method not allowed";
		*allow = "GET, HEAD";
		return 405;
	}
	if (rt->id != WR_ASSET && rt->id != WR_LOGIN && !authorised(w, conn, &by_header)) {
		*reason = "a token is required";
		return guard_is_api(rt->id) || is_post ? 401 : 303;
	}
	if (is_post) {
		/* a browser always sends Origin with a POST; a script elsewhere cannot
		 * forge it, and cannot set Authorization without a preflight we refuse */
		origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
		if (origin ? !web_origin_same(origin, host) : !by_header) {
			*reason = "cross-origin request refused";
			return 403;
		}
		rq->form_route = rt->id;
		if ((rt->id == WR_LOGIN || rt->id == WR_API_ACK) &&
		    !(rq->pp = MHD_create_post_processor(conn, 1024, form_field, rq)) &&
		    rt->id == WR_LOGIN) {
			*reason = "expected a form";
			return 415;
		}
		/* an ack without a form is one without a note; a body it sends is refused */
		rq->no_body = (rt->id == WR_API_ACK && !rq->pp) || rt->id == WR_API_EXPECT;
	}
	return 0;
}

int
guard_body(struct guard_req *rq, const char *data, size_t size)
{
	/* libmicrohttpd cannot answer in the middle of a body: note the refusal, drop what
	 * comes, answer at its end, and hang up on a body that goes on */
	rq->body_len += size;
	if (rq->body_len > WEB_BODY_MAX && !rq->late_status) {
		rq->late_status = 413;
		rq->late_reason = "request too large";
	}
	if (rq->body_len > 64 * WEB_BODY_MAX)
		return -1;
	if (rq->no_body && size && !rq->late_status) {
		rq->late_status = 415;
		rq->late_reason = "expected a form";
	}
	if (!rq->late_status && rq->pp && MHD_post_process(rq->pp, data, size) != MHD_YES) {
		rq->late_status = 400;
		rq->late_reason = "bad form";
	}
	return 0;
}

int
guard_query(struct MHD_Connection *conn, enum web_route_id id, struct web_query *q,
            char *err, size_t errlen)
{
	struct args_ctx a;

	memset(&a, 0, sizeof(a));
	a.q = q;
	a.now = timefmt_now_us();
	web_query_init(q, qkind_of(id), a.now);
	MHD_get_connection_values_n(conn, query_kind_of(id), each_arg, &a);
	if (!a.bad && web_query_finish(q, a.err, sizeof(a.err)) < 0)
		a.bad = 1;
	snprintf(err, errlen, "%s", a.err);
	return a.bad ? -1 : 0;
}
