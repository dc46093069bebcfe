#include "config.h"

#include "stats.h"

static const struct {
	const char *name;
	bool loss;
	const char *help;
} info[STAT__COUNT] = {
	[STAT_NFLOG_RECEIVED] = { "nflog_received", false, "packets decoded from NFLOG" },
	[STAT_NFLOG_GAP] = { "nflog_gap", true, "NFLOG messages never received (sequence gaps)" },
	[STAT_NFLOG_ENOBUFS] = { "nflog_enobufs", false, "netlink overruns (socket buffer full)" },
	[STAT_NFLOG_BAD] = { "nflog_bad", true, "NFLOG messages that did not decode" },
	[STAT_QUEUE_FULL] = { "queue_full", true, "events refused by the full queue" },
	[STAT_DB_ERROR] = { "db_error", true, "events a database write failed for" },
	[STAT_DB_BATCHES] = { "db_batches", false, "transactions committed" },
	[STAT_EVENTS_STORED] = { "events_stored", false, "events committed" },
	[STAT_DNS_QUERIES] = { "dns_queries", false, "DNS queries from allowed clients" },
	[STAT_DNS_REFUSED] = { "dns_refused", false, "DNS queries from outside allow_from" },
	[STAT_DNS_MALFORMED] = { "dns_malformed", false, "DNS queries that did not parse" },
	[STAT_DNS_RATE_LIMITED] = { "dns_rate_limited", true,
	                            "DNS queries dropped by the per-client rate limit" },
	[STAT_DNS_SERVFAIL] = { "dns_servfail", false, "resolutions that failed (SERVFAIL)" },
	[STAT_DNS_BOGUS] = { "dns_bogus", false,
		"answers that failed DNSSEC validation (SERVFAIL to the VM)" },
	[STAT_DNS_UNANSWERED] = { "dns_unanswered", false, "DNS replies that could not be sent" },
	[STAT_DNS_TCP_DROPPED] = { "dns_tcp_dropped", false,
	                           "DNS TCP connections closed at once (over the cap)" },
	[STAT_PCAP_DROPPED] = { "pcap_dropped", true, "packets the capture dropped" },
	[STAT_ALERT_FAILED] = { "alert_failed", false, "alert delivery attempts that failed" },
	[STAT_ATTRIB_EVICTED] = { "attrib_evicted", false,
	                          "DNS answers the attribution map evicted to stay in its memory "
	                          "budget (a connection to their addresses may look direct-ip)" },
	[STAT_OTHER_CONNECTIONS] = { "other_connections", false,
	                             "connections from sources outside vm_subnet (not judged)" },
	[STAT_OTHER_DNS] = { "other_dns_queries", false,
	                     "DNS queries from sources outside vm_subnet (not judged)" },
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

const char *
stats_help(enum stat_id id)
{
	return id < STAT__COUNT ? info[id].help : "";
}
