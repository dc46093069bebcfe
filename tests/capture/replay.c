/* replay: read .pcap/.pcapng files through the capture sensor's entry (capture_packet),
 * the very call the live reader makes, and print what it saw in a stable text form:
 *
 *   hello PROTO CLIENT:PORT SERVER:PORT KIND NAME alpn=... version=0x0304 ech=0
 *   flow PROTO CLIENT:PORT SERVER:PORT up=BYTES/PKTS down=BYTES/PKTS payload=UP/DOWN
 *   counter NAME VALUE                      (the non-zero ones)
 *
 * Hellos come in the order they were seen; flows sorted, each the sum of its records.
 * NAME has bytes outside printable ASCII, spaces and backslashes as \DDD, "-" if none.
 *
 *   replay [-c CIDR]... [-n] FILE...      (default clients: 192.168.83.0/24, fd83::/64)
 *   -n   print the hellos' names only, as "PROTO CLIENT:PORT SERVER:PORT NAME [ech]"
 *        (what the differential test compares with tshark) */
#include "config.h"

#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "common/netaddr.h"

struct total {
	char key[160];
	uint64_t bu, bd, pu, pd, lu, ld;
};

static struct total *totals;
static size_t n_totals, cap_totals;
static int names_only;

static void
flow_str(const struct capture_flowkey *k, char *out, size_t len)
{
	char c[NETADDR_STRLEN], s[NETADDR_STRLEN];

	snprintf(out, len, "%s %s %s", k->proto == IPPROTO_TCP ? "tcp" :
	         k->proto == IPPROTO_UDP ? "udp" : "ip",
	         hostport_format(&k->client, k->cport, c, sizeof(c)),
	         hostport_format(&k->server, k->sport, s, sizeof(s)));
}

static void
name_str(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0;

	if (n == 0) {
		strcpy(out, "-");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '\\')
			o += (size_t)sprintf(out + o, "\\%03u", p[i]);
		else
			out[o++] = (char)p[i];
	}
	out[o] = 0;
}

static void
on_hello(void *arg, const struct capture_hello *h)
{
	static const char *kinds[] = { "?", "tls", "quic", "http" };
	char key[160], name[4 * TLSHELLO_NAME_MAX + 2];

	(void)arg;
	flow_str(&h->key, key, sizeof(key));
	name_str(h->name, h->has_name ? h->name_len : 0, name);
	if (names_only) {
		if (h->has_name)
			printf("%s %s%s\n", key, name, h->ech ? " ech" : "");
		return;
	}
	printf("hello %s %s %s", key, kinds[h->kind], name);
	if (h->kind != CAPTURE_HTTP)
		printf(" alpn=%s version=0x%04x ech=%d", h->alpn[0] ? h->alpn : "-", h->max_version,
		       h->ech);
	if (h->kind == CAPTURE_QUIC)
		printf(" quic=0x%08x", h->quic_version);
	printf("\n");
}

static void
on_bytes(void *arg, const struct capture_bytes *b)
{
	char key[160];
	size_t i;

	(void)arg;
	flow_str(&b->key, key, sizeof(key));
	for (i = 0; i < n_totals && strcmp(totals[i].key, key); i++)
		;
	if (i == n_totals) {
		if (n_totals == cap_totals) {
			cap_totals = cap_totals ? 2 * cap_totals : 64;
			if (!(totals = realloc(totals, cap_totals * sizeof(*totals)))) {
				perror("replay");
				exit(1);
			}
		}
		memset(&totals[i], 0, sizeof(totals[i]));
		strcpy(totals[i].key, key);
		n_totals++;
	}
	totals[i].bu += b->bytes_up, totals[i].bd += b->bytes_down;
	totals[i].pu += b->pkts_up, totals[i].pd += b->pkts_down;
	totals[i].lu += b->payload_up, totals[i].ld += b->payload_down;
}

static int
cmp_total(const void *a, const void *b)
{
	return strcmp(((const struct total *)a)->key, ((const struct total *)b)->key);
}

int
main(int argc, char **argv)
{
	struct cidr clients[16];
	size_t n_clients = 0;
	struct capture_conf conf = { .clients = clients, .on_hello = on_hello, .no_fold = true,
	                             .on_bytes = on_bytes, .hash_seed = 1 };
	struct capture_counters k;
	struct capture *c;
	int64_t last = 0;
	int opt;

	while ((opt = getopt(argc, argv, "c:n")) != -1) {
		char err[128];

		if (opt == 'n') {
			names_only = 1;
		} else if (opt == 'c' && n_clients < 16 &&
		           cidr_parse(optarg, &clients[n_clients], err, sizeof(err)) == 0) {
			n_clients++;
		} else {
			fprintf(stderr, "usage: replay [-c CIDR]... [-n] FILE...\n");
			return 2;
		}
	}
	if (!n_clients) {
		cidr_parse("192.168.83.0/24", &clients[n_clients++], NULL, 0);
		cidr_parse("fd83::/64", &clients[n_clients++], NULL, 0);
	}
	conf.n_clients = n_clients;
	if (optind == argc || !(c = capture_new(&conf))) {
		fprintf(stderr, "usage: replay [-c CIDR]... [-n] FILE...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		char err[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *hdr;
		const u_char *data;
		pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[i],
		                                                    PCAP_TSTAMP_PRECISION_MICRO, err);
		int rc, dlt;

		if (!p) {
			fprintf(stderr, "replay: %s\n", err);
			return 1;
		}
		dlt = pcap_datalink(p);
		while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
			last = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
			capture_packet(c, last, last, data, hdr->caplen, hdr->len, dlt);
		}
		if (rc == PCAP_ERROR) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], pcap_geterr(p));
			pcap_close(p);
			return 1;
		}
		pcap_close(p);
	}
	capture_flush(c, last, last);
	if (!names_only) {
		qsort(totals, n_totals, sizeof(*totals), cmp_total);
		for (size_t i = 0; i < n_totals; i++)
			printf("flow %s up=%llu/%llu down=%llu/%llu payload=%llu/%llu\n", totals[i].key,
			       (unsigned long long)totals[i].bu, (unsigned long long)totals[i].pu,
			       (unsigned long long)totals[i].bd, (unsigned long long)totals[i].pd,
			       (unsigned long long)totals[i].lu, (unsigned long long)totals[i].ld);
		capture_get_counters(c, &k);
#define CNT(f) if (k.f) printf("counter %s %llu\n", #f, (unsigned long long)k.f)
		CNT(frames); CNT(frame_bytes); CNT(not_ip); CNT(linktype); CNT(short_frames);
		CNT(bad); CNT(foreign); CNT(fragments); CNT(fragment_bytes); CNT(flows);
		CNT(evicted); CNT(evicted_inspecting); CNT(reasm_nomem); CNT(reasm_holes);
		CNT(inspect_cut); CNT(missed_start); CNT(hello_tls); CNT(hello_quic);
		CNT(hello_http); CNT(tls_malformed); CNT(tls_toobig); CNT(quic_malformed);
		CNT(quic_undecryptable); CNT(quic_toobig); CNT(http_malformed); CNT(http_toobig);
		CNT(not_hello);
	}
	capture_free(c);
	free(totals);
	return 0;
}
