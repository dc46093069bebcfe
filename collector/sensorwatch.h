/* sensorwatch: whether the NFLOG sensor can see, decided in the core thread from what it
 * is told. Pure: no I/O, times passed in. NFLOG is blind
 *   - when the privileged helper's ruleset check (netadm, at start and every minute)
 *     finds no forward-hook rule that logs the VM's new connections to our group
 *     ("rule-missing"), one to another group ("rule-wrong-group"), or cannot tell
 *     ("rule-unverified"); blind since the last check that found it, or this one;
 *   - when it is silent: a heuristic, bounded in time. At least SENSORWATCH_ANSWERS DNS
 *     answers carrying addresses reached the VM, the first of them silence_us ago or
 *     more, and NFLOG delivered no connection at all since that first one. A client
 *     resolves names to connect to them, so NFLOG that stays silent meanwhile most
 *     likely does not see. A VM that only resolves (a DNS tunnel, a lookup tool) looks
 *     the same: that can only make the verdict INCOMPLETE, never CLEAN. Blind from the
 *     first of those answers until NFLOG delivers again.
 * Each change of state is handed out (sensorwatch_poll) until it is stored: the core
 * thread stores it (sensor_events, the report's coverage), raises a "sensor" finding
 * for a blind one, and an alert when NFLOG goes blind and when it sees again. */
#ifndef OCA_SENSORWATCH_H
#define OCA_SENSORWATCH_H

#include <stdbool.h>
#include <stdint.h>

#define SENSORWATCH_ANSWERS 3
#define SENSORWATCH_DETAIL 512

/* What the ruleset check answered (nftcheck.h's verdicts, or none at all). */
enum sensorwatch_rule {
	SW_RULE_UNKNOWN = 0,       /* not checked yet */
	SW_RULE_OK,
	SW_RULE_MISSING,
	SW_RULE_WRONG_GROUP,
	SW_RULE_UNVERIFIED,        /* the ruleset could not be read, or the helper is gone */
};

struct sensorwatch {
	int64_t silence_us;        /* 0 = the silence heuristic is off */
	unsigned nflog_group;
	enum sensorwatch_rule rule;
	char rule_detail[200];
	int64_t rule_ok_us;        /* the last check that found the rule; 0 = none */
	int64_t rule_bad_us;       /* since when it is not ok (as told) */
	int64_t nflog_last_us;     /* the last NFLOG event; 0 = none this run */
	int64_t answers_first_us;  /* the first address answer since NFLOG's last event */
	int64_t nflog_last_mono, answers_first_mono;   /* the two by the monotonic clock,
	                              which the silence is measured on: a wall clock stepped
	                              forward must not make NFLOG look silent, nor one
	                              stepped back keep a silent NFLOG from being told */
	unsigned answers;          /* ... and how many */
	char state[32];            /* the state last stored; "" = none yet */
	int64_t state_us;          /* ... since when */
	char pending[32];          /* handed out, its transaction not committed yet */
	int64_t pending_us;
};

struct sensorwatch_change {
	const char *source;        /* "nflog" */
	const char *state;         /* "up", "rule-missing", "rule-wrong-group",
	                              "rule-unverified", "silent" */
	int64_t since_us;          /* when the new state began */
	bool blind;                /* not "up": a sensor finding goes with it */
	bool was_blind;            /* the state it ends was stored and not "up" */
	char detail[SENSORWATCH_DETAIL];  /* for people */
};

/* Enforce mode's own table, sets and drop rule, from the same check (enforce mode
 * only): "up" while the check finds them, "off" while it does not (the VM is not
 * enforced: blind, a sensor finding and an alert, from the last check that found them),
 * "unverified" while it cannot tell. */
struct enforcewatch {
	enum sensorwatch_rule rule;  /* SW_RULE_OK, _MISSING or _UNVERIFIED */
	char detail[200];
	int64_t ok_us, bad_us;
	char state[32], pending[32];
	int64_t state_us, pending_us;
};

/* Start watching NFLOG group nflog_group; silence_us = 0 turns the heuristic off. */
void sensorwatch_init(struct sensorwatch *w, unsigned nflog_group, int64_t silence_us);

/* NFLOG delivered a connection event at ts (wall clock; mono: the monotonic clock then). */
void sensorwatch_conn(struct sensorwatch *w, int64_t ts, int64_t mono);

/* A DNS answer with `addresses` A/AAAA records reached the VM at ts (mono: as above). */
void sensorwatch_dns(struct sensorwatch *w, int64_t ts, int64_t mono, unsigned addresses);

/* The ruleset check at now answered rule, with detail (may be NULL). */
void sensorwatch_rule(struct sensorwatch *w, enum sensorwatch_rule rule, const char *detail,
                      int64_t now);

/* At now: if NFLOG's state changed since the last one stored, fill out and return
 * true; else false. Then sensorwatch_stored says whether the transaction that stores it
 * committed (a change that was not stored is handed out again). */
bool sensorwatch_poll(struct sensorwatch *w, int64_t now, int64_t mono,
                      struct sensorwatch_change *out);
void sensorwatch_stored(struct sensorwatch *w, bool ok);

/* The enforce table's check at now answered rule; then as sensorwatch_poll and _stored
 * (source "enforce"). The struct starts zeroed. */
void enforcewatch_rule(struct enforcewatch *w, enum sensorwatch_rule rule, const char *detail,
                       int64_t now);
bool enforcewatch_poll(struct enforcewatch *w, int64_t now, struct sensorwatch_change *out);
void enforcewatch_stored(struct enforcewatch *w, bool ok);

#endif
