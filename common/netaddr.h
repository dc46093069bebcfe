/* netaddr: IPv4/IPv6 addresses, CIDR prefixes and "addr:port" / "addr@port" strings.
 * Pure functions, no allocation. */
#ifndef OCA_NETADDR_H
#define OCA_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Big enough for any address as text, brackets and port included. */
#define NETADDR_STRLEN 64

struct netaddr {
	uint8_t family;   /* 4 or 6; 0 = none */
	uint8_t a[16];    /* network order; IPv4 uses the first 4 bytes */
};

struct cidr {
	struct netaddr net;
	uint8_t bits;
};

/* Parse a numeric IPv4 or IPv6 address. Returns 0, or -1 if s is not one. */
int netaddr_parse(const char *s, struct netaddr *out);

/* Format as text into buf (NETADDR_STRLEN). Returns buf. */
char *netaddr_format(const struct netaddr *a, char *buf, size_t len);

/* Build from raw bytes (4 or 16 of them). */
void netaddr_from_bytes(struct netaddr *out, int family, const void *bytes);

bool netaddr_equal(const struct netaddr *x, const struct netaddr *y);

/* Parse "addr/bits" (or a bare address = host prefix). Host bits must be zero.
 * Returns 0, or -1 with a reason in err. */
int cidr_parse(const char *s, struct cidr *out, char *err, size_t errlen);

bool cidr_contains(const struct cidr *c, const struct netaddr *a);

/* Parse "addr:port", "[v6]:port" (sep ':') or "addr@port" (sep '@'); a missing port
 * takes defport. Returns 0, or -1 with a reason in err. */
int hostport_parse(const char *s, char sep, uint16_t defport, struct netaddr *addr,
                   uint16_t *port, char *err, size_t errlen);

/* Format "addr:port" or "[v6]:port" into buf (NETADDR_STRLEN). Returns buf. */
char *hostport_format(const struct netaddr *a, uint16_t port, char *buf, size_t len);

#endif
