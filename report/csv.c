/* The CSV report: one line per finding, every field quoted and escaped for a
 * spreadsheet (escape_csv): names and details came from the VM. */
#include "config.h"

#include <stdio.h>

#include "common/escape.h"
#include "common/findkind.h"
#include "common/timefmt.h"
#include "writers.h"

static int
part(void *arg, enum report_part p)
{
	struct report_csv *c = arg;

	if (p == RP_FINDINGS)
		fprintf(c->out, "kind,domain,ip,port,proto,count,first_seen,last_seen,detail,"
		        "severity\r\n");
	return ferror(c->out) ? -1 : 0;
}

static int
finding(void *arg, const struct report_finding *f)
{
	struct report_csv *c = arg;
	char port[16] = "", count[24], first[TIMEFMT_ISOLEN], last[TIMEFMT_ISOLEN], e[2600];
	const char *field[10];

	if (f->port >= 0)
		snprintf(port, sizeof(port), "%d", f->port);
	snprintf(count, sizeof(count), "%lld", (long long)f->count);
	field[0] = f->kind;
	field[1] = f->domain ? f->domain : "";
	field[2] = f->ip ? f->ip : "";
	field[3] = port;
	field[4] = f->proto ? f->proto : "";
	field[5] = count;
	field[6] = timefmt_iso(f->first_us, first, sizeof(first));
	field[7] = timefmt_iso(f->last_us, last, sizeof(last));
	field[8] = f->detail;
	field[9] = findkind_severity_name(findkind_severity(findkind_from_name(f->kind)));
	for (int i = 0; i < 10; i++)
		fprintf(c->out, "%s%s", i ? "," : "", escape_csv(field[i], e, sizeof(e)));
	fprintf(c->out, "\r\n");
	return ferror(c->out) ? -1 : 0;
}

void
report_csv_sink(struct report_csv *c, FILE *out, struct report_sink *s)
{
	*c = (struct report_csv){ .out = out };
	*s = (struct report_sink){ .arg = c, .part = part, .finding = finding };
}
