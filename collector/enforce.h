/* enforce: enforce mode ([enforce] mode = enforce). The VM reaches only what the rules
 * expect, at the addresses our resolver gave it.
 *
 * oc-audit's own nftables table (ENFORCE_TABLE, printed by `oc-audit enforce-rules`, which
 * the operator or the NixOS module installs) holds two sets of (VM source . destination .
 * proto . port) with timeouts, and a forward chain that runs before the usual filter
 * chains: established flows pass, a new connection from vm_subnet passes only if its
 * 4-tuple is in a set, and anything else from the VM is logged to the NFLOG group with
 * ENFORCE_PREFIX and dropped. DNS to anyone but our resolver is one such drop: the
 * resolver is the host itself (input hook), not forwarded. The VM is told by its source:
 * IPv6 is enforced only when vm_subnet lists the VM's IPv6 prefix (conf_check warns when
 * it lists none), and an answer opens only addresses of the family the VM asked from (an
 * element pairs the asking address with the answer's), so an IPv6 connection after a
 * question over IPv4 is dropped: fail closed. A source outside vm_subnet is the host's
 * reverse-path filter's to stop, not this table's.
 *
 * The resolver fills the sets: for each answer to a name a rule expects, before the
 * answer leaves, every A/AAAA address of it goes in once per proto/port the rule lists,
 * for the answer's TTL plus [policy] attribution_grace (so enforcement and attribution
 * agree on when an answer is spent). The daemon holds no privilege: the netadm helper
 * adds the elements (one fixed-size request per answer, netadm.h). A failed add is
 * counted and logged; the answer still leaves, and the firewall fails closed.
 *
 * Bounds: a set holds at most ENFORCE_SET_SIZE elements (a full set refuses, counted);
 * one answer adds at most NETADM_SET_MAX elements (the rest are counted as dropped). */
#ifndef OCA_ENFORCE_H
#define OCA_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"
#include "common/event.h"
#include "common/netaddr.h"
#include "common/rules.h"
#include "netadm.h"

#define ENFORCE_TABLE "oc-audit"            /* family inet: the NixOS module's too */
#define ENFORCE_PREFIX "oc-audit-blocked: " /* the log prefix of a dropped attempt */
#define ENFORCE_SET_SIZE 65536
#define ENFORCE_TTL_MAX 86400u              /* a longer TTL is taken as this */

/* The ruleset to install for c, as nft -f input, into out (NUL-terminated, cut to
 * outlen). Returns the length the whole text needs (like snprintf). Pure. */
size_t enforce_ruleset(const struct conf *c, char *out, size_t outlen);

/* The set elements an answer opens: for every A/AAAA record in ans[0..n_ans) with a
 * valid address, one element per proto/port of every rule naming qname (presentation
 * form, as asked), with timeout min(ttl, ENFORCE_TTL_MAX) + grace seconds, for client.
 * At most max go into out; *dropped counts the rest. Returns how many went in (0 when
 * no rule names qname or it lists no port). Pure. */
int enforce_elements(const struct rules *rs, const struct netaddr *client, const char *qname,
                     const struct dns_answer *ans, size_t n_ans, unsigned grace,
                     struct netadm_elem *out, int max, int *dropped);

/* Was a logged connection a drop of enforce mode (its log prefix is ours)? Pure. */
bool enforce_is_blocked(const struct conn_event *ev);

struct enforce;
struct stats;

/* The runtime half: adds what answers open through na. Keeps a copy of c->rules and
 * c->attribution_grace; na and st must outlive it. NULL on out of memory. */
struct enforce *enforce_new(struct netadm *na, const struct conf *c, struct stats *st);

/* Take the rules of a reloaded configuration (copied; c stays the caller's). Thread-safe.
 * Returns 0, or -1 on out of memory (the old rules stay). */
int enforce_set_rules(struct enforce *e, const struct conf *c);

/* The resolver's answer hook (resolver.h): open what the answer for qname to client
 * opens, and return once the helper has (or has failed, logged and counted). Runs on
 * the resolver thread; ctx is the struct enforce. */
void enforce_answer(void *ctx, const struct netaddr *client, const char *qname,
                    const struct dns_answer *ans, size_t n_ans);

/* NULL is fine. */
void enforce_free(struct enforce *e);

#endif
