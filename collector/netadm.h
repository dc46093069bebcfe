/* netadm: the privileged helper, and the protocol to it.
 *
 * collect forks the helper before anything else is opened (so it inherits no socket, no
 * database), and the helper keeps CAP_NET_ADMIN, alone, as the unprivileged user, with
 * no_new_privs and a system call list of its own. It never sees a byte from the VM: it
 * answers requests on a SOCK_SEQPACKET socket pair, one fixed-size message each way,
 * like OpenBSD's imsg. Every message starts with a header; its type fixes its exact size,
 * and a message of the wrong size or an unknown type ends the connection (the helper
 * exits; the daemon logs it and the requests fail from then on).
 *
 * Adding a request (issue 22's "add an address to an nft set", say): a type number, a
 * request and a reply struct below (fixed size, no pointers, strings as NUL-padded
 * arrays), a row in netadm.c's message table, a handler in the helper, and a client
 * function here. A round trip is one send and one receive of a few hundred bytes, with
 * no allocation on either side. */
#ifndef OCA_NETADM_H
#define OCA_NETADM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/netaddr.h"
#include "nftcheck.h"
#include "privdrop.h"

enum netadm_type {
	NETADM_RULESET_CHECK = 1,
	NETADM_SET_ADD,
	NETADM__TYPES
};

struct netadm_hdr {
	uint16_t type;    /* enum netadm_type */
	uint16_t len;     /* the whole message, header included */
	uint32_t seq;     /* chosen by the daemon, echoed in the reply */
};

#define NETADM_MAX_VM 8

struct netadm_prefix {
	uint8_t family;   /* 4 or 6 */
	uint8_t bits;
	uint8_t pad[2];
	uint8_t addr[16];
};

/* Does a forward-hook rule log the VM's new connections to nflog_group? And, when
 * enforce is 1, is enforce mode's table there (nftcheck_enforce)? */
struct netadm_ruleset_req {
	struct netadm_hdr h;
	uint32_t nflog_group;
	uint32_t enforce;
	uint32_t n_vm;
	struct netadm_prefix vm[NETADM_MAX_VM];   /* the VM's sources (vm_subnet) */
};

struct netadm_ruleset_rep {
	struct netadm_hdr h;
	int32_t verdict;                 /* enum nftcheck_verdict */
	uint32_t rules;
	char detail[NFTCHECK_DETAIL];    /* NUL-terminated */
	int32_t enf_verdict;             /* enforce mode's table; NFTCHECK_OK when not asked */
	char enf_detail[NFTCHECK_DETAIL];
};

/* One element of enforce mode's sets (enforce.h): client . addr . proto . port, for
 * timeout seconds. client and addr are of one family. */
struct netadm_elem {
	uint8_t family;   /* 4 or 6 */
	uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;    /* 1..65535 */
	uint32_t timeout; /* seconds, 1..NETADM_TIMEOUT_MAX */
	uint8_t client[16];
	uint8_t addr[16];
};

#define NETADM_SET_MAX 32              /* elements in one request */
#define NETADM_TIMEOUT_MAX (8u * 86400u)

/* Add (or refresh: the new timeout replaces the old) elements of enforce mode's sets.
 * The helper checks every element and adds all or none, in one transaction. */
struct netadm_set_req {
	struct netadm_hdr h;
	uint32_t n;
	uint32_t pad;
	struct netadm_elem e[NETADM_SET_MAX];
};

struct netadm_set_rep {
	struct netadm_hdr h;
	int32_t rc;                      /* 0 added; -1 refused (detail says why) */
	uint32_t n;                      /* elements added */
	char detail[NFTCHECK_DETAIL];    /* NUL-terminated */
};

/* Is buf[0..n) a well-formed message: a header whose type is known, whose len is n, and n
 * the exact size of that type's request (reply = false) or reply (reply = true)? Returns
 * the type, or 0 when it is not (the connection must then end). Pure. */
int netadm_msg_check(const void *buf, size_t n, bool reply);

struct netadm;

/* Fork the helper (call before any thread starts and before the privileged opens). The
 * child never returns from this call. Returns the daemon's handle, or NULL with one line
 * in err. */
struct netadm *netadm_spawn(const struct privdrop_id *id, char *err, size_t errlen);

/* The helper's pid (0 once it is known to be gone). */
pid_t netadm_pid(const struct netadm *n);

/* Ask the helper whether the live ruleset logs the VM's new connections, and when enf is
 * not NULL whether enforce mode's table is whole (into enf). Thread-safe (one request at a
 * time); waits at most timeout_ms. Returns 0 with out (and enf) filled, or -1 with errno:
 * EPIPE (the helper is gone), ETIMEDOUT, EPROTO (a malformed reply: the connection is
 * ended). */
int netadm_ruleset_check(struct netadm *n, unsigned nflog_group, const struct cidr *vm,
                         int n_vm, int timeout_ms, struct nftcheck_result *out,
                         struct nftcheck_result *enf);

/* Have the helper add e[0..n) (n <= NETADM_SET_MAX) to enforce mode's sets, in one
 * transaction. Thread-safe; waits at most timeout_ms. Returns 0, or -1 with errno: EPIPE,
 * ETIMEDOUT, EPROTO as above, EINVAL (n out of range), or EIO when the helper refused
 * or nftables failed (the reason, NUL-terminated, in why[0..whylen)). */
int netadm_set_add(struct netadm *n, const struct netadm_elem *e, int n_elem,
                   int timeout_ms, char *why, size_t whylen);

/* Reap the helper if it has exited (after SIGCHLD), logging how it ended once. Returns
 * true if it is gone. */
bool netadm_reap(struct netadm *n);

/* End the connection, wait for the helper, free. NULL is fine. */
void netadm_close(struct netadm *n);

#endif
