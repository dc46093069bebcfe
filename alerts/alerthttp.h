/* alerthttp: the alert thread's HTTP transport. One JSON POST at a time on a libcurl
 * multi handle, with bounded connect and transfer times, so that another thread can cut
 * a transfer short: it sets the caller's stop flag and calls alerthttp_wakeup. */
#ifndef OCA_ALERTHTTP_H
#define OCA_ALERTHTTP_H

#include <stdatomic.h>
#include <stddef.h>

struct alerthttp;

/* Start libcurl and make a handle whose transfers give up as soon as *stop is true.
 * stop stays the caller's and must outlive the handle. Call before any thread starts
 * (libcurl's global init is not thread-safe). Returns NULL if libcurl cannot start;
 * free with alerthttp_close. */
struct alerthttp *alerthttp_open(const atomic_bool *stop);

/* POST json to url (http or https only, no redirects) and wait for the answer, or for
 * the stop flag. Returns 0 with the HTTP status in *status, the Retry-After header in
 * seconds in *retry_after (-1 if none) and the body in alerthttp_body; -1 with a
 * transport error in err; -2 if stopped. Not thread-safe: one post at a time. */
int alerthttp_post(struct alerthttp *h, const char *url, const char *json, long *status,
                   long *retry_after, char *err, size_t errlen);

/* The body of the last answer, NUL-terminated, cut at ALERTHTTP_BODY_MAX bytes; empty
 * after a failed post. Owned by h, valid until the next post. */
const char *alerthttp_body(const struct alerthttp *h);

/* Wake a post in flight so it sees the stop flag. Thread-safe. */
void alerthttp_wakeup(struct alerthttp *h);

/* Free, and release libcurl. NULL is fine. */
void alerthttp_close(struct alerthttp *h);

/* What is kept of an answer's body. */
#define ALERTHTTP_BODY_MAX 65536

#endif
