/* event: what the readers hand to the core thread. Connection, byte and sensor events
 * are plain values copied through the queue; a DNS event (dns_event_pack) and a hello
 * (hello_event_pack) are one heap block each, made by their reader and owned by whoever
 * holds the queue slot (event_free frees it). */
#ifndef OCA_EVENT_H
#define OCA_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define EVENT_IFNAMSIZ 16
#define EVENT_PREFIXLEN 64

/* One new connection as NFLOG reported it (the first packet of a flow). */
struct conn_event {
	int64_t ts_us;               /* the kernel's time of the packet (else when read) */
	int64_t mono_us;             /* when read, by the monotonic clock (queue_mono_us): what
	                                attribution compares, which a step of the wall clock
	                                must not expire or revive */
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
	int64_t mono_us;             /* ... by the monotonic clock (queue_mono_us): for the
	                                answers' TTLs in attribution and the tunnel detector's
	                                hour, which a step of the wall clock must not stretch
	                                or cut */
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
	CMD_ACK_FINDING = 1,    /* id = findings.id; acknowledged at ts_us, until arg (us;
	                           0 = for good), by by, text = the note (common/ack.h) */
	CMD_ALERT_DELIVERED,    /* id = alert_outbox.id; delivered at ts_us */
	CMD_ALERT_RETRY,        /* id = alert_outbox.id; try again at arg (us); text = error */
	CMD_ALERT_ENQUEUE,      /* a new outbox row at ts_us; text = its JSON body, with "kind"
	                           ('loss', 'watch-end' or 'test'; one 'watch-end' ever) */
	CMD_SENSOR_CHECK,       /* the ruleset check at ts_us answered arg (collector/
	                           sensorwatch.h's enum sensorwatch_rule); text = its detail */
	CMD_ENFORCE_CHECK,      /* the same check of enforce mode's table, as CMD_SENSOR_CHECK */
	CMD_UNACK_FINDING,      /* id = findings.id; its acknowledgement taken back (note, by
	                           and until with it) */
};

struct cmd_event {
	enum cmd_kind kind;
	int64_t id;
	int64_t ts_us;
	int64_t arg;
	char text[160];
	char by[32];            /* CMD_ACK_FINDING: who acknowledged */
};

/* What the capture read at the start of a flow from the VM: a TLS ClientHello over TCP, a
 * QUIC Initial's ClientHello, or an HTTP/1.x request head. The name is the SNI or the
 * Host value (port included, as sent): exact bytes from the VM, and the same in the DNS
 * presentation form the resolver gives names (dnsmsg_name_str), so that the two compare. */
enum hello_kind { HELLO_TLS = 1, HELLO_QUIC, HELLO_HTTP };

#define EVENT_NAMELEN 256            /* SNI or Host bytes kept, NUL included */
#define EVENT_NAME_STRLEN 1024       /* their presentation form, NUL included */
#define EVENT_ALPNLEN 256

/* The strings are pointers: into the event's own block for one made by
 * hello_event_pack (what goes through the queue), or to the caller's buffers for one
 * built on the stack. */
struct hello_event {
	int64_t ts_us;                   /* the packet that completed it */
	int64_t mono_us;                 /* ... by the monotonic clock: for attribution */
	int64_t flow_us;                 /* its flow's first packet (wall); 0 unknown */
	uint32_t size;                   /* bytes of the block, set by hello_event_pack */
	struct netaddr client, server;
	uint16_t cport, sport;
	uint8_t proto;                   /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t kind;                    /* enum hello_kind */
	bool has_name;                   /* false: no SNI, or a request without Host */
	bool name_cut;                   /* longer than EVENT_NAMELEN - 1: the first bytes */
	bool ech;                        /* encrypted_client_hello: the name is the outer one */
	uint16_t version;                /* TLS/QUIC: the highest TLS version offered; HTTP 0 */
	uint32_t quic_version;           /* QUIC: 1 or 0x6b3343cf; else 0 */
	uint16_t name_len;               /* < EVENT_NAMELEN */
	const uint8_t *name;             /* exact bytes, NUL-terminated for convenience only */
	const char *name_str;            /* presentation form (< EVENT_NAME_STRLEN); "" none */
	const char *alpn;                /* protocols offered, comma-separated, escaped (<
	                                    EVENT_ALPNLEN); "" none */
};

/* A copy of *h in one allocation sized to what it holds (the strings cut to the bounds
 * above; NULL strings taken as empty). The caller owns it and frees it with
 * hello_event_free, from any thread. NULL on out of memory. */
struct hello_event *hello_event_pack(const struct hello_event *h);

/* Free a hello made by hello_event_pack. NULL is fine. */
void hello_event_free(struct hello_event *h);

/* Why a flow's byte record was written: the flow goes on into the next slot, or ended;
 * or the record is an aggregate of small flows to one destination (capture/flowagg.h). */
enum flow_end { FLOW_GOES_ON = 0, FLOW_CLOSED, FLOW_IDLE, FLOW_EVICTED, FLOW_FLUSHED,
                FLOW_FOLDED };

/* Bytes of one flow of the VM in one time slot, from the capture: lengths on the wire
 * (IP total length), so a packet cut by the snap length counts whole. Up = from the VM. */
struct bytes_event {
	int64_t slot_us;                 /* the slot's start; slots divide an hour */
	int64_t first_us, last_us;       /* first and last packet counted in it */
	int64_t first_mono_us;           /* the first, by the monotonic clock: for attribution */
	struct netaddr client, server;
	uint16_t cport, sport;
	uint8_t proto;
	uint8_t end;                     /* enum flow_end */
	uint32_t flows;                  /* flows counted: 1, or a FLOW_FOLDED aggregate's
	                                    many (its cport 0, no connection of its own) */
	uint64_t bytes_up, bytes_down;
	uint64_t payload_up, payload_down;   /* of which TCP/UDP data */
	uint64_t pkts_up, pkts_down;
};

/* A sensor's change of state, for the record of what it could see (sensor_events). */
struct sensor_event {
	int64_t ts_us;
	char source[12];                 /* "capture" */
	char state[20];                  /* "up", or why not: "no-interface", "error" */
	char detail[132];                /* one line for people */
};

enum event_type { EV_CONN = 1, EV_DNS, EV_CMD, EV_HELLO, EV_BYTES, EV_SENSOR };

struct event {
	enum event_type type;
	union {
		struct conn_event conn;
		struct dns_event *dns;
		struct cmd_event *cmd;       /* rare, and larger than the rest: on the heap, so */
		struct hello_event *hello;   /* that a slot is sized by a connection and a byte */
		struct bytes_event bytes;    /* record, what comes at NFLOG's and the capture's */
		struct sensor_event *sensor; /* top rates (the queue: QUEUE_BYTES) */
	} u;
};

/* *ev becomes a command (a sensor state) event holding a heap copy of *c (*s), owned by
 * ev (event_free). Returns 0, or -1 out of memory (ev holds nothing then). */
int event_cmd(struct event *ev, const struct cmd_event *c);
int event_sensor(struct event *ev, const struct sensor_event *s);

/* Bytes of heap the event holds (a DNS event's block, a hello, a command, a sensor
 * state), 0 for plain values: what the queue charges to its byte budget. */
size_t event_heap_bytes(const struct event *ev);

/* Free what the event holds on the heap (nothing for plain values) and clear the
 * pointer. */
void event_free(struct event *ev);

#endif
