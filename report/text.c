/* The text report, for people: totals, what was lost, what each sensor could not see
 * (its blind spots; the collector's own stops, the same for every sensor, are listed
 * once), the destinations (expected ones first, then the others, the first
 * REPORT_TEXT_MAX_DESTS of each, with their bytes each way when capture watched them),
 * the names (the first REPORT_TEXT_MAX_NAMES), the findings grouped by kind, the
 * chain's head and the verdict. Every string is escaped for a terminal: names and
 * details came from the VM. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "common/findkind.h"
#include "common/proto.h"
#include "common/timefmt.h"
#include "common/units.h"
#include "writers.h"

/* "domain (ip:port/proto)" or "ip:port/proto", escaped for a terminal; a name alone
 * when there is no address ("-"); port "" or "0" = none. */
static void
print_dest(FILE *out, const char *domain, const char *ip, const char *port, const char *proto)
{
	char e[1200];
	bool v6, has_port;

	if (*domain && (!*ip || strcmp(ip, "-") == 0)) {  /* a name-only finding */
		fputs(escape_term(domain, e, sizeof(e)), out);
		return;
	}
	if (*domain)
		fprintf(out, "%s ", escape_term(domain, e, sizeof(e)));
	v6 = strchr(ip, ':') != NULL;
	has_port = *port && strcmp(port, "0") != 0;
	if (!has_port && strcmp(proto, "-") == 0) {   /* folded: an address or a network */
		fprintf(out, "%s%s%s", *domain ? "(" : "", escape_term(ip, e, sizeof(e)),
		        *domain ? ")" : "");
		return;
	}
	fprintf(out, "%s%s%s%s", *domain ? "(" : "", v6 && has_port ? "[" : "",
	        escape_term(ip, e, sizeof(e)), v6 && has_port ? "]" : "");
	if (has_port)
		fprintf(out, ":%s", port);
	fprintf(out, "/%s%s", escape_term(proto, e, sizeof(e)), *domain ? ")" : "");
}

static int
done(const struct report_text *t)
{
	return ferror(t->out) ? -1 : 0;
}

static int
head(void *arg, const struct report_head *h)
{
	struct report_text *t = arg;
	char since[TIMEFMT_ISOLEN], until[TIMEFMT_ISOLEN], start[TIMEFMT_ISOLEN];
	long long day = h->watch.day, days = h->watch_days;

	t->lost = h->events_lost;
	fprintf(t->out, "oc-audit report  %s .. %s\n", timefmt_iso(h->since_us, since, sizeof(since)),
	        timefmt_iso(h->until_us, until, sizeof(until)));
	if (!h->watch.start_us)
		fprintf(t->out, "Watch:  not started (no events yet)\n");
	else if (h->watch.ended)
		fprintf(t->out, "Watch:  started %s; the %lld-day watch is over (day %lld), "
		        "monitoring goes on\n", timefmt_iso(h->watch.start_us, start, sizeof(start)),
		        days, day);
	else
		fprintf(t->out, "Watch:  started %s, day %lld of %lld\n",
		        timefmt_iso(h->watch.start_us, start, sizeof(start)), day, days);
	fprintf(t->out, "Totals: %lld connections, %lld DNS queries, %lld findings, %lld events "
	        "lost\n", (long long)h->connections, (long long)h->dns_queries,
	        (long long)h->findings, (long long)h->events_lost);
	if (h->other_connections || h->other_dns_queries)
		fprintf(t->out, "Not VM: %lld connections, %lld DNS queries from sources outside "
		        "vm_subnet (counted apart, not judged)\n", (long long)h->other_connections,
		        (long long)h->other_dns_queries);
	if (h->disk_warnings) {
		char e[sizeof(h->disk_last) * 4];

		fprintf(t->out, "Disk:   %lld warning%s (free space low or the WAL pinned), the last: "
		        "%s\n", (long long)h->disk_warnings, h->disk_warnings == 1 ? "" : "s",
		        escape_term(h->disk_last, e, sizeof(e)));
	}
	if (h->events_lost)
		fprintf(t->out, "\n  !! %lld events were lost: the record is incomplete. By "
		        "cause:\n", (long long)h->events_lost);
	return done(t);
}

static int
loss(void *arg, const char *source, int64_t count)
{
	struct report_text *t = arg;

	fprintf(t->out, "    %-18s %lld\n", source, (long long)count);
	return done(t);
}

static int
sensor(void *arg, const struct report_sensor *s)
{
	struct report_text *t = arg;
	char last[TIMEFMT_ISOLEN];

	t->sensors += s->configured;
	fprintf(t->out, "  %-8s  ", s->name);
	if (!s->configured) {
		/* what the reader must not take the destinations' "-" bytes for */
		fprintf(t->out, "not configured%s\n", strcmp(s->name, "capture") == 0 ?
		        ": SNI and bytes are not watched" : strcmp(s->name, "enforce") == 0 ?
		        ": audit mode, nothing is dropped" : "");
		return done(t);
	}
	if (strcmp(s->name, "capture") == 0)
		t->capture = true;
	fprintf(t->out, "%s at the window's end; last event %s\n",
	        s->up ? "up" : "BLIND", s->last_event_us ?
	        timefmt_iso(s->last_event_us, last, sizeof(last)) : "none");
	return done(t);
}

static int
blind(void *arg, const struct report_blind *b)
{
	struct report_text *t = arg;
	char from[TIMEFMT_ISOLEN], to[TIMEFMT_ISOLEN], e[1200], r[200];

	/* the collector's stops are every sensor's: told under the first one only */
	if (strcmp(b->reason, "not-running") == 0 && t->sensors > 1)
		return 0;
	fprintf(t->out, "    !! blind %s .. %s  %s%s: %s\n", timefmt_iso(b->from_us, from, sizeof(from)),
	        timefmt_iso(b->to_us, to, sizeof(to)), escape_term(b->reason, r, sizeof(r)),
	        strcmp(b->reason, "not-running") == 0 ? " (every sensor)" : "",
	        escape_term(b->detail, e, sizeof(e)));
	return done(t);
}

static int
end(void *arg, const struct report_end *e)
{
	struct report_text *t = arg;
	char at[TIMEFMT_ISOLEN], line[sizeof(e->reasons) + 160];

	if (e->chain_batch)
		fprintf(t->out, "\nChain:  batch %lld, committed %s, head %s\n        (keep it: "
		        "oc-audit verify --head HEAD shows the record up to it unchanged)\n",
		        (long long)e->chain_batch, timefmt_iso(e->chain_committed_us, at, sizeof(at)),
		        e->chain_head);
	else
		fprintf(t->out, "\nChain:  no batch yet\n");
	fprintf(t->out, "\nVerdict: %s\n", report_verdict_line(e->verdict, e->findings, e->open,
	        t->lost != 0, e->blind_spots, e->reasons, line, sizeof(line)));
	if (e->covered)
		fprintf(t->out, "         (%lld finding%s left out: the rules configured now expect "
		        "%s)\n", (long long)e->covered, e->covered == 1 ? "" : "s",
		        e->covered == 1 ? "it" : "them");
	return done(t);
}

static void
none_if_empty(struct report_text *t)
{
	if (t->n == 0)
		fprintf(t->out, "  (none)\n");
}

/* The line for what a list left out: its rows in the window past those given. */
static void
more_dests(struct report_text *t)
{
	if (t->listed > t->n)
		fprintf(t->out, "  ... and %lld more destinations (--format json lists %d of "
		        "each list; every connection: oc-audit export, or the dashboard)\n",
		        (long long)(t->listed - t->n), REPORT_MAX_DEST_ROWS);
	t->listed = 0;
}

static void
other_destinations(struct report_text *t)
{
	none_if_empty(t);
	more_dests(t);
	fprintf(t->out, "\nOther destinations (not expected: see findings)\n");
	t->other = true;
	t->n = 0;
}

/* Close the list in progress. */
static void
close_part(struct report_text *t)
{
	switch (t->part) {
	case RP_DESTS:
		if (!t->other)
			other_destinations(t);
		none_if_empty(t);
		more_dests(t);
		break;
	case RP_NAMES:
		none_if_empty(t);
		if (t->more)
			fprintf(t->out, "  ... and %d more names (all of them: --format json, or the "
			        "dashboard's DNS log)\n", t->more);
		break;
	case RP_FINDINGS:
		none_if_empty(t);
		break;
	default:
		break;
	}
}

static int
part(void *arg, enum report_part p)
{
	struct report_text *t = arg;

	close_part(t);
	t->part = p;
	t->n = 0;
	switch (p) {
	case RP_DESTS:
		fprintf(t->out, "\nExpected destinations\n");
		t->other = false;
		t->listed = 0;
		break;
	case RP_NAMES:
		fprintf(t->out, "\nNames the VM resolved\n");
		t->more = 0;
		break;
	case RP_COVERAGE:
		fprintf(t->out, "\nCoverage (a blind spot: a stretch a sensor could not see)\n");
		t->sensors = 0;
		t->capture = false;
		break;
	case RP_FINDINGS:
		fprintf(t->out, "\nFindings\n");
		t->kind[0] = '\0';
		break;
	default:
		break;
	}
	return done(t);
}

static int
dest(void *arg, const struct report_dest *d)
{
	struct report_text *t = arg;
	char first[TIMEFMT_ISOLEN], last[TIMEFMT_ISOLEN], port[16], pb[PROTO_NAMELEN];
	char up[UNITS_BYTESLEN], down[UNITS_BYTESLEN];
	bool bytes = t->capture || d->bytes_up || d->bytes_down;

	if (!d->expected && !t->other)
		other_destinations(t);
	t->listed = d->listed;
	if (t->n >= REPORT_TEXT_MAX_DESTS)   /* not asked for (max_dests): a guard */
		return 0;
	if (t->n++ == 0)
		fprintf(t->out, "  %9s  %10s  %10s  %-20s  %-20s  %s\n", "conns", "up", "down",
		        "first seen", "last seen", "destination");
	snprintf(port, sizeof(port), "%d", d->port);
	/* without capture the bytes are unknown, not none: "-" */
	fprintf(t->out, "  %9lld  %10s  %10s  %-20s  %-20s  ", (long long)d->connections,
	        bytes ? units_format_bytes((uint64_t)d->bytes_up, up, sizeof(up)) : "-",
	        bytes ? units_format_bytes((uint64_t)d->bytes_down, down, sizeof(down)) : "-",
	        timefmt_iso(d->first_us, first, sizeof(first)),
	        timefmt_iso(d->last_us, last, sizeof(last)));
	print_dest(t->out, d->domain ? d->domain : "", d->ip, port, proto_name(d->proto, pb));
	fputc('\n', t->out);
	return done(t);
}

static int
name(void *arg, const struct report_name *n)
{
	struct report_text *t = arg;
	char first[TIMEFMT_ISOLEN], last[TIMEFMT_ISOLEN], e[1200];

	if (t->n >= REPORT_TEXT_MAX_NAMES) {
		t->more++;
		return 0;
	}
	if (t->n++ == 0)
		fprintf(t->out, "  %9s  %-20s  %-20s  %s\n", "queries", "first seen", "last seen",
		        "name");
	fprintf(t->out, "  %9lld  %-20s  %-20s  %s", (long long)n->queries,
	        timefmt_iso(n->first_us, first, sizeof(first)),
	        timefmt_iso(n->last_us, last, sizeof(last)), escape_term(n->name, e, sizeof(e)));
	if (n->names > 1)     /* folded: a domain's many names, or the list's rest */
		fprintf(t->out, " (%lld names%s%s)", (long long)n->names,
		        n->examples_text ? ", e.g. " : "",
		        n->examples_text ? escape_term(n->examples_text, e, sizeof(e)) : "");
	fprintf(t->out, "%s\n", n->expected ? "" : "   <- not expected");
	return done(t);
}

static int
finding(void *arg, const struct report_finding *f)
{
	struct report_text *t = arg;
	char first[TIMEFMT_ISOLEN], last[TIMEFMT_ISOLEN], ack[TIMEFMT_ISOLEN], e[1200], port[16];
	int64_t given = f->ack_given_us ? f->ack_given_us : f->acked_us;

	if (strcmp(t->kind, f->kind) != 0) {
		snprintf(t->kind, sizeof(t->kind), "%s", f->kind);
		fprintf(t->out, "  %s%s\n", escape_term(t->kind, e, sizeof(e)),
		        findkind_severity(findkind_from_name(f->kind)) == FK_SEV_CRITICAL ?
		        "   <- CRITICAL: bait planted in the VM was used" : "");
	}
	fprintf(t->out, "    ");
	if (f->port >= 0)
		snprintf(port, sizeof(port), "%d", f->port);
	else
		port[0] = '\0';
	print_dest(t->out, f->domain ? f->domain : "", f->ip && *f->ip ? f->ip : "-", port,
	           f->proto && *f->proto ? f->proto : "-");
	fprintf(t->out, "\n      %lld time%s, %s .. %s", (long long)f->count,
	        f->count == 1 ? "" : "s", timefmt_iso(f->first_us, first, sizeof(first)),
	        timefmt_iso(f->last_us, last, sizeof(last)));
	if (f->blocked)
		fprintf(t->out, ", blocked (enforce mode)");
	if (given) {
		fprintf(t->out, ", %sacknowledged %s", f->acked_us ? "" : "open again: ",
		        timefmt_iso(given, ack, sizeof(ack)));
		if (f->ack_by)
			fprintf(t->out, " by %s", escape_term(f->ack_by, e, sizeof(e)));
		if (f->ack_until_us)
			fprintf(t->out, ", %s %s", f->acked_us ? "until" : "expired",
			        timefmt_iso(f->ack_until_us, ack, sizeof(ack)));
	}
	if (f->covered)
		fprintf(t->out, ", expected by the rules now (not in the verdict)");
	fprintf(t->out, "\n      %s\n", escape_term(f->detail, e, sizeof(e)));
	if (given && f->ack_note && *f->ack_note)
		fprintf(t->out, "      note: %s\n", escape_term(f->ack_note, e, sizeof(e)));
	t->n++;
	return done(t);
}

/* The suggested rules as a rules file (rules.h: one a line, '#' comments), ready to
 * review and append to [policy] rules_file. */
static int
suggest(void *arg, const struct suggest *sg)
{
	struct report_text *t = arg;
	char line[RULES_LINELEN], e[RULES_LINELEN * 4], w[SUGGEST_NOTELEN * 4];
	int n = suggest_rule_count(sg);

	fprintf(t->out, "\nSuggested policy (for review: nothing is applied; append what you "
	        "accept to [policy] rules_file, or to expect = as a comma-separated list)\n");
	if (!n && !suggest_note_count(sg))
		fprintf(t->out, "# (nothing to add: the rules configured expect every finding's "
		        "name)\n");
	for (int i = 0; i < n; i++) {
		const char *warn = suggest_rule_warning(sg, i);

		escape_term(suggest_rule_text(sg, i, line), e, sizeof(e));
		if (*warn)
			fprintf(t->out, "# WARNING: %s\n# %s\n", escape_term(warn, w, sizeof(w)), e);
		else
			fprintf(t->out, "%s\n", e);
	}
	for (int i = 0; i < suggest_note_count(sg); i++)
		fprintf(t->out, "# %s\n", escape_term(suggest_note(sg, i), w, sizeof(w)));
	return done(t);
}

void
report_text_sink(struct report_text *t, FILE *out, struct report_sink *s)
{
	*t = (struct report_text){ .out = out, .part = RP_LOSSES };
	*s = (struct report_sink){ .arg = t, .max_dests = REPORT_TEXT_MAX_DESTS, .head = head,
	                           .part = part, .loss = loss,
	                           .sensor = sensor, .blind = blind, .dest = dest, .name = name,
	                           .finding = finding, .suggest = suggest, .end = end };
}
