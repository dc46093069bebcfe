/* capture: the packet-capture sensor's pure core. Frames go in (from a live libpcap
 * handle or from a .pcap file: the same call), records come out through callbacks:
 *
 *   - a hello record when a flow's first client bytes name where it goes: a TLS
 *     ClientHello over TCP (any port), a QUIC v1/v2 Initial over UDP (any port), an
 *     HTTP/1.x request head to TCP port 80;
 *   - byte records per flow and per time slot: bytes and packets each way, from the
 *     lengths on the wire (a frame cut by the snap length still counts whole). A slot
 *     starts at a wall-clock boundary (slot_us divides an hour, so records roll up into
 *     hours exactly) and lasts slot_us of monotonic time; a flow's record for a slot is
 *     emitted when the slot is over (a sweep of all flows at the first frame or tick
 *     after), or when the flow ends (closed, idle, evicted, flushed);
 *   - aggregates of small flows: a flow whose whole life so far is at most
 *     CAPTURE_FOLD_PKTS packets, that sent no hello, and got no reply or carried no data
 *     either way (a probe: a scan, a spray, a one-packet flow) is not emitted on its own,
 *     neither at its end nor when its slot is over while it is alive. Its counts are
 *     added to one record per (client, server, server port, protocol) and slot
 *     (capture/flowagg.h), emitted when the slot is over (CAPTURE_FOLDED, flows = how
 *     many small flows had packets in the slot: one that goes on after a slot's end and
 *     stays small is counted again in the next slot it sends in; one that stops being
 *     small has its later records of its own). Bytes per destination and per slot stay
 *     exact; what such a flow carried on its own is not kept.
 *
 * The client of a flow is the end inside the configured prefixes (the VM); a packet with
 * neither end inside is counted and left out. The flow table is a fixed array of
 * max_flows entries: when it is full the least recently seen flow is evicted (its bytes
 * emitted, its unfinished inspection lost and counted). The buffers that put a
 * ClientHello back together are charged to one pool of reasm_bytes. Every refusal and
 * every table or buffer that fills is counted in struct capture_counters, for the caller
 * to store as losses.
 *
 * No I/O, no clock, no threads: times come with the frames (and capture_tick), each
 * twice: the wall clock (what records carry) and the monotonic clock (what every timeout
 * runs on, so that a step of the wall clock neither stalls nor hurries them). Callbacks
 * run inside the call that caused them, with records valid only during the call (copy
 * what is kept), and must not call back into the same struct capture. One struct capture
 * per thread; it is not locked. */
#ifndef OCA_CAPTURE_H
#define OCA_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/netaddr.h"
#include "capture/tlshello.h"

struct capture_flowkey {
	struct netaddr client, server;
	uint16_t cport, sport;
	uint8_t proto;                  /* IPPROTO_* */
};

enum capture_kind { CAPTURE_TLS = 1, CAPTURE_QUIC, CAPTURE_HTTP };

/* What a flow's first bytes said. The name is the exact bytes the VM sent (SNI or Host):
 * escape it for each output. */
struct capture_hello {
	int64_t ts_us;                  /* the packet that completed it */
	int64_t mono_us;                /* ... by the monotonic clock */
	int64_t flow_us;                /* its flow's first packet (wall clock); 0 if that was
	                                   in an earlier slot (not kept) */
	struct capture_flowkey key;
	enum capture_kind kind;
	bool has_name;                  /* false: a ClientHello without SNI, a request without Host */
	bool name_cut;                  /* longer than TLSHELLO_NAME_MAX: the first bytes */
	uint16_t name_len;
	uint8_t name[TLSHELLO_NAME_MAX + 1];   /* NUL-terminated for convenience only */
	char alpn[TLSHELLO_ALPN_STRLEN];       /* TLS/QUIC: tlshello's presentation form */
	uint16_t legacy_version;        /* TLS/QUIC: ClientHello.legacy_version */
	uint16_t max_version;           /* TLS/QUIC: tlshello_max_version */
	uint8_t n_versions;
	uint16_t versions[TLSHELLO_VERSIONS_MAX];
	bool ech;                       /* TLS/QUIC: encrypted_client_hello present; name = outer SNI */
	uint32_t quic_version;          /* QUIC: QUIC_V1 or QUIC_V2 */
};

enum capture_why {
	CAPTURE_SLOT = 1,               /* the flow goes on; this slot is over */
	CAPTURE_CLOSED,                 /* FIN both ways or RST, then a linger: the flow is gone */
	CAPTURE_IDLE,                   /* no packet for the idle timeout: gone */
	CAPTURE_EVICTED,                /* the table was full: gone from the table (it comes back
	                                   as a new flow if it sends again) */
	CAPTURE_FLUSHED,                /* capture_flush: gone */
	CAPTURE_FOLDED,                 /* an aggregate of small flows; key.cport 0 */
};

/* Bytes and packets of one flow in one slot. "up" is client to server. Lengths are IP
 * packet lengths (header included); payload is the transport payload (TCP/UDP data). */
struct capture_bytes {
	struct capture_flowkey key;
	int64_t slot_us;                /* start of the slot the counts belong to */
	int64_t first_us, last_us;      /* first and last packet counted here */
	int64_t first_mono_us;          /* the first, by the monotonic clock */
	uint64_t bytes_up, bytes_down;
	uint64_t payload_up, payload_down;
	uint64_t pkts_up, pkts_down;
	uint64_t flows;                 /* flows counted: 1, or an aggregate's many */
	enum capture_why why;
};

struct capture_conf {
	const struct cidr *clients;     /* the VM side; copied */
	size_t n_clients;
	size_t max_flows;               /* 0 = CAPTURE_MAX_FLOWS */
	size_t reasm_bytes;             /* 0 = CAPTURE_REASM_BYTES */
	int64_t slot_us;                /* 0 = CAPTURE_SLOT_US; must divide an hour */
	int64_t tcp_idle_us;            /* 0 = CAPTURE_TCP_IDLE_US */
	int64_t udp_idle_us;            /* 0 = CAPTURE_UDP_IDLE_US (also other protocols) */
	size_t fold_max;                /* 0 = CAPTURE_FOLD_MAX aggregates a slot */
	bool no_fold;                   /* every flow its own records (replays, tests) */
	uint64_t hash_seed;             /* random per process: the VM cannot aim at one bucket */
	void (*on_hello)(void *arg, const struct capture_hello *h);   /* may be NULL */
	void (*on_bytes)(void *arg, const struct capture_bytes *b);   /* may be NULL */
	void *arg;
};

#define CAPTURE_MAX_FLOWS 8192
#define CAPTURE_REASM_BYTES (2u << 20)
#define CAPTURE_SLOT_US (60 * 1000000LL)
#define CAPTURE_TCP_IDLE_US (300 * 1000000LL)
#define CAPTURE_UDP_IDLE_US (60 * 1000000LL)
#define CAPTURE_LINGER_US (5 * 1000000LL)   /* a closed TCP flow waits for its last ACKs */
#define CAPTURE_INSPECT_SEGMENTS 32         /* client data packets looked at, at most */
#define CAPTURE_FOLD_MAX 8192               /* destinations with small flows, a slot; past
                                               it a small flow is emitted on its own */
#define CAPTURE_FOLD_PKTS 4                 /* a small flow's packets at most: a SYN and its
                                               retries, or SYN, SYN-ACK, ACK, RST; a
                                               longer one-way stream keeps its records */

/* Counters since capture_new. The ones marked (loss) are what was not seen or not
 * recorded as it should be: the caller stores and shows them as losses. */
struct capture_counters {
	uint64_t frames, frame_bytes;   /* every frame given, and its wire length */
	uint64_t not_ip;                /* not IPv4/IPv6 (ARP...), ignored */
	uint64_t linktype;              /* (loss) an unknown link type */
	uint64_t short_frames;          /* (loss) cut before the transport ports: bytes not
	                                   counted to a flow */
	uint64_t bad;                   /* (loss) headers that contradict each other */
	uint64_t foreign;               /* neither end is the VM: ignored */
	uint64_t fragments, fragment_bytes; /* (loss) later IP fragments: bytes not counted
	                                   to a flow */
	uint64_t flows;                 /* flows created */
	uint64_t evicted;               /* (loss) flows pushed out of a full table */
	uint64_t evicted_inspecting;    /* (loss) of those, a hello begun and not finished */
	uint64_t reasm_nomem;           /* (loss) a hello not read: the reassembly pool was full,
	                                   or a QUIC CRYPTO frame could not be kept */
	uint64_t reasm_holes;           /* (loss) a hello not read: too many holes */
	uint64_t inspect_cut;           /* (loss) a hello not read: a segment cut by the snap
	                                   length, or more than CAPTURE_INSPECT_SEGMENTS */
	uint64_t missed_start;          /* TCP flows first seen after their SYN */
	uint64_t hello_tls, hello_quic, hello_http;
	uint64_t tls_malformed, tls_toobig; /* ClientHellos refused (counted, not recorded) */
	uint64_t quic_malformed, quic_undecryptable, quic_toobig;
	uint64_t http_malformed, http_toobig;
	uint64_t not_hello;             /* flows whose first bytes were none of the three */
	uint64_t folded;                /* small flows added to an aggregate */
	uint64_t fold_full;             /* small flows emitted on their own: the aggregates'
	                                   table was full (nothing lost: a row more) */
};

struct capture;

/* A sensor with conf (copied; the callbacks and arg are kept). Returns NULL if
 * conf->slot_us does not divide an hour or on out of memory. Allocates the flow table
 * (max_flows entries) here; reassembly buffers come and go within reasm_bytes. */
struct capture *capture_new(const struct capture_conf *conf);

/* One frame: ts_us its capture time (wall clock), mono_us when it was read (monotonic
 * clock; a file replay, which has one clock, passes ts_us again), frame the caplen
 * captured bytes, wirelen its length on the wire, dlt its link type (CAPDECODE_DLT_*:
 * pcap_datalink's value). A live capture and a file replay call this the same way. May
 * call the callbacks. */
void capture_packet(struct capture *c, int64_t ts_us, int64_t mono_us, const uint8_t *frame,
                    size_t caplen, size_t wirelen, int dlt);

/* Let time pass to (now_us, mono_us) without a frame (a live reader calls it when idle):
 * ends idle and lingering flows and emits the records of slots that are over. The
 * monotonic time never goes back: an earlier mono_us than already seen is taken as the
 * latest seen. */
void capture_tick(struct capture *c, int64_t now_us, int64_t mono_us);

/* Emit every flow's last record (CAPTURE_FLUSHED) and forget them: the end of a file, or
 * of the capture. */
void capture_flush(struct capture *c, int64_t now_us, int64_t mono_us);

/* Copy the counters. */
void capture_get_counters(const struct capture *c, struct capture_counters *out);

/* Flows in the table now. */
size_t capture_flow_count(const struct capture *c);

/* Free everything (without emitting: flush first to get the records). NULL is fine. */
void capture_free(struct capture *c);

#endif
