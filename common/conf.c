/* Loading the configuration over its key table (confkeys.h): every default first, then
 * the file, then --set overrides; each value goes through the same validator, so a
 * default that did not validate would show up in the unit tests. Then the checks across
 * keys (check-config), and what a reload compares and copies. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "conf.h"
#include "confkeys.h"
#include "rules.h"
#include "timefmt.h"
#include "units.h"

/* The largest rules file read: far more than RULES_MAX rules of any sensible length. */
#define RULES_FILE_MAX (4 << 20)


static void add_msg(char ***list, int *n, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Append one formatted problem to *list (*n of them). */
static void
add_msg(char ***list, int *n, const char *fmt, va_list ap)
{
	char buf[1024];
	char **e;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	e = realloc(*list, sizeof(*e) * (size_t)(*n + 1));
	if (!e || !(e[*n] = strdup(buf)))
		abort();
	*list = e;
	(*n)++;
}

static void add_error(struct conf *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_error(struct conf *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(&c->errors, &c->n_errors, fmt, ap);
	va_end(ap);
}

static const struct conf_key *
find_key(const char *section, const char *name)
{
	for (const struct conf_key *k = conf_key_table; k < conf_key_table + conf_key_count; k++)
		if (strcmp(k->section, section) == 0 && strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static bool
section_known(const char *section)
{
	for (const struct conf_key *k = conf_key_table; k < conf_key_table + conf_key_count; k++)
		if (strcmp(k->section, section) == 0)
			return true;
	return false;
}

static void add_warning(struct conf *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_warning(struct conf *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(&c->warnings, &c->n_warnings, fmt, ap);
	va_end(ap);
}

static bool
given(const struct conf *c, const char *section, const char *name)
{
	const struct conf_key *k = find_key(section, name);

	return k && c->given[k - conf_key_table];
}

struct file_errors { struct conf *c; const char *path; };

static void
rules_file_error(void *ctx, int line, const char *text, const char *why)
{
	struct file_errors *fe = ctx;

	add_error(fe->c, "%s:%d: rule '%s': %s", fe->path, line, text, why);
}

/* Read the rules file into *text (malloc'ed, *len bytes). A file that does not exist is
 * no rules and a warning: "expect this" on the dashboard creates it. Returns 0, or -1
 * with an error added. */
static int
read_rules_file(struct conf *c, char **text, size_t *len)
{
	FILE *f;
	char *buf;
	size_t n;

	*text = NULL;
	*len = 0;
	if (!(f = fopen(c->rules_file, "r"))) {
		if (errno == ENOENT) {
			add_warning(c, "policy.rules_file: %s does not exist (yet): no rules from it",
			            c->rules_file);
			return 0;
		}
		add_error(c, "policy.rules_file: cannot read %s: %s", c->rules_file,
		          strerror(errno));
		return -1;
	}
	if (!(buf = malloc(RULES_FILE_MAX + 1)))
		abort();
	n = fread(buf, 1, RULES_FILE_MAX + 1, f);
	if (ferror(f) || n > RULES_FILE_MAX) {
		add_error(c, "policy.rules_file: %s: %s", c->rules_file, ferror(f) ?
		          "read error" : "larger than 4 MiB");
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

/* The effective rules: expect; expected_domains x expected_ports when either is given,
 * or when neither expect nor rules_file is (so an old configuration means what it
 * meant, and a new one is not widened by defaults it never named); the rules file's
 * text if given; and the canaries. */
static void
build_rules(struct conf *c, const char *text, size_t len)
{
	struct rules *rs = c->expect ? rules_dup(c->expect) : rules_new();
	bool legacy = given(c, "policy", "expected_domains") ||
	              given(c, "policy", "expected_ports") ||
	              ((!c->expect || !c->expect->n) && !c->rules_file[0]);
	char err[300];

	if (!rs)
		abort();
	rs->n_canary = 0;
	for (int i = 0; legacy && i < c->n_expected_domains; i++) {
		struct rule r = { .n_ports = 0 };

		snprintf(r.name, sizeof(r.name), "%s", c->expected_domains[i]);
		for (int j = 0; j < c->n_expected_ports && j < RULE_MAX_PORTS; j++)
			r.ports[r.n_ports++] = c->expected_ports[j];
		if (rules_add(rs, &r, err, sizeof(err)) < 0)
			add_error(c, "policy.expected_domains: %s", err);
	}
	if (text) {
		struct file_errors fe = { c, c->rules_file };

		rules_parse_text(rs, text, len, rules_file_error, &fe);
	}
	if (c->canaries) {
		memcpy(rs->canary, c->canaries->canary, sizeof(rs->canary));
		rs->n_canary = c->canaries->n_canary;
	}
	rules_free(c->rules);
	c->rules = rs;
}

/* Check and store one value. Returns 0, or -1 with err filled. */
static int
apply(struct conf *c, const struct conf_key *k, const char *v, char *err, size_t errlen)
{
	char *dup;

	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "value longer than %zu bytes", k->size - 1);
			return -1;
		}
		strcpy((char *)c + k->off, v);
		break;
	case K_UINT: {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || errno || n < k->min || n > k->max) {
			snprintf(err, errlen, "'%s' is not a whole number from %u to %u", v,
			         k->min, k->max);
			return -1;
		}
		*(unsigned *)(void *)((char *)c + k->off) = (unsigned)n;
		break;
	}
	case K_FN:
		if (k->parse(c, v, err, errlen) < 0)
			return -1;
		break;
	}
	if (!(dup = strdup(v)))
		abort();
	free(c->raw[k - conf_key_table]);
	c->raw[k - conf_key_table] = dup;
	return 0;
}

struct conf *
conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));
	char err[512];

	if (!c)
		abort();
	for (const struct conf_key *k = conf_key_table; k < conf_key_table + conf_key_count; k++)
		if (apply(c, k, k->def, err, sizeof(err)) < 0)
			add_error(c, "default: %s.%s: %s", k->section, k->name, err);
	build_rules(c, NULL, 0);
	return c;
}

void
conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < conf_key_count; i++)
		free(c->raw[i]);
	for (int i = 0; i < c->n_errors; i++)
		free(c->errors[i]);
	free(c->errors);
	for (int i = 0; i < c->n_warnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	rules_free(c->rules);
	rules_free(c->expect);
	rules_free(c->canaries);
	free(c);
}

/* Where inih reads INI text from: a file, or the rest of a buffer; and the line it
 * was given last, for on_value. */
struct line_reader {
	FILE *f;
	const char *p;
	size_t left;
	struct conf *c;
	bool indented;              /* the line starts with a blank */
	char text[1024];            /* and reads this without blanks around it */
};

static int
on_value(void *user, const char *section, const char *name, const char *value)
{
	struct line_reader *r = user;
	struct conf *c = r->c;
	const struct conf_key *k = find_key(section, name);
	char err[512];

	/* inih takes an indented line after a key for more of its value, and hands it over
	 * as the whole value: "domains = a.com" then "  b.com" would silently mean b.com */
	if (r->indented && strcmp(value, r->text) == 0) {
		add_error(c, "%s:%d: %s.%s: an indented line continues the value: give it on "
		          "one line", c->cur_file, c->cur_line, section, name);
		return 1;
	}
	/* inih takes "key = ; note" for an empty value and the note for a comment, but
	 * "key =; note" for the value "; note": both are the empty value with a comment */
	if (*value == ';')
		value = "";
	if (!k) {
		if (!section_known(section))
			add_error(c, "%s:%d: [%s] is not a known section", c->cur_file,
			          c->cur_line, section);
		else
			add_error(c, "%s:%d: %s.%s: unknown key", c->cur_file, c->cur_line,
			          section, name);
		return 1;
	}
	if (apply(c, k, value, err, sizeof(err)) < 0)
		add_error(c, "%s:%d: %s.%s: %s", c->cur_file, c->cur_line, section, name, err);
	else
		c->given[k - conf_key_table] = true;
	return 1;
}

static int
next_char(struct line_reader *r)
{
	if (r->f)
		return getc(r->f);
	if (r->left == 0)
		return EOF;
	r->left--;
	return (unsigned char)*r->p++;
}

/* Note whether line is indented, and its text without the blanks around it. */
static void
remember(struct line_reader *r, const char *line)
{
	size_t n = strlen(line);

	r->indented = *line == ' ' || *line == '\t';
	while (*line && isspace((unsigned char)*line)) {
		line++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	if (n >= sizeof(r->text)) {
		r->indented = false;      /* not a line inih can hold: nothing to compare */
		n = 0;
	}
	memcpy(r->text, line, n);
	r->text[n] = '\0';
}

/* inih reads one line per call into its buffer of num bytes; counting the calls gives
 * the line number. A longer line would reach inih in pieces, the first a value cut
 * short and the rest read as lines of their own: it is reported here, read to its end,
 * and handed to inih as an empty comment. */
static char *
read_line(char *str, int num, void *stream)
{
	struct line_reader *r = stream;
	size_t n = 0, max = num > 1 ? (size_t)num - 1 : 0;
	int ch = EOF;

	while (n < max && (ch = next_char(r)) != EOF) {
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	str[n] = '\0';
	r->c->cur_line++;
	remember(r, str);
	if (n == max && ch != '\n' && (ch = next_char(r)) != EOF && ch != '\n') {
		while ((ch = next_char(r)) != EOF && ch != '\n')
			;
		add_error(r->c, "%s:%d: line longer than %zu bytes", r->c->cur_file,
		          r->c->cur_line, max);
		str[0] = ';';
		str[1] = '\0';
	}
	return str;
}

static int
load(struct conf *c, const char *name, struct line_reader *r)
{
	int before = c->n_errors, rc;

	c->cur_file = name;
	c->cur_line = 0;
	rc = ini_parse_stream(read_line, r, on_value, r);
	if (rc > 0)
		add_error(c, "%s:%d: syntax error (expected [section] or key = value)", name, rc);
	else if (rc < 0)
		add_error(c, "%s: cannot read", name);
	c->cur_file = NULL;
	build_rules(c, NULL, 0);
	return c->n_errors - before;
}

int
conf_load_file(struct conf *c, const char *path)
{
	struct line_reader r = { .c = c };
	int n;

	if (!(r.f = fopen(path, "r"))) {
		add_error(c, "%s: cannot open: %s", path, strerror(errno));
		return 1;
	}
	n = load(c, path, &r);
	fclose(r.f);
	return n;
}

int
conf_load_buffer(struct conf *c, const char *name, const char *text, size_t len)
{
	struct line_reader r = { .p = text, .left = len, .c = c };

	return load(c, name, &r);
}

int
conf_set(struct conf *c, const char *assignment)
{
	const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
	char section[64], name[64], err[512];
	const struct conf_key *k;

	if (!dot || !eq || dot > eq || dot - assignment >= (int)sizeof(section) ||
	    eq - dot - 1 >= (int)sizeof(name)) {
		add_error(c, "--set %s: expected section.key=value", assignment);
		return 1;
	}
	memcpy(section, assignment, (size_t)(dot - assignment));
	section[dot - assignment] = '\0';
	memcpy(name, dot + 1, (size_t)(eq - dot - 1));
	name[eq - dot - 1] = '\0';
	if (!(k = find_key(section, name))) {
		add_error(c, "--set %s: %s.%s: unknown key", assignment, section, name);
		return 1;
	}
	if (apply(c, k, eq + 1, err, sizeof(err)) < 0) {
		add_error(c, "--set %s: %s.%s: %s", assignment, section, name, err);
		return 1;
	}
	c->given[k - conf_key_table] = true;
	build_rules(c, NULL, 0);
	return 0;
}

static void
check_secret(struct conf *c, const char *key, const char *path)
{
	FILE *f;

	if (!*path)
		return;
	if (!(f = fopen(path, "r"))) {
		add_error(c, "%s: cannot read %s: %s", key, path, strerror(errno));
		return;
	}
	fclose(f);
}

/* Does vm_subnet list a prefix of this family? */
static bool
has_family(const struct conf *c, int family)
{
	for (int i = 0; i < c->n_vm_subnet; i++)
		if (c->vm_subnet[i].net.family == family)
			return true;
	return false;
}

int
conf_check(struct conf *c)
{
	int before = c->n_errors;
	const struct netaddr *w = &c->web_addr;
	bool loopback = w->family == 0 ||
	                (w->family == 4 && w->a[0] == 127) ||
	                (w->family == 6 && memcmp(w->a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);

	if (c->telegram_token_file[0] && !c->telegram_chat_id[0])
		add_error(c, "alerts.telegram_chat_id: required when alerts.telegram_token_file "
		          "is set");
	if (c->telegram_chat_id[0] && !c->telegram_token_file[0])
		add_error(c, "alerts.telegram_token_file: required when alerts.telegram_chat_id "
		          "is set");
	check_secret(c, "alerts.telegram_token_file", c->telegram_token_file);
	check_secret(c, "web.token_file", c->web_token_file);
	if (!loopback && !c->web_allow_remote)
		add_error(c, "web.listen: not a loopback address; set web.allow_remote = 1 to "
		          "mean it (and a web.token_file)");
	if (!loopback && !c->web_token_file[0])
		add_error(c, "web.token_file: required when web.listen is not on loopback");
	if (c->pcap_interface[0] && !conf_ifname_valid(c->pcap_interface))
		add_error(c, "collector.pcap_interface: '%s' is not an interface name (1 to 15 "
		          "bytes, no '/', ':' or white space)", c->pcap_interface);
	else if (strcmp(c->pcap_interface, "any") == 0)
		add_error(c, "collector.pcap_interface: name the VM's bridge (br-openclaw), not "
		          "'any': the capture sees every packet on it exactly once");
	if (c->upload_budget && !c->pcap_interface[0])
		add_warning(c, "policy.upload_budget: needs collector.pcap_interface (the capture "
		            "counts the bytes): no volume finding can be raised without it");
	if (c->enforce && !has_family(c, 6))
		add_warning(c, "enforce.mode: collector.vm_subnet lists no IPv6 prefix: the "
		            "VM's IPv6 connections would not be enforced, only logged (list its "
		            "IPv6 prefix, or keep IPv6 off on its bridge)");
	if (c->enforce && !c->dns_addr.family)
		add_error(c, "enforce.mode: enforce needs the resolver (dns.listen): only its "
		          "answers open the way");
	if (c->dns_addr.family && c->n_allow_from == 0)
		add_error(c, "dns.allow_from: needs at least one prefix when dns.listen is set");
	if (c->dns_addr.family && c->dnssec) {
		FILE *f = fopen(c->trust_anchor_file, "r");

		if (!f)
			add_error(c, "dns.trust_anchor_file: cannot read %s: %s (install Debian's "
			          "dns-root-data, name another file, or set dns.dnssec = no)",
			          c->trust_anchor_file, strerror(errno));
		else
			fclose(f);
	}
	if (c->rules_file[0]) {
		char *text;
		size_t len;

		if (read_rules_file(c, &text, &len) == 0) {
			build_rules(c, text, len);
			free(text);
		}
	}
	return c->n_errors - before;
}

bool
conf_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= 16 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]) ||
		    (unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
			return false;
	return true;
}

int
conf_error_count(const struct conf *c)
{
	return c->n_errors;
}

const char *
conf_error(const struct conf *c, int i)
{
	return i >= 0 && i < c->n_errors ? c->errors[i] : NULL;
}

int
conf_warning_count(const struct conf *c)
{
	return c->n_warnings;
}

const char *
conf_warning(const struct conf *c, int i)
{
	return i >= 0 && i < c->n_warnings ? c->warnings[i] : NULL;
}

void
conf_each_changed(const struct conf *a, const struct conf *b,
                  void (*fn)(void *ctx, const char *section, const char *name), void *ctx)
{
	for (size_t i = 0; i < conf_key_count; i++) {
		const char *x = a->raw[i] ? a->raw[i] : "", *y = b->raw[i] ? b->raw[i] : "";

		if (strcmp(x, y) != 0)
			fn(ctx, conf_key_table[i].section, conf_key_table[i].name);
	}
}

void
conf_copy_keys(struct conf *dst, const struct conf *src,
               bool (*pick)(void *ctx, const char *section, const char *name), void *ctx)
{
	char err[512];

	for (size_t i = 0; i < conf_key_count; i++) {
		const struct conf_key *k = &conf_key_table[i];

		if (pick(ctx, k->section, k->name) &&
		    apply(dst, k, src->raw[i] ? src->raw[i] : k->def, err, sizeof(err)) < 0)
			add_error(dst, "%s.%s: %s", k->section, k->name, err);
	}
}

void
conf_print(const struct conf *c, FILE *out)
{
	const char *section = "";

	for (size_t i = 0; i < conf_key_count; i++) {
		const struct conf_key *k = &conf_key_table[i];

		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		fprintf(out, "; %s\n%s = %s\n", k->help, k->name, c->raw[i] ? c->raw[i] : "");
	}
	fprintf(out, "\n; The effective rules, each name with the proto/ports it may be reached "
	        "on\n; (from expect, expected_domains x expected_ports and rules_file):\n");
	for (int i = 0; i < c->rules->n; i++) {
		char line[RULES_LINELEN];

		fprintf(out, ";   %s%s\n", rules_format(&c->rules->r[i], line, sizeof(line)),
		        c->rules->r[i].n_ports ? "" : "   (resolving it only)");
	}
	if (!c->rules->n)
		fprintf(out, ";   (none: every name is unexpected)\n");
	for (int i = 0; i < c->rules->n_canary; i++)
		fprintf(out, "%s;   %s\n", i ? "" : "; Canary names (any use is a finding):\n",
		        c->rules->canary[i]);
}
