#include "config.h"

#include <stddef.h>

#include "stats.h"

/* Every counter: its stored name, whether it counts lost events (and whose), what it
 * means, and where /metrics shows it: a family (oc_audit_FAMILY_total) and this
 * counter's label in it. The losses are also oc_audit_events_lost_total{reason=NAME}. */
static const struct {
	const char *name;
	bool loss;
	const char *sensor;   /* a loss: the sensor whose events it counts; NULL = any */
	const char *metric;   /* its family, or NULL (a loss shown only among the losses) */
	const char *label;    /* its label in the family, or NULL when it is the family */
	const char *help;
} info[STAT__COUNT] = {
	[STAT_NFLOG_RECEIVED] = { .name = "nflog_received", .metric = "nflog_packets",
		.label = "result=\"received\"", .help = "packets decoded from NFLOG" },
	[STAT_NFLOG_GAP] = { .name = "nflog_gap", .loss = true, .sensor = "nflog",
		.metric = "nflog_packets", .label = "result=\"missed\"",
		.help = "NFLOG messages never received (sequence gaps)" },
	[STAT_NFLOG_ENOBUFS] = { .name = "nflog_enobufs", .metric = "nflog_overruns",
		.help = "netlink overruns (socket buffer full)" },
	[STAT_NFLOG_BAD] = { .name = "nflog_bad", .loss = true, .sensor = "nflog",
		.metric = "nflog_packets", .label = "result=\"undecodable\"",
		.help = "NFLOG messages that did not decode" },
	[STAT_QUEUE_FULL] = { .name = "queue_full", .loss = true,
		.help = "events refused by the full queue" },
	[STAT_DB_ERROR] = { .name = "db_error", .loss = true,
		.help = "events a database write failed for" },
	[STAT_DB_BATCHES] = { .name = "db_batches", .metric = "db_transactions",
		.help = "transactions committed" },
	[STAT_EVENTS_STORED] = { .name = "events_stored", .metric = "events_stored",
		.help = "events committed" },
	[STAT_DNS_QUERIES] = { .name = "dns_queries", .metric = "dns_queries",
		.label = "result=\"allowed\"", .help = "DNS queries from allowed clients" },
	[STAT_DNS_REFUSED] = { .name = "dns_refused", .metric = "dns_queries",
		.label = "result=\"refused\"", .help = "DNS queries from outside allow_from" },
	[STAT_DNS_MALFORMED] = { .name = "dns_malformed", .metric = "dns_queries_dropped",
		.label = "reason=\"malformed\"", .help = "DNS queries that did not parse" },
	[STAT_DNS_RATE_LIMITED] = { .name = "dns_rate_limited", .loss = true, .sensor = "dns",
		.metric = "dns_queries_dropped", .label = "reason=\"rate_limited\"",
		.help = "DNS queries dropped by the per-client rate limit" },
	[STAT_DNS_SERVFAIL] = { .name = "dns_servfail", .metric = "dns_resolutions_failed",
		.help = "resolutions that failed (SERVFAIL)" },
	[STAT_DNS_BOGUS] = { .name = "dns_bogus", .metric = "dns_answers_bogus",
		.help = "answers that failed DNSSEC validation (SERVFAIL to the VM)" },
	[STAT_DNS_ECH_STRIPPED] = { .name = "dns_ech_stripped", .metric = "dns_ech_stripped",
		.help = "HTTPS/SVCB records answered without their ech parameter, so the SNI "
		        "stays visible (strip_ech)" },
	[STAT_DNS_UNANSWERED] = { .name = "dns_unanswered", .metric = "dns_replies_unsent",
		.help = "DNS replies that could not be sent" },
	[STAT_DNS_TCP_DROPPED] = { .name = "dns_tcp_dropped",
		.metric = "dns_tcp_connections_dropped",
		.help = "DNS TCP connections closed at once (over the cap)" },
	[STAT_DNS_TCP_TIMEOUT] = { .name = "dns_tcp_timeout",
		.metric = "dns_tcp_connections_timed_out",
		.help = "DNS TCP connections closed for a query or answer slower than "
		        "tcp_message_timeout" },
	[STAT_PCAP_RECEIVED] = { .name = "pcap_received", .metric = "capture_packets",
		.label = "result=\"received\"", .help = "frames the capture read" },
	[STAT_PCAP_DROPPED] = { .name = "pcap_dropped", .loss = true, .sensor = "capture",
		.metric = "capture_packets", .label = "result=\"dropped\"",
		.help = "packets the kernel or libpcap dropped before the capture read them" },
	[STAT_CAPTURE_UNCOUNTED] = { .name = "capture_uncounted", .loss = true,
		.sensor = "capture", .metric = "capture_packets", .label = "result=\"uncounted\"",
		.help = "captured frames whose bytes no flow could count" },
	[STAT_CAPTURE_UNREAD] = { .name = "capture_unread", .loss = true, .sensor = "capture",
		.metric = "capture_hellos", .label = "result=\"unread\"",
		.help = "flows whose TLS/QUIC/HTTP hello could not be read" },
	[STAT_CAPTURE_HELLOS] = { .name = "capture_hellos", .metric = "capture_hellos",
		.label = "result=\"read\"", .help = "hellos read (TLS, QUIC, HTTP)" },
	[STAT_CAPTURE_REFUSED] = { .name = "capture_refused", .metric = "capture_hellos",
		.label = "result=\"refused\"",
		.help = "ClientHellos and HTTP request heads that did not parse" },
	[STAT_VOLUME_UNTRACKED] = { .name = "volume_untracked", .loss = true,
		.sensor = "capture", .metric = "volume_untracked",
		.help = "byte records no upload budget could be kept for" },
	[STAT_ALERT_FAILED] = { .name = "alert_failed", .metric = "alert_failures",
		.help = "alert delivery attempts that failed" },
	[STAT_ATTRIB_EVICTED] = { .name = "attrib_evicted", .metric = "attribution_evicted",
		.help = "DNS answers the attribution map evicted to stay in its memory budget "
		        "(a connection to their addresses may look direct-ip)" },
	[STAT_OTHER_CONNECTIONS] = { .name = "other_connections", .metric = "other_sources",
		.label = "event=\"connection\"",
		.help = "connections from sources outside vm_subnet (not judged)" },
	[STAT_OTHER_DNS] = { .name = "other_dns_queries", .metric = "other_sources",
		.label = "event=\"dns_query\"",
		.help = "DNS queries from sources outside vm_subnet (not judged)" },
	[STAT_ENFORCE_ADDED] = { .name = "enforce_added", .metric = "enforce_elements",
		.label = "result=\"added\"",
		.help = "addresses the resolver's answers opened in enforce mode (set elements)" },
	[STAT_ENFORCE_FAILED] = { .name = "enforce_failed", .metric = "enforce_elements",
		.label = "result=\"failed\"",
		.help = "set elements enforce mode could not add (their connections are dropped)" },
};

/* The families of /metrics, with what each counts. */
static const struct stats_family families[] = {
	{ "nflog_packets", "NFLOG messages by outcome: received (decoded), missed (sequence "
	  "gaps: never received), undecodable" },
	{ "nflog_overruns", "netlink overruns of the NFLOG socket (its buffer was full)" },
	{ "db_transactions", "database transactions committed" },
	{ "events_stored", "events committed to the database" },
	{ "dns_queries", "DNS queries by client: allowed (from allow_from) or refused" },
	{ "dns_queries_dropped", "DNS queries dropped before resolution, by reason" },
	{ "dns_resolutions_failed", "DNS resolutions that failed (SERVFAIL)" },
	{ "dns_answers_bogus", "DNS answers that failed DNSSEC validation (SERVFAIL to the VM)" },
	{ "dns_ech_stripped", "HTTPS/SVCB records answered to the VM without their ech "
	  "parameter (strip_ech), so its TLS SNI stays visible" },
	{ "dns_replies_unsent", "DNS replies that could not be sent" },
	{ "dns_tcp_connections_dropped", "DNS TCP connections closed at once (over the cap)" },
	{ "dns_tcp_connections_timed_out", "DNS TCP connections closed for a query or answer "
	  "slower than tcp_message_timeout" },
	{ "capture_packets", "packets of the capture sensor by outcome: received, dropped "
	  "(by the kernel or libpcap), uncounted (no flow could count their bytes)" },
	{ "capture_hellos", "TLS/QUIC ClientHellos and HTTP request heads by outcome: read, "
	  "refused (did not parse), unread (the flow's hello could not be read)" },
	{ "volume_untracked", "byte records no upload budget could be kept for" },
	{ "alert_failures", "alert delivery attempts that failed" },
	{ "attribution_evicted", "DNS answers the attribution map evicted to stay in its "
	  "memory budget" },
	{ "other_sources", "events from sources outside vm_subnet (counted, not judged)" },
	{ "enforce_elements", "enforce mode: nftables set elements the resolver's answers "
	  "opened, by outcome" },
	{ NULL, NULL },
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

const struct stats_family *
stats_families(void)
{
	return families;
}

const char *
stats_metric(enum stat_id id, const char **label)
{
	if (id >= STAT__COUNT) {
		*label = NULL;
		return NULL;
	}
	*label = info[id].label;
	return info[id].metric;
}

const char *
stats_loss_sensor(enum stat_id id)
{
	return id < STAT__COUNT ? info[id].sensor : NULL;
}

const char *
stats_help(enum stat_id id)
{
	return id < STAT__COUNT ? info[id].help : "";
}
