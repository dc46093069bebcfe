/* params: the pure part of the dashboard's request handling. Every byte of a request
 * line that the browser (or anything that can reach the port) sends goes through here
 * first: the route, the Host and Origin headers, and the filter parameters. No I/O, no
 * globals, no clock reads (now is passed in), so the unit tests and the fuzzer reach it
 * all. libmicrohttpd has already split and percent-decoded the request. */
#ifndef OCA_WEB_PARAMS_H
#define OCA_WEB_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/netaddr.h"

enum web_route_id {
	WR_NOT_FOUND = 0,
	WR_OVERVIEW,        /* /                      */
	WR_DNS_PAGE,        /* /dns                   */
	WR_CONN_PAGE,       /* /connections           */
	WR_FINDING_PAGE,    /* /findings/{id}         */
	WR_LOGIN,           /* /login                 */
	WR_ASSET,           /* /assets/{name}         */
	WR_API_REPORT,      /* /api/report            */
	WR_API_DNS,         /* /api/dns               */
	WR_API_CONN,        /* /api/connections       */
	WR_API_TIMELINE,    /* /api/timeline          */
	WR_API_FINDINGS,    /* /api/findings          */
	WR_API_ACK,         /* /api/findings/{id}/ack */
	WR_API_EXPECT,      /* /api/findings/{id}/expect */
	WR_METRICS,         /* /metrics               */
};

struct web_route {
	enum web_route_id id;
	int64_t finding_id;     /* WR_FINDING_PAGE, WR_API_ACK, WR_API_EXPECT */
	const char *asset;      /* WR_ASSET: points into the url given */
	bool post_only;         /* the route changes state: POST, never GET */
};

/* Match a decoded URL path. Unknown paths, and any path holding "..", a backslash, a
 * control byte or a second slash where none belongs, give WR_NOT_FOUND. */
void web_route_match(const char *url, struct web_route *out);

/* Whether a Host header names this server: "127.0.0.1:PORT", "localhost:PORT",
 * "[::1]:PORT", or the listen address with PORT (the port may be left out only when it
 * is 80). When the listen address is the unspecified one (0.0.0.0 or ::), any IP
 * literal with the port is accepted too: DNS rebinding needs a name. */
bool web_host_allowed(const char *host, const struct netaddr *listen, uint16_t port);

/* Whether an Origin header is this server as named by host (already allowed):
 * exactly "http://" host. NULL or "null" is never same-origin. */
bool web_origin_same(const char *origin, const char *host);

/* Comparison of a presented token with the configured one in a time that depends on
 * neither (their SHA-256 digests are compared, whatever their lengths). An empty want
 * never matches. */
bool web_token_equal(const char *given, const char *want);

/* Which endpoint the parameters are for: each accepts its own keys. */
enum web_qkind { WQ_DNS, WQ_CONN, WQ_TIMELINE, WQ_REPORT, WQ_FINDINGS, WQ_NONE };

/* Kinds of connection (by what attribution and policy said) and of DNS answer. */
enum web_conn_kind { WK_ANY = 0, WK_EXPECTED, WK_UNEXPECTED, WK_STALE, WK_UNATTRIBUTED };
enum web_dns_kind { WD_ANY = 0, WD_ANSWERED, WD_NXDOMAIN, WD_SERVFAIL, WD_REFUSED,
                    WD_UNANSWERED };

/* The values of the kind filter of endpoint k (WQ_CONN or WQ_DNS) into *names, indexed
 * by enum web_conn_kind / web_dns_kind; names[0] is "" (any). Returns how many; 0 for
 * an endpoint without a kind filter. */
int web_kind_names(enum web_qkind k, const char *const **names);

#define WEB_LIMIT_DEFAULT 50
#define WEB_LIMIT_MAX 500
#define WEB_NAME_MAX 1024

/* The filters of one request, validated. */
struct web_query {
	enum web_qkind for_kind;
	char name[WEB_NAME_MAX + 1]; /* substring of the DNS name, as bytes; "" = any */
	bool has_ip;
	char ip[NETADDR_STRLEN];     /* canonical text, as stored */
	int port;                    /* -1 = any */
	int proto;                   /* IP protocol number, -1 = any */
	int qtype;                   /* DNS type number, -1 = any */
	int kind;                    /* enum web_conn_kind or web_dns_kind */
	int64_t since_us, until_us;  /* until is exclusive */
	int64_t before_id;           /* keyset paging: rows with id < before_id; 0 = newest */
	int64_t after_id;            /* rows with id > after_id (new findings); 0 = any */
	unsigned limit;
	unsigned seen;               /* bit per key already given: each key at most once */
};

/* Defaults for an endpoint: no filter, the window [now - 7 days, now], limit 50. */
void web_query_init(struct web_query *q, enum web_qkind kind, int64_t now_us);

/* Apply one decoded key=value (value may be NULL for a bare key). Returns 0, or -1 with
 * a reason in err (unknown key, a key given twice, a bad value). The reason never
 * quotes the value, so it is safe to show anywhere. */
int web_query_set(struct web_query *q, const char *key, const char *value, int64_t now_us,
                  char *err, size_t errlen);

/* Checks across keys (since before until). Returns 0, or -1 with err. */
int web_query_finish(struct web_query *q, char *err, size_t errlen);

#endif
