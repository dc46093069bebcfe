/* Everything a request must pass before a handler sees it. In order: the method (GET,
 * HEAD, POST only), the Host header (DNS rebinding: only names of this server), the size
 * of what is sent, the route (only known paths and embedded assets, so no encoding of
 * ".." can reach a file), GET or POST as the route demands, the token when one is
 * configured, and for POST a same-origin check. Then the body, counted as it comes, and
 * the query parameters, each checked by params.c for the endpoint. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
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

static bool
authorised(struct web *w, struct MHD_Connection *conn, bool *by_header)
{
	const char *h, *c;

	*by_header = false;
	if (!w->token[0])
		return true;
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h && strncmp(h, "Bearer ", 7) == 0 && web_token_equal(h + 7, w->token)) {
		*by_header = true;
		return true;
	}
	c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "oca_token");
	return c && web_token_equal(c, w->token);
}

static enum MHD_Result
login_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
            const char *content_type, const char *transfer_encoding, const char *data,
            uint64_t off, size_t size)
{
	struct guard_req *rq = cls;

	(void)kind; (void)filename; (void)content_type; (void)transfer_encoding;
	if (strcmp(key, "token") != 0)
		return MHD_YES;
	if (off + size >= sizeof(rq->login_token))
		return MHD_NO;
	memcpy(rq->login_token + off, data, size);
	rq->login_token[off + size] = '\0';
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
		site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
		if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
			*reason = "cross-site request refused";
			return 403;
		}
		if (origin ? !web_origin_same(origin, host) : !by_header) {
			*reason = "cross-origin request refused";
			return 403;
		}
		if (rt->id == WR_LOGIN &&
		    !(rq->pp = MHD_create_post_processor(conn, 1024, login_field, rq))) {
			*reason = "expected a form";
			return 415;
		}
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
