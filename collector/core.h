/* core: attribution and policy in the core thread. For each event it decides what the
 * event means (which name a connection belongs to, whether it is expected, which
 * findings it raises) and stores the event, its rollups and its findings through the
 * store, inside the writer's open transaction. */
#ifndef OCA_CORE_H
#define OCA_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "common/conf.h"
#include "common/event.h"
#include "store.h"

struct core;

/* c must outlive the core. db (read-write, the writer's) is read once to rebuild the
 * attribution map from the answers of the last two days and to find the watch start:
 * now_us is the wall clock (which the stored answers' times are), now_mono_us the
 * monotonic clock at the same moment (which attribution runs on). Returns NULL with a
 * reason in err. */
struct core *core_new(const struct conf *c, sqlite3 *db, int64_t now_us,
                      int64_t now_mono_us, char *err, size_t errlen);
void core_free(struct core *k);

/* Handle one event. An event from a source outside vm_subnet is not the VM's: it is
 * only counted apart (store_other), never attributed or judged. Returns 0 for an event
 * of the VM, 1 for one counted apart, or -1 on a database error (the event is not
 * stored). */
int core_conn(struct core *k, struct store *s, const struct conn_event *ev);
int core_dns(struct core *k, struct store *s, const struct dns_event *ev);

/* A name the VM used (how: "a DNS query", "a TLS SNI", "an HTTP Host"; example: the
 * event, one line): if it is one of the canary names, raise the canary finding, the
 * most serious kind, with its alert. The capture sensor's handler calls it for every
 * SNI and Host, as core_dns does for every query. Returns 1 if name is a canary, 0 if
 * not, -1 on a database error. */
int core_canary(struct core *k, struct store *s, const char *name, const char *how,
                const char *example, int64_t ts_us, int64_t conn_id, int64_t query_id);
/* The watch day ts_us falls in, as far as the watch has started (0 before it): for a
 * finding that is not an event's (a sensor's), which does not start the watch. */
int core_watch_day(const struct core *k, int64_t ts_us);

/* Go on in db, a database opened again in place of the one core_new had (the file was
 * replaced): what the VM was told stays known, the watch keeps its start (stored again
 * with the next event) and the folds are read from db. */
void core_set_db(struct core *k, sqlite3 *db);

/* Answers the attribution map has evicted so far to stay within its memory budget. */
uint64_t core_attrib_evictions(const struct core *k);

/* Judge the next events by c's policy (expected names and ports, attribution grace): a
 * SIGHUP. Call between two events, in the core thread; c must outlive its use. */
void core_set_conf(struct core *k, const struct conf *c);

/* The capture's events (capture on only). A hello is stored with its connection and
 * destination and may raise sni-mismatch or encrypted-sni; one whose connection has not
 * come yet is held for it (corecap.c) until core_release: then core_hello returns 1 and
 * owns h (the caller must not free it). A byte record is stored, counted per
 * destination and hour, and against the upload budget (volume). Returns 0, or -1 on a
 * database error (the event is not stored). now_mono_us: CLOCK_MONOTONIC. */
int core_hello(struct core *k, struct store *s, struct hello_event *h, int64_t now_mono_us);
int core_bytes(struct core *k, struct store *s, const struct bytes_event *b);

/* Store the held hellos whose time is up at now_mono_us, or all of them, inside the
 * writer's transaction. Returns how many were stored, or -1 on a database error. */
int core_release(struct core *k, struct store *s, int64_t now_mono_us, bool all);

/* Byte records whose upload budget could not be kept (budget.h), since core_new: the
 * writer stores their growth as the loss volume_untracked. */
uint64_t core_untracked(const struct core *k);

/* The transaction rolled back: forget what was stored in it. */
void core_rollback(struct core *k);

/* One event was rolled back to its savepoint: forget the findings it made. */
void core_event_undone(struct core *k);

#endif
