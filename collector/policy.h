/* policy: the DNS-tunnel detector and the name heuristics around it (what is expected is
 * common/rules.h). Pure: no I/O, no clock. */
#ifndef OCA_POLICY_H
#define OCA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DNS, DNS over TLS or DNS over QUIC: port 53 or 853, UDP or TCP. */
bool policy_is_dns_port(int proto, int port);

/* Bits of Shannon entropy per character of s[0..len). */
double policy_entropy(const char *s, size_t len);

/* The DNS-tunnel detector: per registered domain and per hour, the distinct first
 * labels, long or high-entropy labels, and TXT/NULL queries. */
struct tunnel_limits {
	unsigned distinct_labels;   /* distinct subdomain labels per hour */
	unsigned label_length;      /* one label this long is suspicious */
	unsigned txt_queries;       /* TXT/NULL queries per hour */
};

struct tunnel;

/* NULL on out of memory. */
struct tunnel *tunnel_new(const struct tunnel_limits *lim);
void tunnel_free(struct tunnel *t);

/* Look at one query, asked at mono_us: a monotonic time (the hours are counted on it, so
 * a wall clock stepped back a day cannot hold one window open for a day). Returns true
 * when it looks like tunnelling, with the registered domain in base and why in reason. */
bool tunnel_check(struct tunnel *t, const char *qname, int qtype, int64_t mono_us,
                  char *base, size_t baselen, char *reason, size_t reasonlen);

#endif
