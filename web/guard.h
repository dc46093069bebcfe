/* guard: everything a request must pass before a handler sees it (guard.c says what,
 * in order). server.c asks, and sends the refusal. Private to web/. */
#ifndef OCA_WEB_GUARD_H
#define OCA_WEB_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "common/ack.h"
#include "params.h"

struct web;

/* What one request carries between libmicrohttpd's calls to the handler. The server
 * allocates it zeroed and frees it when the request completes, pp included
 * (MHD_destroy_post_processor). */
struct guard_req {
	bool started, refused;
	size_t body_len;
	unsigned late_status;           /* a refusal found mid-body, sent once it is in */
	const char *late_reason;
	char login_token[256];          /* the token field of a POST to /login */
	/* the fields of an acknowledgement's form (note, until, by, remove); a field longer than
	 * its buffer is marked too long, not cut, so the answer can say so */
	char ack_note[ACK_NOTE_MAX + 1], ack_until[64], ack_by[ACK_BY_MAX], ack_remove[4];
	bool ack_note_long, ack_until_long, ack_by_long, ack_remove_long;
	enum web_route_id form_route;   /* which form pp reads */
	bool no_body;                   /* a POST that must come without a body */
	struct MHD_PostProcessor *pp;   /* the form parser (/login, an ack), or NULL */
};

/* Login sessions: the cookie is "oca_session=ISSUED.MAC", ISSUED the monotonic second it
 * was issued at and MAC an HMAC-SHA256 of it under this run's session key, never the
 * token itself; it lasts GUARD_SESSION_S (Max-Age, and checked here). */
#define GUARD_SESSION_S 43200
/* /login: GUARD_LOGIN_BURST attempts, then one more every GUARD_LOGIN_EVERY_S seconds,
 * all clients together (the right token waits like any guess, or the wait would tell
 * it apart). */
#define GUARD_LOGIN_BURST 5
#define GUARD_LOGIN_EVERY_S 6

/* Set up w's session key and login bucket. Returns 0, or -1 (no randomness). */
int guard_init(struct web *w);

/* The Set-Cookie value of a new session into out. */
void guard_session_cookie(struct web *w, char *out, size_t outlen);

/* Take one /login attempt from the bucket: 0 when it may be tried, else the seconds
 * to wait (for Retry-After). */
unsigned guard_login_attempt(struct web *w);

/* An expensive request (a report over more than a day) may start: true, and the caller
 * calls guard_expensive_done after it; false when one is being answered already. */
bool guard_expensive_begin(struct web *w);
void guard_expensive_done(struct web *w);

/* Whether the route belongs to the API, which answers refusals in JSON. */
bool guard_is_api(enum web_route_id id);

/* The checks on the first call for a request, before any of its body. Returns 0 when
 * it may go on, or the status to refuse it with, a fixed reason and, for a 405, the
 * methods for the Allow header (else NULL); 303 asks to send a browser without the
 * token to /login. For a POST to /login or an ack it sets up rq->pp to read the form
 * (an ack may come without one: no note, no expiry). */
unsigned guard_check(struct web *w, struct MHD_Connection *conn, const char *method,
                     const struct web_route *rt, struct guard_req *rq, const char **reason,
                     const char **allow);

/* Take the next piece of a POST body: count it, and feed it to the login form parser.
 * A refusal found here is kept in rq->late_status and late_reason. Returns 0, or -1
 * when the body goes on so long that the connection should be dropped. */
int guard_body(struct guard_req *rq, const char *data, size_t size);

/* Read the query parameters of the request into q, checked for the route's endpoint.
 * Returns 0, or -1 with a reason in err that never quotes the request. */
int guard_query(struct MHD_Connection *conn, enum web_route_id id, struct web_query *q,
                char *err, size_t errlen);

#endif
