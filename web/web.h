/* web: the dashboard and its JSON API, served by libmicrohttpd inside oc-audit collect.
 * It reads the database through read-only connections of its own and never writes it:
 * the one state change it offers (acknowledging a finding) goes through the queue to
 * the core thread like any other event. */
#ifndef OCA_WEB_H
#define OCA_WEB_H

#include <stddef.h>

#include "common/conf.h"
#include "common/embed.h"
#include "common/queue.h"
#include "common/stats.h"

struct web;

/* The dashboard's HTML, CSS and JS, generated from web/assets/ at build time. */
extern const struct embed_file web_files[];

/* Check the [web] settings (a listen address off loopback needs web.allow_remote = 1
 * and a token_file), read the token, bind the listen socket and start serving on it.
 * c, q and st stay owned by the caller and must outlive the server; the database must
 * exist (the writer creates it). Returns NULL with a one-line reason in err. */
struct web *web_open(const struct conf *c, struct queue *q, struct stats *st, char *err,
                     size_t errlen);

/* Stop serving (waits for requests in flight), close the database connections, free.
 * NULL is fine. */
void web_close(struct web *w);

#endif
