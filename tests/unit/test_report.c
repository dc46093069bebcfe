/* The report's writers, fed rows directly (no database for text and CSV): what people
 * read, how each list opens and closes, the verdict, and the escaping of what the VM
 * sent. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timefmt.h"
#include "report/writers.h"
#include "tap.h"

/* 2026-11-29T00:00:00Z */
static const int64_t T0 = INT64_C(1795910400) * US_PER_SEC;

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static void
out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
}

static const char *
out_text(struct out *o)
{
	fflush(o->f);
	return o->buf ? o->buf : "";
}

static void
out_close(struct out *o)
{
	fclose(o->f);
	free(o->buf);
}

static struct report_head
head(int64_t findings, int64_t lost, int64_t start)
{
	struct report_head h = { .since_us = T0 - 7 * DAY_US, .until_us = T0, .watch_days = 7,
	                         .connections = 1234, .dns_queries = 56, .findings = findings,
	                         .events_lost = lost };

	h.watch.start_us = start;
	if (start) {
		h.watch.end_us = start + 7 * DAY_US;
		h.watch.day = (T0 - 1 - start) / DAY_US + 1;
		h.watch.ended = T0 - 1 >= h.watch.end_us;
	}
	return h;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void
test_text(void)
{
	struct report_text t;
	struct report_sink s;
	struct report_head h = head(3, 7, T0 - 3 * DAY_US - 5);
	struct report_dest d1 = { "api.telegram.org", "149.154.167.220", 443, 6, 900, true,
	                          T0 - DAY_US, T0 - 60 * US_PER_SEC, 0, 0, 1 };
	/* the first of the 250 other destinations in the window (rows.h: max_dests) */
	struct report_dest d2 = { NULL, "2001:db8::9", 8443, 6, 2, false, T0 - 50 * US_PER_SEC,
	                          T0 - 40 * US_PER_SEC, 0, 0, 250 };
	struct report_finding f1 = { "direct-ip", NULL, "2001:db8::9", "tcp",
	                             "a connection to an address", 8443, 2,
	                             T0 - 50 * US_PER_SEC, T0 - 40 * US_PER_SEC, 0, true, false, 0, 0, NULL, NULL };
	struct report_finding f2 = { "unexpected-domain", "evil\x1b[2J.example", NULL, NULL,
	                             "asked\nFAKE: all clear", -1, 1, T0 - 30 * US_PER_SEC,
	                             T0 - 30 * US_PER_SEC, T0 - 10 * US_PER_SEC, false, false, 0, 0,
	                             NULL, NULL };
	struct report_finding f3 = f2;
	struct report_sensor nflog = { "nflog", true, true, T0 - 40 * US_PER_SEC };
	struct report_sensor dns = { "dns", true, false, T0 - 50 * US_PER_SEC };
	struct report_sensor cap = { "capture", false, false, 0 };
	struct report_blind b1 = { "nflog", T0 - 2 * DAY_US, T0 - 2 * DAY_US + 3600 * US_PER_SEC,
	                           "not-running", "the collector was stopped", 0 };
	struct report_blind b2 = { "nflog", T0 - DAY_US, T0 - DAY_US + US_PER_SEC, "loss",
	                           "7 events lost (queue_full 5, nflog_gap 2)", 7 };
	struct report_blind b3 = { "dns", T0 - 600 * US_PER_SEC, T0, "silent\x1b[2J",
	                           "no answer\nFAKE", 0 };
	struct report_end e = { .verdict = REPORT_FINDINGS, .blind_spots = 4,
	                        .reasons = "not-running, loss, silent", .chain_batch = 42,
	                        .chain_committed_us = T0 - US_PER_SEC, .chain_head = "ab12",
	                        .findings = 3, .open = 2 };
	struct out o;
	const char *txt;

	h.other_connections = 3;
	h.other_dns_queries = 2;
	out_open(&o);
	report_text_sink(&t, o.f, &s);
	ok(s.head && s.part && s.loss && s.sensor && s.blind && s.dest && s.name && s.finding &&
	   s.end, "text takes every list");
	s.head(s.arg, &h);
	s.part(s.arg, RP_LOSSES);
	s.loss(s.arg, "queue_full", 5);
	s.loss(s.arg, "nflog_gap", 2);
	s.part(s.arg, RP_COVERAGE);
	s.sensor(s.arg, &nflog);
	s.blind(s.arg, &b1);
	s.blind(s.arg, &b2);
	s.sensor(s.arg, &dns);
	b1.sensor = "dns";
	s.blind(s.arg, &b1);
	s.blind(s.arg, &b3);
	s.sensor(s.arg, &cap);
	s.part(s.arg, RP_DESTS);
	s.dest(s.arg, &d1);
	s.dest(s.arg, &d2);
	s.part(s.arg, RP_NAMES);
	for (int i = 0; i < REPORT_TEXT_MAX_NAMES + 4; i++) {
		struct report_name n = { i ? "x.example" : "api.telegram.org", 10, i == 0,
		                         T0 - DAY_US, T0 - US_PER_SEC, 1, NULL, NULL };
		s.name(s.arg, &n);
	}
	s.part(s.arg, RP_FINDINGS);
	s.finding(s.arg, &f1);
	s.finding(s.arg, &f2);
	f3.domain = "b.example";
	f3.acked_us = 0;                          /* acknowledged once, expired since */
	f3.ack_given_us = T0 - 20 * US_PER_SEC;
	f3.ack_until_us = T0 - 5 * US_PER_SEC;
	f3.ack_by = "cli (root)";
	f3.ack_note = "lab box\x1b[2J, fine";
	s.finding(s.arg, &f3);
	s.part(s.arg, RP_END);
	s.end(s.arg, &e);
	txt = out_text(&o);

	ok(strstr(txt, "oc-audit report  2026-11-22T00:00:00Z .. 2026-11-29T00:00:00Z\n") == txt,
	   "first line: the window");
	ok(strstr(txt, "Watch:  started 2026-11-25T23:59:59Z, day 4 of 7\n") != NULL, "watch day");
	ok(strstr(txt, "Totals: 1234 connections, 56 DNS queries, 3 findings, 7 events lost\n") != NULL,
	   "totals");
	ok(strstr(txt, "\nNot VM: 3 connections, 2 DNS queries from sources outside vm_subnet "
	          "(counted apart, not judged)\n") != NULL, "other sources apart");
	ok(strstr(txt, "!! 7 events were lost: the record is incomplete. By cause:\n"
	           "    queue_full         5\n    nflog_gap          2\n") != NULL,
	   "losses by cause under the banner");
	ok(strstr(txt, "\nCoverage (a blind spot: a stretch a sensor could not see)\n"
	          "  nflog     up at the window's end; last event 2026-11-28T23:59:20Z\n"
	          "    !! blind 2026-11-27T00:00:00Z .. 2026-11-27T01:00:00Z  not-running (every "
	          "sensor): the collector was stopped\n"
	          "    !! blind 2026-11-28T00:00:00Z .. 2026-11-28T00:00:01Z  loss: 7 events lost "
	          "(queue_full 5, nflog_gap 2)\n"
	          "  dns       BLIND at the window's end; last event 2026-11-28T23:59:10Z\n"
	          "    !! blind 2026-11-28T23:50:00Z .. 2026-11-29T00:00:00Z  silent\\x1b[2J: "
	          "no answer\\x0aFAKE\n"
	          "  capture   not configured: SNI and bytes are not watched\n") != NULL,
	   "coverage: each sensor, its blind spots, the collector's stops once, escaped");
	ok(strstr(txt, "\nChain:  batch 42, committed 2026-11-28T23:59:59Z, head ab12\n") != NULL,
	   "the chain's head");
	ok(strstr(txt, "\nExpected destinations\n      conns          up        down  first seen"
	          "            last seen             destination\n        900           -"
	          "           -  2026-11-28T00:00:00Z  2026-11-28T23:59:00Z  api.telegram.org "
	          "(149.154.167.220:443/tcp)\n") != NULL,
	   "an expected destination, with its name; bytes unknown without capture");
	ok(strstr(txt, "\nOther destinations (not expected: see findings)\n") &&
	   strstr(txt, "[2001:db8::9]:8443/tcp\n") != NULL, "an other one, IPv6 bracketed");
	is_int(s.max_dests, REPORT_TEXT_MAX_DESTS, "text asks for the first rows of each list");
	ok(strstr(txt, "[2001:db8::9]:8443/tcp\n  ... and 249 more destinations (") != NULL &&
	   count(txt, "more destinations") == 1, "what the list left out, from its count");
	is_int(count(txt, "  (none)\n"), 0, "no list said none");
	is_int(count(txt, "   <- not expected\n"), REPORT_TEXT_MAX_NAMES - 1,
	       "names: the first ones listed, unexpected ones marked");
	ok(strstr(txt, "  ... and 4 more names") != NULL, "and the rest counted");
	ok(strstr(txt, "\nFindings\n  direct-ip\n    [2001:db8::9]:8443/tcp\n      2 times, "
	          "2026-11-28T23:59:10Z .. 2026-11-28T23:59:20Z, blocked (enforce mode)\n"
	          "      a connection to an address\n  unexpected-domain\n") != NULL,
	   "findings grouped by kind, a blocked one marked");
	ok(strstr(txt, "    evil\\x1b[2J.example\n      1 time, 2026-11-28T23:59:30Z .. "
	          "2026-11-28T23:59:30Z, acknowledged 2026-11-28T23:59:50Z\n      "
	          "asked\\x0aFAKE: all clear\n") != NULL,
	   "escaped for a terminal, acknowledged shown");
	ok(strstr(txt, "    b.example\n      1 time, 2026-11-28T23:59:30Z .. 2026-11-28T23:59:30Z, "
	          "open again: acknowledged 2026-11-28T23:59:40Z by cli (root), expired "
	          "2026-11-28T23:59:55Z\n      asked\\x0aFAKE: all clear\n      note: lab box"
	          "\\x1b[2J, fine\n") != NULL,
	   "an expired ack: open again, who, when it expired, the note escaped");
	is_int(count(txt, "  unexpected-domain\n"), 1, "one heading per kind");
	ok(strstr(txt, "\nVerdict: 3 FINDINGS (2 unacknowledged), and the record has blind spots "
	          "(not-running, loss, silent): see Coverage.\n") != NULL,
	   "verdict counts the open ones, and names the blind spots");
	out_close(&o);

	/* nothing at all */
	out_open(&o);
	report_text_sink(&t, o.f, &s);
	h = head(0, 0, 0);
	s.head(s.arg, &h);
	s.part(s.arg, RP_COVERAGE);
	s.sensor(s.arg, &nflog);
	s.part(s.arg, RP_DESTS);
	s.part(s.arg, RP_NAMES);
	s.part(s.arg, RP_FINDINGS);
	s.part(s.arg, RP_END);
	e = (struct report_end){ .verdict = REPORT_CLEAN };
	s.end(s.arg, &e);
	txt = out_text(&o);
	ok(strstr(txt, "Watch:  not started (no events yet)\n") != NULL, "not started");
	is_int(count(txt, "  (none)\n"), 4, "each empty list says none (both destinations)");
	ok(strstr(txt, "!!") == NULL && strstr(txt, "lost:") == NULL &&
	   strstr(txt, "Not VM:") == NULL,
	   "no banners without a blind spot, a loss or other sources");
	ok(strstr(txt, "\nChain:  no batch yet\n") != NULL, "no chain yet");
	ok(strstr(txt, "\nVerdict: CLEAN: no finding, every configured sensor saw the whole "
	          "window, and nothing was lost.\n") != NULL, "clean verdict");
	out_close(&o);

	/* only other destinations; a finished watch; losses without findings */
	out_open(&o);
	report_text_sink(&t, o.f, &s);
	h = head(0, 2, T0 - 9 * DAY_US);
	s.head(s.arg, &h);
	s.part(s.arg, RP_DESTS);
	s.dest(s.arg, &d2);
	s.part(s.arg, RP_NAMES);
	s.part(s.arg, RP_FINDINGS);
	s.part(s.arg, RP_END);
	e = (struct report_end){ .verdict = REPORT_INCOMPLETE, .blind_spots = 1,
	                         .reasons = "loss" };
	s.end(s.arg, &e);
	txt = out_text(&o);
	ok(strstr(txt, "the 7-day watch is over (day 9), monitoring goes on\n") != NULL,
	   "a watch that ended");
	ok(strstr(txt, "\nExpected destinations\n  (none)\n\nOther destinations") != NULL,
	   "no expected destination: none, then the others");
	ok(strstr(txt, "\nVerdict: INCOMPLETE: no finding, but the record has blind spots "
	          "(loss), and events were lost: see Coverage.\n") != NULL, "loss verdict");
	out_close(&o);

	/* capture watched: the bytes each way, in units; none is 0 B, not unknown */
	out_open(&o);
	report_text_sink(&t, o.f, &s);
	h = head(0, 2, T0 - DAY_US);
	s.head(s.arg, &h);
	s.part(s.arg, RP_COVERAGE);
	cap.configured = cap.up = true;
	cap.last_event_us = T0 - US_PER_SEC;
	s.sensor(s.arg, &cap);
	s.part(s.arg, RP_DESTS);
	d1.bytes_up = 1234567;
	d1.bytes_down = 50 * 1024 * 1024;
	s.dest(s.arg, &d1);
	s.dest(s.arg, &d2);
	s.part(s.arg, RP_END);
	txt = out_text(&o);
	ok(strstr(txt, "  capture   up at the window's end; last event 2026-11-28T23:59:59Z\n") &&
	   strstr(txt, "not watched") == NULL, "capture on: no word of SNI and bytes unwatched");
	ok(strstr(txt, "\n        900     1.2 MiB    50.0 MiB  2026-11-28T00:00:00Z") != NULL,
	   "bytes up and down in units");
	ok(strstr(txt, "\n          2         0 B         0 B  2026-11-28T23:59:10Z") != NULL,
	   "a destination without bytes: 0 B");
	out_close(&o);
}

static void
test_csv(void)
{
	struct report_csv c;
	struct report_sink s;
	struct report_finding f1 = { "direct-ip", NULL, "198.51.100.9", "tcp", "no answer", 443,
	                             2, T0, T0 + US_PER_SEC, 0, false, false, 0, 0, NULL, NULL };
	struct report_finding f2 = { "unexpected-domain", "=cmd|' /C calc'!A0", NULL, NULL,
	                             "say \"hi\"\r\n", -1, 1, T0, T0, 0, false, false, 0, 0, NULL, NULL };
	struct out o;

	out_open(&o);
	report_csv_sink(&c, o.f, &s);
	ok(!s.head && !s.dest && !s.name && !s.loss && !s.sensor && !s.blind && s.finding,
	   "CSV asks only for findings");
	s.part(s.arg, RP_FINDINGS);
	s.finding(s.arg, &f1);
	s.finding(s.arg, &f2);
	s.part(s.arg, RP_END);
	is_str(out_text(&o),
	       "kind,domain,ip,port,proto,count,first_seen,last_seen,detail,severity\r\n"
	       "\"direct-ip\",\"\",\"198.51.100.9\",\"443\",\"tcp\",\"2\",\"2026-11-29T00:00:00Z\","
	       "\"2026-11-29T00:00:01Z\",\"no answer\",\"medium\"\r\n"
	       "\"unexpected-domain\",\"'=cmd|' /C calc'!A0\",\"\",\"\",\"\",\"1\","
	       "\"2026-11-29T00:00:00Z\",\"2026-11-29T00:00:00Z\",\"say \"\"hi\"\"\\x0d\\x0a\","
	       "\"low\"\r\n",
	       "header, one quoted line per finding, formula and quotes defused");
	out_close(&o);
}

static void
test_json(void)
{
	struct report_json j;
	struct report_sink s;
	struct report_head h = head(1, 0, T0 - DAY_US);
	struct report_dest d = { NULL, "198.51.100.9", 0, 1, 3, false, T0, T0, 700, 5000, 7 };
	struct report_finding f = { "unexpected-domain", "a\"b\x01.example", NULL, NULL, "d", -1,
	                            1, T0, T0, 0, false, false, 0, 0, NULL, NULL };
	struct report_sensor nflog = { "nflog", true, false, T0 };
	struct report_sensor cap = { "capture", false, false, 0 };
	struct report_blind b = { "nflog", T0 - DAY_US, T0, "rule-missing", "no \"rule\"", 0 };
	struct report_end e = { .verdict = REPORT_FINDINGS, .blind_spots = 2, .chain_batch = 7,
	                        .chain_committed_us = T0, .chain_head = "00ff" };
	sqlite3 *db;
	struct out o;

	sqlite3_open(":memory:", &db);
	out_open(&o);
	is_int(report_json_sink(&j, db, o.f, &s), 0, "JSON encoders prepare");
	ok(!s.loss && s.sensor && s.blind && s.end, "JSON: no losses list; coverage and the end");
	s.head(s.arg, &h);
	s.part(s.arg, RP_COVERAGE);
	s.sensor(s.arg, &nflog);
	s.blind(s.arg, &b);
	s.blind(s.arg, &b);
	s.sensor(s.arg, &cap);
	s.part(s.arg, RP_DESTS);
	s.dest(s.arg, &d);
	s.dest(s.arg, &d);
	s.part(s.arg, RP_NAMES);
	s.part(s.arg, RP_FINDINGS);
	s.finding(s.arg, &f);
	s.part(s.arg, RP_END);
	s.end(s.arg, &e);
	is_str(out_text(&o),
	       "{\"since\":\"2026-11-22T00:00:00Z\",\"until\":\"2026-11-29T00:00:00Z\","
	       "\"watch\":{\"start\":\"2026-11-28T00:00:00Z\",\"days\":7,\"day\":1},"
	       "\"totals\":{\"connections\":1234,\"dns_queries\":56,\"findings\":1,"
	       "\"events_lost\":0},\"other_sources\":{\"connections\":0,\"dns_queries\":0},"
	       "\"disk\":{\"warnings\":0,\"last\":null},"
	       "\"coverage\":{\"nflog\":{\"configured\":true,\"up\":false,"
	       "\"last_event\":\"2026-11-29T00:00:00Z\",\"gaps\":[{\"from\":\"2026-11-28T00:00:00Z\","
	       "\"to\":\"2026-11-29T00:00:00Z\",\"reason\":\"rule-missing\",\"detail\":\"no \\\"rule\\\"\","
	       "\"lost\":0},{\"from\":\"2026-11-28T00:00:00Z\",\"to\":\"2026-11-29T00:00:00Z\","
	       "\"reason\":\"rule-missing\",\"detail\":\"no \\\"rule\\\"\",\"lost\":0}]},"
	       "\"capture\":{\"configured\":false,\"up\":false,\"last_event\":null,\"gaps\":[]}},"
	       "\"destinations\":[{\"domain\":null,\"ip\":\"198.51.100.9\","
	       "\"port\":0,\"proto\":\"icmp\",\"connections\":3,\"expected\":false,"
	       "\"first_seen\":\"2026-11-29T00:00:00Z\",\"last_seen\":\"2026-11-29T00:00:00Z\","
	       "\"bytes_up\":700,\"bytes_down\":5000},"
	       "{\"domain\":null,\"ip\":\"198.51.100.9\",\"port\":0,\"proto\":\"icmp\","
	       "\"connections\":3,\"expected\":false,\"first_seen\":\"2026-11-29T00:00:00Z\","
	       "\"last_seen\":\"2026-11-29T00:00:00Z\",\"bytes_up\":700,\"bytes_down\":5000}],"
	       "\"destinations_total\":{\"expected\":0,\"other\":7},\"dns\":[],\"findings\":[{\"kind\":"
	       "\"unexpected-domain\",\"severity\":\"low\",\"domain\":\"a\\\"b\\u0001.example\",\"ip\":null,"
	       "\"port\":null,\"proto\":null,\"count\":1,\"first_seen\":\"2026-11-29T00:00:00Z\","
	       "\"last_seen\":\"2026-11-29T00:00:00Z\",\"detail\":\"d\",\"acked\":false}],\"verdict\":\"FINDINGS\","
	       "\"blind_spots\":2,\"chain\":{\"batch\":7,\"head\":\"00ff\","
	       "\"committed\":\"2026-11-29T00:00:00Z\"}}",
	       "the document: lists in order, SQLite's escaping, nulls");
	report_json_done(&j);
	out_close(&o);
	sqlite3_close(db);
}

/* A registered domain's many names, folded (rows.c): how many, and the first few. */
static void
test_folded_names(void)
{
	struct report_text t;
	struct report_json j;
	struct report_sink s;
	struct report_name n = { "*.tunnel.example", 9000, false, T0 - DAY_US, T0, 4211,
	                         "[\"a1.tunnel.example\",\"b\\u001b.tunnel.example\"]",
	                         "a1.tunnel.example, b\x1b.tunnel.example" };
	sqlite3 *db;
	struct out o;

	out_open(&o);
	report_text_sink(&t, o.f, &s);
	s.part(s.arg, RP_NAMES);
	s.name(s.arg, &n);
	ok(strstr(out_text(&o), "  *.tunnel.example (4211 names, e.g. a1.tunnel.example, "
	          "b\\x1b.tunnel.example)   <- not expected\n") != NULL,
	   "text: a folded domain with its count and examples, escaped");
	out_close(&o);

	sqlite3_open(":memory:", &db);
	out_open(&o);
	report_json_sink(&j, db, o.f, &s);
	s.part(s.arg, RP_NAMES);
	s.name(s.arg, &n);
	n = (struct report_name){ "x.example", 3, true, T0, T0, 1, NULL, NULL };
	s.name(s.arg, &n);
	ok(strstr(out_text(&o), "\"name\":\"*.tunnel.example\",\"queries\":9000,"
	          "\"expected\":false,\"first_seen\":\"2026-11-28T00:00:00Z\",\"last_seen\":"
	          "\"2026-11-29T00:00:00Z\",\"names\":4211,\"examples\":[\"a1.tunnel.example\","
	          "\"b\\u001b.tunnel.example\"]}") != NULL, "JSON: names and examples");
	ok(strstr(out_text(&o), "]},{\"name\":\"x.example\","
	          "\"queries\":3,\"expected\":true,\"first_seen\":\"2026-11-29T00:00:00Z\","
	          "\"last_seen\":\"2026-11-29T00:00:00Z\"}") != NULL,
	   "JSON: a name alone as before");
	report_json_done(&j);
	out_close(&o);
	sqlite3_close(db);
}

int
main(void)
{
	test_folded_names();
	test_text();
	test_csv();
	test_json();
	return done_testing();
}
