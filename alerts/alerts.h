/* alerts: the delivery thread. It reads the alert outbox through a read-only connection,
 * sends each pending alert to Telegram (sendMessage) and/or a webhook with libcurl, and
 * tells the core thread the outcome through the queue (EV_CMD: CMD_ALERT_DELIVERED,
 * CMD_ALERT_RETRY), so the database keeps one writer. It also raises alerts of its own
 * (events lost, the end of the watch week) with CMD_ALERT_ENQUEUE. */
#ifndef OCA_ALERTS_H
#define OCA_ALERTS_H

#include <stddef.h>
#include <stdio.h>

#include "common/conf.h"
#include "common/rules.h"
#include "common/queue.h"
#include "common/stats.h"

struct alerts;

/* Prepare delivery for c: reads the Telegram token file (never shown anywhere) and
 * starts libcurl. Call in the main thread before any thread starts, after the database
 * exists. q and st stay the caller's and must outlive the alerts.
 * Returns NULL with err empty when alerts are off (no Telegram token file and no
 * webhook configured), NULL with a one-line reason in err on error (token file missing
 * or unreadable, chat id missing), else the handle (free with alerts_close). */
struct alerts *alerts_open(const struct conf *c, struct queue *q, struct stats *st,
                           char *err, size_t errlen);

/* What a reload can change: the channels, their addresses and the token. */
struct alerts_settings {
	char token[256];
	char chat_id[128];
	char api_base[1024];
	char webhook[1024];
	unsigned channels;
};

/* Read c's alert settings (the Telegram token file included) into s, checking them as
 * alerts_open does. Returns 0, or -1 with err empty when alerts are off, or with a
 * one-line reason. s holds the token: explicit_bzero it after use. */
int alerts_settings_load(const struct conf *c, struct alerts_settings *s, char *err,
                         size_t errlen);

/* Hand the delivery thread new settings (a SIGHUP); it takes them before its next
 * round, never in the middle of a delivery. NULL a is fine (does nothing). */
void alerts_reconfigure(struct alerts *a, const struct alerts_settings *s);

/* Hand the delivery thread the [policy] rules now (a copy is taken; rs is the caller's):
 * the watch-end alert's verdict judges with them, as `oc-audit report -c` does. Taken
 * at the top of the thread's next round. Returns 0, or -1 on out of memory (the old
 * rules stay). NULL a is fine (does nothing). */
int alerts_set_rules(struct alerts *a, const struct rules *rs);

/* Start the delivery thread. NULL is fine (alerts off). Returns 0, or -1 with errno. */
int alerts_start(struct alerts *a);

/* Stop the thread and wait for it; returns within about a second even when the API
 * hangs (a transfer in flight is abandoned and that alert stays pending). Outcomes not
 * yet handed to the queue are pushed before it returns, so call it before queue_close.
 * NULL is fine. */
void alerts_stop(struct alerts *a);

/* Free. Call after alerts_stop (or if never started). NULL is fine. */
void alerts_close(struct alerts *a);

/* `oc-audit alert-test`: send one test message through every configured channel now and
 * print what each API answered to out. Returns 0 if every channel accepted it, 1 if one
 * failed, 2 if alerts are off or misconfigured (the reason printed to out). */
int alerts_test(const struct conf *c, FILE *out);

/* Bounded transfer times (exposed for tests). */
#define ALERTS_CONNECT_TIMEOUT_MS 5000L
#define ALERTS_TIMEOUT_MS 15000L

#endif
