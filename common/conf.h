/* conf: the oc-audit configuration (INI, parsed with inih).
 * Every key lives in one table in conf.c with its type, default, help and validator;
 * the struct below holds the parsed, validated values. Problems are collected, not
 * printed: each names the file, line and key, and a load keeps going to find them all. */
#ifndef OCA_CONF_H
#define OCA_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "netaddr.h"
#include "rules.h"

#define CONF_MAX_LIST 32
#define CONF_MAX_NAME 256

struct conf_forward {
	struct netaddr addr;
	uint16_t port;
};

struct conf {
	/* [collector] */
	char database[4096];
	unsigned nflog_group;
	struct cidr vm_subnet[CONF_MAX_LIST];
	int n_vm_subnet;
	char pcap_interface[64];
	unsigned retention_days;
	unsigned disk_min_free_mb;      /* 0 = no free-space alert */
	unsigned queue_size;
	unsigned nflog_silence;        /* seconds of address answers without NFLOG; 0 = off */
	char user[64];                 /* switched to after the privileged opens, as root */
	/* [dns] */
	struct netaddr dns_addr;       /* family 0 = DNS service off */
	uint16_t dns_port;
	struct cidr allow_from[CONF_MAX_LIST];
	int n_allow_from;
	struct conf_forward forward[CONF_MAX_LIST];
	int n_forward;
	unsigned dns_rate_limit;       /* queries/s per client; 0 = off */
	unsigned dns_tcp_idle;         /* seconds a TCP client may stay idle */
	unsigned dns_tcp_msg;          /* seconds a TCP query may take to arrive, an answer
	                                  to be read */
	unsigned dns_tcp_max;          /* TCP connections open at once */
	unsigned dnssec;               /* 1 = validate (bogus answers become SERVFAIL) */
	char trust_anchor_file[4096];  /* DS or DNSKEY records, zone file format */
	unsigned strip_ech;            /* 1 = remove the ech SvcParam from SVCB/HTTPS answers */
	/* [policy] */
	char expected_domains[CONF_MAX_LIST][CONF_MAX_NAME]; /* lower case, no final dot */
	int n_expected_domains;
	struct rule_port expected_ports[CONF_MAX_LIST];  /* read by rules_port_parse */
	int n_expected_ports;
	char rules_file[4096];         /* empty = none */
	struct rules *rules;           /* the effective rules and canaries (rules.h): expect,
	                                  expected_domains x expected_ports when they apply,
	                                  rules_file (read by conf_check), canary_names */
	int64_t watch_start_us;        /* 0 = auto: the first event seen */
	unsigned watch_days;
	unsigned attribution_grace;    /* seconds an answer stays valid past its TTL */
	unsigned tunnel_distinct_labels;
	unsigned tunnel_label_length;
	unsigned tunnel_txt_queries;
	uint64_t upload_budget;        /* bytes per destination name per day; 0 = off */
	/* [web] */
	struct netaddr web_addr;       /* family 0 = dashboard off */
	uint16_t web_port;
	char web_token_file[4096];
	unsigned web_allow_remote;     /* 1 = a listen address off loopback is meant */
	/* [alerts] */
	char telegram_token_file[4096];
	char telegram_chat_id[128];
	char telegram_api_base[1024];
	char webhook_url[1024];
	/* [enforce] */
	unsigned enforce;              /* 1 = enforce mode (enforce.h), 0 = audit */

	/* private: the text of each key as given (for printing), whether the file or --set
	 * gave it, the parsed expect and canary_names, and the problems found */
	char *raw[64];
	bool given[64];
	struct rules *expect, *canaries;
	char **warnings;
	int n_warnings;
	char **errors;
	int n_errors;
	const char *cur_file;
	int cur_line;
};

/* A configuration holding every default. Never NULL (aborts on out of memory).
 * Free with conf_free. */
struct conf *conf_new(void);
void conf_free(struct conf *c);

/* Read an INI file over the current values. Returns the number of problems added
 * (0 = good); the file not opening is one problem. */
int conf_load_file(struct conf *c, const char *path);

/* The same for INI text of len bytes (no NUL needed; one inside a line ends it, as in a
 * file), named name in the problems. In both, a line that does not fit inih's line
 * buffer (INI_MAX_LINE with its newline, 200 bytes in Debian's) is one problem. */
int conf_load_buffer(struct conf *c, const char *name, const char *text, size_t len);

/* Apply one "section.key=value" override (from --set). Returns 0, or 1 problem added. */
int conf_set(struct conf *c, const char *assignment);

/* Check what no single key can: keys that need each other, and that the secret files
 * named can be read (their contents are never shown). Call once after loading the file
 * and the overrides. Returns the number of problems added. */
int conf_check(struct conf *c);

/* The problems collected so far, each "file:line: section.key: what is wrong". */
int conf_error_count(const struct conf *c);
const char *conf_error(const struct conf *c, int i);

/* Things worth saying that are no error (a rules_file that does not exist yet), each
 * "section.key: what". Collected by conf_check. */
int conf_warning_count(const struct conf *c);
const char *conf_warning(const struct conf *c, int i);

/* Call fn once for each key whose value differs between a and b (as given: the text of
 * the value), in the table's order. */
void conf_each_changed(const struct conf *a, const struct conf *b,
                       void (*fn)(void *ctx, const char *section, const char *name),
                       void *ctx);

/* Give dst src's value of every key for which pick(ctx, section, name) is true. Both
 * must be valid configurations (no error); the values were checked in src. */
void conf_copy_keys(struct conf *dst, const struct conf *src,
                    bool (*pick)(void *ctx, const char *section, const char *name),
                    void *ctx);

/* Print the effective configuration as INI (every key, defaults included), then the
 * effective rules as comments. */
void conf_print(const struct conf *c, FILE *out);

/* Is name something Linux could call an interface (1-15 printable bytes, no '/', ':'
 * or space)? */
bool conf_ifname_valid(const char *name);

/* Normalise a domain pattern for matching: lower case, no trailing dot.
 * Returns 0, or -1 if it is not a valid name or "*.name" pattern. */
int conf_domain_normalise(const char *in, char *out, size_t outlen);

#endif
