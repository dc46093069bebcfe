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
 * and a token_file), read the token, open the database read-only and bind the listen
 * socket: everything that may need privilege, and no thread yet. c, q and st stay owned
 * by the caller and must outlive the server; the database must exist (the writer
 * creates it). Returns NULL with a one-line reason in err. */
struct web *web_open(const struct conf *c, struct queue *q, struct stats *st, char *err,
                     size_t errlen);

/* Start serving (libmicrohttpd's threads) on the socket web_open bound. NULL is fine.
 * Returns 0, or -1 with a one-line reason in err. */
int web_start(struct web *w, char *err, size_t errlen);

/* Read c's web.token_file into out (256 bytes; "" when none is configured), checking it
 * as web_open does. Returns 0, or -1 with a one-line reason in err. */
int web_token_load(const struct conf *c, char out[256], char *err, size_t errlen);

/* Serve with this token from the next request on (a SIGHUP; "" = no token). NULL w is
 * fine. */
void web_set_token(struct web *w, const char token[256]);

/* Judge with c's policy from the next request on (a SIGHUP, or the rules file changed):
 * its effective rules (c->rules, rules_file's among them) and its rules_file, which
 * "expect this" appends to. Both are copied: c stays the caller's. NULL w is fine.
 * Returns 0, or -1 when out of memory (the policy in use stays). */
int web_set_rules(struct web *w, const struct conf *c);

/* Stop serving (waits for requests in flight), close the database connections, free.
 * NULL is fine. */
void web_close(struct web *w);

#endif
