/* stats: the daemon's counters, shared by every thread (relaxed atomics).
 * Counters marked as losses add up to "events lost": the writer stores every change
 * of them in the database (table losses) so that report and dashboard show them. */
#ifndef OCA_STATS_H
#define OCA_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum stat_id {
	STAT_NFLOG_RECEIVED,     /* packets decoded from NFLOG */
	STAT_NFLOG_GAP,          /* loss: NFLOG sequence numbers never received */
	STAT_NFLOG_ENOBUFS,      /* netlink overruns (the socket buffer was full) */
	STAT_NFLOG_BAD,          /* loss: NFLOG messages that did not decode */
	STAT_QUEUE_FULL,         /* loss: events refused because the queue was full */
	STAT_DB_ERROR,           /* loss: events a database write failed for */
	STAT_DB_BATCHES,         /* transactions committed */
	STAT_EVENTS_STORED,      /* events committed */
	STAT_DNS_QUERIES,        /* queries received from allowed clients */
	STAT_DNS_REFUSED,        /* queries from clients outside allow_from */
	STAT_DNS_MALFORMED,      /* queries that did not parse (FORMERR or dropped) */
	STAT_DNS_RATE_LIMITED,   /* loss: queries dropped by the per-client rate limit */
	STAT_DNS_SERVFAIL,       /* resolutions that failed */
	STAT_DNS_BOGUS,          /* answers that failed DNSSEC validation (SERVFAIL sent) */
	STAT_DNS_ECH_STRIPPED,   /* SVCB/HTTPS records answered without their ech parameter */
	STAT_DNS_UNANSWERED,     /* replies that could not be sent (send error, TCP peer gone) */
	STAT_DNS_TCP_DROPPED,    /* TCP connections closed at once (over the cap, no memory) */
	STAT_DNS_TCP_TIMEOUT,    /* TCP connections closed for missing a message's deadline */
	STAT_PCAP_RECEIVED,      /* frames the capture read */
	STAT_PCAP_DROPPED,       /* loss: packets the kernel or libpcap dropped (pcap_stats) */
	STAT_CAPTURE_UNCOUNTED,  /* loss: frames whose bytes no flow could count (cut before
	                            the ports, later IP fragments, bad headers) */
	STAT_CAPTURE_UNREAD,     /* loss: flow starts whose hello could not be read (reassembly
	                            pool or holes, snap length, flow table full) */
	STAT_CAPTURE_HELLOS,     /* hellos read (TLS, QUIC, HTTP) */
	STAT_CAPTURE_REFUSED,    /* ClientHellos and request heads that did not parse */
	STAT_VOLUME_UNTRACKED,   /* loss: byte records no upload budget could be kept for (the
	                            per-name table was full) */
	STAT_ALERT_FAILED,       /* alert delivery attempts that failed */
	STAT_ATTRIB_EVICTED,     /* answers the attribution map evicted (memory budget) */
	STAT_OTHER_CONNECTIONS,  /* connections from outside vm_subnet: counted apart */
	STAT_OTHER_DNS,          /* DNS queries from outside vm_subnet: counted apart */
	STAT_ENFORCE_ADDED,      /* set elements the resolver's answers opened (enforce.h) */
	STAT_ENFORCE_FAILED,     /* set elements that could not be added (helper, full set) */
	STAT__COUNT
};

struct stats {
	_Atomic uint64_t v[STAT__COUNT];
};

/* Name of a counter as stored and shown ("nflog_gap"). */
const char *stats_name(enum stat_id id);

/* What a counter counts, for people ("DNS queries that did not parse"). */
const char *stats_help(enum stat_id id);

/* True for counters whose growth means events were lost. */
bool stats_is_loss(enum stat_id id);

/* The counter families of /metrics (oc_audit_NAME_total), ending with a NULL name. */
struct stats_family {
	const char *name;
	const char *help;
};
const struct stats_family *stats_families(void);

/* The family a counter is shown in (NULL: only among the losses), and in *label its
 * label there (`result="received"`), or NULL when the counter is the whole family. */
const char *stats_metric(enum stat_id id, const char **label);

/* For a loss counter, the sensor whose events it counts ("nflog", "dns", "capture"), or
 * NULL when the events may be any sensor's (the queue, the database). */
const char *stats_loss_sensor(enum stat_id id);

static inline void
stats_add(struct stats *s, enum stat_id id, uint64_t n)
{
	atomic_fetch_add_explicit(&s->v[id], n, memory_order_relaxed);
}

static inline uint64_t
stats_get(struct stats *s, enum stat_id id)
{
	return atomic_load_explicit(&s->v[id], memory_order_relaxed);
}

#endif
