/* dnslisten: the resolver's listening sockets and what they need of the host. Used by
 * resolver_open before the threads start; no state. */
#ifndef OCA_DNSLISTEN_H
#define OCA_DNSLISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/netaddr.h"

/* A non-blocking socket of type SOCK_DGRAM or SOCK_STREAM (listening) bound to a:port,
 * even if a is not an address of this host yet (IP_FREEBIND): it answers once a is
 * configured. Returns the descriptor, or -1 with a one-line reason in err. */
int dnslisten_bind(int type, const struct netaddr *a, uint16_t port, char *err,
                   size_t errlen);

/* False if a is not (yet) an address of this host: a plain bind to it fails. */
bool dnslisten_addr_present(const struct netaddr *a);

/* The TCP connection cap that leaves file descriptors for libunbound: every query it
 * sends upstream takes a socket, and TCP clients holding every descriptor would make
 * each resolution fail (the VM would take its own DNS down). Raises the soft
 * RLIMIT_NOFILE to the hard one (a 1024 default is low for a resolver); then TCP
 * clients get at most half of what is not open yet. Returns want, or less; *limit is
 * the descriptor limit (0 if none) and *open the descriptors open now. */
unsigned dnslisten_tcp_cap(unsigned want, unsigned long long *limit,
                           unsigned long long *open);

#endif
