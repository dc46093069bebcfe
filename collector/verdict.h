/* verdict: what a new connection means, from the policy (the configuration), what
 * attribution found for it, and the event. Pure: no I/O, no clock, no database; the
 * core stores what it decides. First match wins:
 *   a canary name gave the VM this address                       -> canary
 *   port 53/853, tcp or udp (our resolver is never forwarded)    -> dns-bypass
 *   no answer ever gave the VM this address                     -> direct-ip
 *   only names outside the expected set gave it                 -> unexpected-destination
 *   an expected name, on a port/proto its rule does not list     -> unexpected-port
 * and otherwise nothing. The rules are c->rules (common/rules.h). */
#ifndef OCA_VERDICT_H
#define OCA_VERDICT_H

#include <stdbool.h>

#include "attrib.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/findkind.h"
#include "common/netaddr.h"
#include "common/proto.h"

#define VERDICT_KEYLEN 1400
#define VERDICT_EXAMPLELEN 300

struct conn_verdict {
	int pick;                  /* r->c[pick] is the name the connection belongs to (the
	                              first candidate a rule allows on this port, else the
	                              first a rule names, else the newest); -1 = none */
	bool expected;             /* a rule allows that name on this proto/port */
	enum findkind kind;        /* FK_NONE: nothing to raise */
	const char *detail;        /* what the finding means (static); NULL with FK_NONE */
	/* the finding, filled only when kind is not FK_NONE */
	const char *domain;        /* its name (points into r), or NULL */
	char ip[NETADDR_STRLEN];   /* the destination */
	int port;                  /* -1 when the protocol has no ports */
	char proto[PROTO_NAMELEN];
	char key[VERDICT_KEYLEN];  /* one finding per (kind, key) */
	char example[VERDICT_EXAMPLELEN];  /* "src:sport -> dst:dport/proto": "" until
	                              verdict_conn_example */
};

/* The key of a name-based finding: name in lower case without its final dot, cut to
 * outlen - 1 bytes. */
void verdict_name_key(const char *name, char *out, size_t outlen);

/* Whether src is the VM: inside [collector] vm_subnet. Events from other sources are
 * counted apart and never judged (core.c). */
bool verdict_is_vm(const struct conf *c, const struct netaddr *src);

/* Decide ev, a connection attribution found r for, under c, into out: all but the
 * example line, which only a finding that may be new needs. */
void verdict_conn(const struct conf *c, const struct attrib_result *r,
                  const struct conn_event *ev, struct conn_verdict *out);

/* Write v's example line for ev (v from verdict_conn of ev, with a kind). */
void verdict_conn_example(const struct conn_event *ev, struct conn_verdict *v);

#define VERDICT_NAMELEN 1024
#define VERDICT_DETAILLEN 1400

/* What a hello of the capture means, first match wins:
 *   the encrypted_client_hello extension                         -> encrypted-sni
 *   no name, or a name that is an IP address (direct-ip's case)  -> nothing
 *   a name outside the expected set (c->rules)                   -> sni-mismatch
 *   a name this client did not resolve the address from (what
 *   attribution found, valid or expired)                         -> sni-mismatch
 * An HTTP Host is compared without its port. */
struct hello_verdict {
	enum findkind kind;        /* FK_NONE: nothing to raise */
	char name[VERDICT_NAMELEN];/* the name compared: lower case, no port, no final dot; ""
	                              when the hello had none */
	const char *canary;        /* the canary pattern (c->rules) the name matches, or NULL:
	                              what the canary kind (issue 22) raises on */
	int pick;                  /* r->c[pick] is the answer the name matched; -1 none */
	bool expected;             /* the name is in the expected set */
	/* the finding, filled only when kind is not FK_NONE */
	int port;
	char proto[PROTO_NAMELEN];
	char key[VERDICT_KEYLEN];  /* "name ip:port/proto", or "ip:port/proto" without a name */
	/* "" until verdict_hello_describe */
	char ip[NETADDR_STRLEN];   /* the destination */
	char detail[VERDICT_DETAILLEN];   /* why, with the names the address was resolved from */
	char example[VERDICT_EXAMPLELEN]; /* "src:sport -> dst:dport/proto tls" */
};

/* Decide h, a hello for whose (client, server) attribution found r, under c, into out:
 * all but the finding's address, detail and example, which only a finding that may be
 * new needs (a flood of names folds into findings that exist). */
void verdict_hello(const struct conf *c, const struct attrib_result *r,
                   const struct hello_event *h, struct hello_verdict *out);

/* Write v's address, detail (for a kind) and example line, v from verdict_hello of h
 * with r. */
void verdict_hello_describe(const struct attrib_result *r, const struct hello_event *h,
                            struct hello_verdict *v);

#endif
