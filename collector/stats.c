#include "config.h"

#include "stats.h"

static const struct {
	const char *name;
	bool loss;
} info[STAT__COUNT] = {
	[STAT_NFLOG_RECEIVED] = { "nflog_received", false },
	[STAT_NFLOG_GAP] = { "nflog_gap", true },
	[STAT_NFLOG_ENOBUFS] = { "nflog_enobufs", false },
	[STAT_NFLOG_BAD] = { "nflog_bad", true },
	[STAT_QUEUE_FULL] = { "queue_full", true },
	[STAT_DB_ERROR] = { "db_error", true },
	[STAT_DB_BATCHES] = { "db_batches", false },
	[STAT_EVENTS_STORED] = { "events_stored", false },
	[STAT_DNS_QUERIES] = { "dns_queries", false },
	[STAT_DNS_REFUSED] = { "dns_refused", false },
	[STAT_DNS_MALFORMED] = { "dns_malformed", false },
	[STAT_DNS_RATE_LIMITED] = { "dns_rate_limited", true },
	[STAT_DNS_SERVFAIL] = { "dns_servfail", false },
	[STAT_DNS_UNANSWERED] = { "dns_unanswered", false },
	[STAT_DNS_TCP_DROPPED] = { "dns_tcp_dropped", false },
	[STAT_PCAP_DROPPED] = { "pcap_dropped", true },
	[STAT_ALERT_FAILED] = { "alert_failed", false },
};

const char *
stats_name(enum stat_id id)
{
	return id < STAT__COUNT ? info[id].name : "unknown";
}

bool
stats_is_loss(enum stat_id id)
{
	return id < STAT__COUNT && info[id].loss;
}
