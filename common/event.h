/* event: what the readers hand to the core thread. Connection events are plain values
 * copied through the queue; a DNS event is one heap block made by its reader
 * (dns_event_pack) and owned by whoever holds the queue slot (the writer frees it). */
#ifndef OCA_EVENT_H
#define OCA_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define EVENT_IFNAMSIZ 16
#define EVENT_PREFIXLEN 64

/* One new connection as NFLOG reported it (the first packet of a flow). */
struct conn_event {
	int64_t ts_us;
	struct netaddr src, dst;
	uint8_t proto;               /* IPPROTO_* */
	uint8_t has_ports;           /* TCP, UDP, SCTP, UDPLITE, DCCP */
	uint8_t has_icmp;
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags;
	uint16_t sport, dport;
	uint16_t pkt_len;            /* IP total length */
	char iif[EVENT_IFNAMSIZ];    /* in/out interfaces (bridge port when bridged) */
	char oif[EVENT_IFNAMSIZ];
	char prefix[EVENT_PREFIXLEN];/* the nft rule's log prefix, as bytes */
};

/* One DNS answer record, presentation form. */
struct dns_answer {
	char *name;                  /* owner name, presentation form with \DDD escapes */
	uint16_t rtype;
	uint32_t ttl;
	char *data;                  /* rdata, presentation form (address, target name...) */
};

enum dns_transport { DNS_UDP = 1, DNS_TCP = 2 };

/* What one query's event keeps of its answers: the first records, as long as they fit
 * these caps (a record's text that does not fit whole is kept cut, when at least
 * EVENT_DNS_CUT_MIN bytes of room are left); the rest is dropped and the event marked
 * truncated. A zone the VM controls can answer 64 KiB over TCP, which presentation
 * text (owner names repeated, \DDD escapes) makes megabytes: stored whole, a day of it
 * fills a disk. */
#define EVENT_DNS_ANSWERS_MAX 64
#define EVENT_DNS_ANSWER_BYTES 8192
#define EVENT_DNS_CUT_MIN 128

/* One query the VM made and what it was told. The name and the answers are pointers:
 * into the event's own block for an event made by dns_event_pack (what goes through the
 * queue), or to the caller's buffers for one built on the stack. */
struct dns_event {
	int64_t ts_us;               /* when the query arrived */
	int64_t latency_us;          /* until the answer was sent; -1 = none sent */
	struct netaddr client;
	uint16_t cport;
	uint16_t qid, qtype, qclass;
	int rcode;                   /* -1 = no answer (dropped) */
	uint8_t transport;           /* enum dns_transport */
	uint8_t qname_len;           /* exact bytes of the name as asked, wire form */
	uint8_t truncated;           /* answers were dropped or cut (EVENT_DNS_ANSWERS_MAX) */
	uint32_t size;               /* bytes of the block, set by dns_event_pack */
	const uint8_t *qname_wire;
	const char *qname;           /* presentation form, \DDD escapes, no final dot */
	size_t n_answers;
	const struct dns_answer *answers;  /* every CNAME step and address, in answer order */
	const char *why_bogus;       /* DNSSEC validation failed (SERVFAIL sent): why, as
	                                libunbound says it; NULL otherwise */
	unsigned ech_stripped;       /* SVCB/HTTPS records of the answer sent that lost their
	                                ech parameter ([dns] strip_ech) or were left out */
};

/* A copy of *ev in one allocation sized to what it holds: the fixed fields, the name in
 * both forms, and the answers and their strings within the caps above (truncated set
 * when any were dropped or cut). The caller owns it and frees it with dns_event_free,
 * from any thread. NULL on out of memory. */
struct dns_event *dns_event_pack(const struct dns_event *ev);

/* Free an event made by dns_event_pack. NULL is fine. */
void dns_event_free(struct dns_event *ev);

/* Commands from other threads of the process that need the one writer. */
enum cmd_kind {
	CMD_ACK_FINDING = 1,    /* id = findings.id; acknowledged at ts_us */
	CMD_ALERT_DELIVERED,    /* id = alert_outbox.id; delivered at ts_us */
	CMD_ALERT_RETRY,        /* id = alert_outbox.id; try again at arg (us); text = error */
	CMD_ALERT_ENQUEUE,      /* a new outbox row at ts_us; text = its JSON body, with "kind"
	                           ('loss', 'watch-end' or 'test'; one 'watch-end' ever) */
};

struct cmd_event {
	enum cmd_kind kind;
	int64_t id;
	int64_t ts_us;
	int64_t arg;
	char text[160];
};

enum event_type { EV_CONN = 1, EV_DNS, EV_CMD };

struct event {
	enum event_type type;
	union {
		struct conn_event conn;
		struct dns_event *dns;
		struct cmd_event cmd;
	} u;
};

#endif
