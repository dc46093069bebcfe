/* alertsint: what alerts.c (the thread, its settings, its lifecycle) and alertsend.c (the
 * two channels and a delivery round) share, and nothing else includes. The struct is
 * the delivery thread's: every field is touched on that thread only, except the ones
 * said otherwise (stop, the pending settings and rules). */
#ifndef OCA_ALERTSINT_H
#define OCA_ALERTSINT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "alerthttp.h"
#include "alertmsg.h"
#include "alertoutbox.h"
#include "alertown.h"
#include "alerts.h"
#include "common/clock.h"

#define CH_TG ALERTOUTBOX_TG
#define CH_WH ALERTOUTBOX_WH

struct chan {
	const char *name;
	unsigned fails;          /* consecutive */
	int64_t not_before;      /* monotonic, us */
};

struct alerts {
	char token[256];
	char chat_id[128];
	char api_base[1024];
	char webhook[1024];
	unsigned channels;
	struct stats *st;

	/* a reload's settings, taken by the thread at the top of its next round */
	pthread_mutex_t pending_mu;
	atomic_bool has_pending;
	struct alerts_settings pending;
	atomic_bool has_pending_rules;
	struct rules *pending_rules;   /* a reload's rules (owned), NULL = none new */

	struct rules *rules;     /* the [policy] rules the watch-end verdict uses (owned) */

	pthread_t thread;
	bool started;
	atomic_bool stop;
	struct alerthttp *http;

	sqlite3 *js;             /* :memory:, for SQLite's JSON functions */
	struct alertoutbox *ob;

	struct chan tg, wh;
	struct alertmsg_bucket bucket;
	struct alertown own;
};

/* What one transfer came to. Its texts are cleaned and scrubbed of the token. */
struct alertsend_outcome {
	bool ok;
	long status;
	int64_t retry_after_s;   /* -1 = none given */
	bool stopped;
	char err[160];
	char answer[512];        /* cleaned, scrubbed: what the API said (alert-test) */
};

/* Send text to Telegram's sendMessage now, through a->http; the outcome in o. */
void alertsend_telegram(struct alerts *a, const char *text, struct alertsend_outcome *o);

/* POST json to the webhook now, through a->http; the outcome in o. */
void alertsend_webhook(struct alerts *a, const char *json, struct alertsend_outcome *o);

/* One delivery round at now: read what is due from the outbox, send it on each
 * configured channel whose wait is over (Telegram within its rate limit, a burst as
 * one message), and hand each row's outcome to the outbox for the core thread. */
void alertsend_round(struct alerts *a, const struct clock_now *now);

#endif
