/* The web guard: every check a request passes before a handler sees it, in order, over a
 * real libmicrohttpd daemon on a loopback port of the test's own (raw HTTP requests, so
 * each header is exactly what the test says), and the login bucket, the sessions, the
 * body count and the one-expensive-request gate. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/conf.h"
#include "web/guard.h"
#include "web/webint.h"
#include "tap.h"

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok",
	                                                         MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* What server.c does around the guard, and nothing else: 200 when every check passed. */
static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct guard_req *rq = *con_cls;
	struct web_route rt;
	struct web_query q;
	const char *reason = NULL, *allow = NULL;
	char err[128];
	unsigned status;

	(void)version;
	web_route_match(url, &rt);
	if (!rq) {
		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		*con_cls = rq;
		if ((status = guard_check(w, conn, method, &rt, rq, &reason, &allow)) != 0) {
			rq->refused = true;
			return reply(conn, status, allow);
		}
		return MHD_YES;
	}
	if (rq->refused)
		return MHD_YES;
	if (*upload_size) {
		if (guard_body(rq, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->late_status)
		return reply(conn, rq->late_status, NULL);
	if (strcmp(method, "GET") == 0 && guard_query(conn, rt.id, &q, err, sizeof(err)) < 0)
		return reply(conn, 400, NULL);
	return reply(conn, 200, NULL);
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
	}
	*con_cls = NULL;
}

static uint16_t port;

/* Send req (\n line ends become \r\n) and return the response's status, or -1. The
 * Allow header, if any, goes into allow. */
static int
ask(const char *req, char *allow, size_t allowlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	char out[4096], in[4096];
	size_t o = 0, n = 0;
	ssize_t got;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	const char *h;

	for (const char *p = req; *p && o + 2 < sizeof(out); p++) {
		if (*p == '\n')
			out[o++] = '\r';
		out[o++] = *p;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    write(fd, out, o) != (ssize_t)o) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (n + 1 < sizeof(in) && (got = read(fd, in + n, sizeof(in) - 1 - n)) > 0)
		n += (size_t)got;
	in[n] = '\0';
	close(fd);
	if (allow) {
		allow[0] = '\0';
		if ((h = strstr(in, "\r\nAllow: ")))
			snprintf(allow, allowlen, "%.*s", (int)strcspn(h + 9, "\r"), h + 9);
	}
	if (sscanf(in, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	return status;
}

/* A request for path with method and extra header lines (each ending in \n). */
static int
req(const char *method, const char *path, const char *headers)
{
	char r[2048];

	snprintf(r, sizeof(r), "%s %s HTTP/1.1\nHost: 127.0.0.1:%u\nConnection: close\n%s\n",
	         method, path, port, headers);
	return ask(r, NULL, 0);
}

static void
test_requests(struct web *w)
{
	char r[2048], allow[64], cookie[256], bearer[300], origin[64];
	int n;

	is_int(req("GET", "/", ""), 200, "no token: the overview");
	n = ask("DELETE / HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n", allow, sizeof(allow));
	ok(n == 405 && strcmp(allow, "GET, HEAD, POST") == 0, "a method we never take: 405 (%s)",
	   allow);
	snprintf(r, sizeof(r), "GET / HTTP/1.1\nHost: evil.example:%u\nConnection: close\n\n", port);
	is_int(ask(r, NULL, 0), 421, "another Host name (DNS rebinding): 421");
	is_int(ask("GET / HTTP/1.0\nConnection: close\n\n", NULL, 0), 421,
	       "no Host at all: 421 too");
	is_int(req("GET", "/api/report", "Sec-Fetch-Site: cross-site\n"), 403,
	       "a browser says another site asked: 403");
	is_int(req("GET", "/api/report", "Sec-Fetch-Site: same-origin\n"), 200,
	       "the same origin asked: fine");
	is_int(req("GET", "/", "Content-Length: 5000\n"), 413, "too large a body announced: 413");
	is_int(req("GET", "/etc/passwd", ""), 404, "an unknown path: 404");
	is_int(req("GET", "/assets/../etc/passwd", ""), 404, "a traversal: 404");
	snprintf(r, sizeof(r), "GET /api/findings/1/ack HTTP/1.1\nHost: 127.0.0.1:%u\n"
	         "Connection: close\n\n", port);
	n = ask(r, allow, sizeof(allow));
	ok(n == 405 && strcmp(allow, "POST") == 0, "a state change by GET: 405, POST only");
	is_int(req("POST", "/api/report", "Origin: http://127.0.0.1\nContent-Length: 0\n"), 405,
	       "POST to a read-only route: 405");
	is_int(req("GET", "/api/dns?kind=bogus", ""), 400, "a bad parameter: 400");
	is_int(req("GET", "/api/dns?kind=nxdomain&since=1h", ""), 200, "good parameters");

	/* a token */
	snprintf(w->token, sizeof(w->token), "s3cret-token");
	is_int(req("GET", "/api/report", ""), 401, "token set: the API without it, 401");
	is_int(req("GET", "/", ""), 303, "a page without it: to the login (303)");
	is_int(req("GET", "/assets/app.js", ""), 200, "the assets need none");
	is_int(req("GET", "/api/report", "Authorization: Bearer s3cret-token\n"), 200,
	       "the right bearer token");
	is_int(req("GET", "/api/report", "Authorization: Bearer s3cret-tokeN\n"), 401,
	       "a wrong one");
	is_int(req("GET", "/api/report", "Authorization: Basic czNjcmV0LXRva2Vu\n"), 401,
	       "not as Basic");
	is_int(req("GET", "/api/report", "Cookie: oca_token=s3cret-token\n"), 401,
	       "never the token itself as a cookie");
	guard_session_cookie(w, cookie, sizeof(cookie));
	ok(strncmp(cookie, "oca_session=", 12) == 0 && strstr(cookie, "HttpOnly") &&
	   strstr(cookie, "SameSite=Strict") && !strstr(cookie, "s3cret"),
	   "a session cookie: HttpOnly, SameSite=Strict, no token in it");
	cookie[strcspn(cookie, ";")] = '\0';
	snprintf(r, sizeof(r), "Cookie: %s\n", cookie);
	is_int(req("GET", "/api/report", r), 200, "the session works");
	cookie[strlen(cookie) - 1] ^= 1;
	snprintf(r, sizeof(r), "Cookie: %s\n", cookie);
	is_int(req("GET", "/api/report", r), 401, "a session with a forged MAC does not");
	is_int(req("GET", "/", "Cookie: oca_session=1.abc\n"), 303, "nor one of the wrong form");

	/* POSTs: the same origin, or the bearer token (no browser sends that unasked) */
	guard_session_cookie(w, cookie, sizeof(cookie));
	cookie[strcspn(cookie, ";")] = '\0';
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer s3cret-token\nContent-Length: 0\n");
	is_int(req("POST", "/api/findings/1/ack", bearer), 200, "an ack with the bearer token");
	snprintf(r, sizeof(r), "Cookie: %s\nContent-Length: 0\n", cookie);
	is_int(req("POST", "/api/findings/1/ack", r), 403, "a session without Origin: 403");
	snprintf(origin, sizeof(origin), "http://127.0.0.1:%u", port);
	snprintf(r, sizeof(r), "Cookie: %s\nOrigin: %s\nContent-Length: 0\n", cookie, origin);
	is_int(req("POST", "/api/findings/1/ack", r), 200, "with its own Origin: fine");
	snprintf(r, sizeof(r), "Cookie: %s\nOrigin: http://evil.example\nContent-Length: 0\n",
	         cookie);
	is_int(req("POST", "/api/findings/1/ack", r), 403, "another Origin: 403");
	snprintf(r, sizeof(r), "Cookie: %s\nOrigin: null\nContent-Length: 0\n", cookie);
	is_int(req("POST", "/api/findings/1/ack", r), 403, "Origin null: 403");
	is_int(req("POST", "/api/findings/1/ack", "Content-Length: 0\n"), 401,
	       "an ack without any token: 401");

	/* the login form */
	snprintf(r, sizeof(r), "Origin: %s\nContent-Type: text/plain\nContent-Length: 5\n", origin);
	is_int(req("POST", "/login", r), 415, "a login that is no form: 415");
	snprintf(r, sizeof(r), "POST /login HTTP/1.1\nHost: 127.0.0.1:%u\nConnection: close\n"
	         "Origin: %s\nContent-Type: application/x-www-form-urlencoded\n"
	         "Content-Length: 18\n\ntoken=s3cret-token", port, origin);
	is_int(ask(r, NULL, 0), 200, "a login form passes to its handler");
	w->token[0] = '\0';
}

static void
test_parts(struct web *w)
{
	struct guard_req rq = { 0 };
	char big[2048];
	unsigned wait = 0;
	int i;

	ok(guard_is_api(WR_API_REPORT) && guard_is_api(WR_METRICS) && guard_is_api(WR_API_ACK) &&
	   !guard_is_api(WR_OVERVIEW) && !guard_is_api(WR_ASSET) && !guard_is_api(WR_LOGIN),
	   "which routes answer in JSON");

	memset(big, 'x', sizeof(big));
	is_int(guard_body(&rq, big, 1000), 0, "a body of 1000 bytes");
	is_int(rq.late_status, 0, "is fine");
	is_int(guard_body(&rq, big, 100), 0, "past 1024 bytes");
	ok(rq.late_status == 413 && strcmp(rq.late_reason, "request too large") == 0,
	   "is refused at its end (413)");
	for (i = 0; i < 64 && guard_body(&rq, big, sizeof(big)) == 0; i++)
		;
	ok(i < 64, "one that goes on is dropped");

	for (i = 0; i < GUARD_LOGIN_BURST; i++)
		wait |= guard_login_attempt(w);
	is_int(wait, 0, "the first %d logins go at once", GUARD_LOGIN_BURST);
	wait = guard_login_attempt(w);
	ok(wait >= 1 && wait <= GUARD_LOGIN_EVERY_S, "then one waits (%u s)", wait);

	ok(guard_expensive_begin(w), "one expensive request");
	ok(!guard_expensive_begin(w), "not two at once");
	guard_expensive_done(w);
	ok(guard_expensive_begin(w), "the next once it is done");
	guard_expensive_done(w);
}

int
main(void)
{
	struct conf *c = conf_new();
	struct web w = { 0 };
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct MHD_Daemon *d;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 16) == 0 &&
	   getsockname(fd, (struct sockaddr *)&a, &alen) == 0, "a loopback port of our own");
	port = ntohs(a.sin_port);
	netaddr_parse("127.0.0.1", &c->web_addr);
	c->web_port = port;
	w.conf = c;
	pthread_mutex_init(&w.token_mu, NULL);
	pthread_mutex_init(&w.login_mu, NULL);
	is_int(guard_init(&w), 0, "guard_init");
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
	                     handler, &w, MHD_OPTION_LISTEN_SOCKET, fd,
	                     MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	ok(d != NULL, "libmicrohttpd on it");
	if (d)
		test_requests(&w);
	test_parts(&w);
	MHD_stop_daemon(d);
	conf_free(c);
	return done_testing();
}
