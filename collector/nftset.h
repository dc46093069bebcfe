/* nftset: add elements to enforce mode's sets (enforce.h) straight through the nf_tables
 * netlink API (libnftnl), for the netadm helper.
 *
 * libnftables takes text: each answer paid for a parse and a fresh read of the ruleset
 * cache (the kernel's tables and sets, dumped again after our own previous commit) before
 * its one transaction. Here one answer is one netlink batch built in place, on a socket
 * opened once: add the elements (creating what is missing), delete them, add them again
 * with their timeouts (a plain add of an element already there keeps its old expiry on
 * older kernels), per family, committed or refused as a whole. The kernel answers each
 * message of the batch; the answers are read until every one is in. */
#ifndef OCA_NFTSET_H
#define OCA_NFTSET_H

#include <stddef.h>

#include "netadm.h"

struct nftset;

/* Open a netlink socket for table's sets allow4 and allow6 (family inet). Needs
 * CAP_NET_ADMIN for the requests, not to open. Returns the handle (the caller frees it
 * with nftset_close), or NULL with one line in err. */
struct nftset *nftset_open(const char *table, char *err, size_t errlen);

/* Add (or refresh) e[0..n), 1 <= n <= NETADM_SET_MAX, already checked, without
 * duplicates, in one transaction; wait at most timeout_ms for the kernel's answers.
 * Returns 0, or -1 with the reason (NUL-terminated) in why[0..whylen): the kernel's
 * error for the first message it refused (no set: the ruleset is not installed; a full
 * set), or the socket's. */
int nftset_add(struct nftset *s, const struct netadm_elem *e, int n, int timeout_ms,
               char *why, size_t whylen);

/* NULL is fine. */
void nftset_close(struct nftset *s);

#endif
