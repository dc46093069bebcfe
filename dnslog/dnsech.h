/* dnsech: keep the SNI visible. An HTTPS (type 65) or SVCB (64) record can carry an
 * `ech` SvcParam (RFC 9460, the ECH draft): the public key a client uses to encrypt its
 * ClientHello, real SNI included, so that the capture sees only the outer name. With
 * [dns] strip_ech on, the resolver removes that parameter from every record it answers
 * the VM, so the VM's clients fall back to a visible SNI, and counts each removal.
 *
 * ldns splits a record into its fields (priority, target, and the SvcParams as one
 * field); it has no accessor for one key, so the walk of the key/length/value list below
 * is the one place that reads it. The list is what an upstream the VM chooses sent:
 * a list that does not walk (a length past the end, keys not strictly increasing, a
 * mandatory list of odd length) makes the record one a conforming client ignores and
 * a lenient one might read an ECH key from, so it is dropped. A `mandatory` entry naming
 * ech goes with it (a record that lists a key it lacks is ignored by clients), and the
 * whole mandatory key when that was its only entry.
 *
 * Pure: no I/O, no state; the records are changed in place. */
#ifndef OCA_DNSECH_H
#define OCA_DNSECH_H

#include <stddef.h>

#include <ldns/ldns.h>

#define DNSECH_KEY_MANDATORY 0
#define DNSECH_KEY_ECH 5

enum dnsech_verdict {
	DNSECH_KEPT = 0,   /* not SVCB/HTTPS, or no ech parameter: unchanged */
	DNSECH_STRIPPED,   /* its ech parameter (and ech in mandatory) was removed */
	DNSECH_DROP,       /* SVCB/HTTPS whose SvcParams do not walk, or no memory to
	                      rewrite it: the caller must not pass it on */
};

/* Remove the ech SvcParam from rr (any type; only SVCB and HTTPS are touched) in place.
 * Returns what it did; on DNSECH_DROP rr is unchanged and still the caller's. */
enum dnsech_verdict dnsech_strip_rr(ldns_rr *rr);

/* Strip every record of the section l in place: SVCB/HTTPS records lose their ech
 * parameter, those to drop are removed and freed, and so are the RRSIGs over an RRset
 * that changed (they no longer match it: see the man page on DNSSEC). Records keep
 * their order. Returns the number of records stripped or dropped (RRSIGs not counted),
 * or -1 on out of memory (l unchanged: the caller must not send it). NULL or empty l: 0. */
long dnsech_strip_list(ldns_rr_list *l);

#endif
