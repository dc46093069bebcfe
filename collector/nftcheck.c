/* The ruleset check. Each rule of a forward-hook chain is read as a list of statements
 * (SQLite json_each over its "expr"), classified one by one: the log statement's group,
 * and each match as a source, an input interface, a ct state, or something else that
 * narrows it. A rule "covers" the VM when it logs to NFLOG, every match is one of the
 * first three, a source match overlaps vm_subnet, and a ct state match includes new.
 * What a rule before it does (an accept or a drop that hides the VM's packets from the
 * log rule) is not judged here. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nftcheck.h"

/* Forward-hook chains' rules: family, table, chain, expr (JSON text). */
static const char rules_sql[] =
	"SELECT r.value->>'$.rule.family', r.value->>'$.rule.table', "
	"       r.value->>'$.rule.chain', r.value->'$.rule.expr' "
	"FROM json_each(?1, '$.nftables') r "
	"WHERE r.value->'$.rule' IS NOT NULL AND EXISTS (SELECT 1 "
	"  FROM json_each(?1, '$.nftables') c WHERE c.value->>'$.chain.hook' = 'forward' "
	"  AND c.value->>'$.chain.family' = r.value->>'$.rule.family' "
	"  AND c.value->>'$.chain.table' = r.value->>'$.rule.table' "
	"  AND c.value->>'$.chain.name' = r.value->>'$.rule.chain') "
	"ORDER BY r.key";

/* One rule's statements: what it is, the log group, the match's op, payload protocol and
 * field, meta key, ct key, the right side as text (a string) and whether "new" is in it. */
static const char expr_sql[] =
	"SELECT (SELECT key FROM json_each(e.value) LIMIT 1), e.value->>'$.log.group', "
	"       e.value->>'$.match.op', e.value->>'$.match.left.payload.protocol', "
	"       e.value->>'$.match.left.payload.field', e.value->>'$.match.left.meta.key', "
	"       e.value->>'$.match.left.ct.key', "
	"       CASE json_type(e.value, '$.match.right') WHEN 'text' "
	"         THEN e.value->>'$.match.right' "
	"         WHEN 'object' THEN coalesce(e.value->>'$.match.right.prefix.addr' || '/' || "
	"           (e.value->>'$.match.right.prefix.len'), '') END, "
	"       e.value->>'$.match.right' = 'new' OR EXISTS (SELECT 1 FROM "
	"         json_each(e.value, '$.match.right.set') s WHERE s.value = 'new') "
	"FROM json_each(?1) e ORDER BY e.key";

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* Does the address or prefix text overlap one of vm? A set of addresses is not read
 * (judged as "narrows"). */
static bool
overlaps_vm(const char *text, const struct cidr *vm, int n_vm)
{
	struct cidr c;
	char err[128];

	if (cidr_parse(text, &c, err, sizeof(err)) < 0)
		return false;
	for (int i = 0; i < n_vm; i++)
		if (vm[i].net.family == c.net.family &&
		    (cidr_contains(&vm[i], &c.net) || cidr_contains(&c, &vm[i].net)))
			return true;
	return false;
}

struct rule_view {
	long group;            /* -1: no NFLOG log statement */
	bool narrows;          /* a match other than source, interface or ct state */
	bool source_ok;        /* no source match, or one that overlaps the VM */
	bool new_ok;           /* no ct state match, or one that includes new */
	char what[160];        /* the matches in nft's words, for the detail */
};

static void
append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s%s", n ? " " : "", s);
}

static int
view_rule(sqlite3 *mem, const char *expr, const struct cidr *vm, int n_vm,
          struct rule_view *v)
{
	sqlite3_stmt *st;
	int rc;

	memset(v, 0, sizeof(*v));
	v->group = -1;
	v->source_ok = v->new_ok = true;
	if (sqlite3_prepare_v2(mem, expr_sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = col(st, 0), *op = col(st, 2), *proto = col(st, 3);
		const char *field = col(st, 4), *meta = col(st, 5), *ct = col(st, 6);
		const char *right = col(st, 7);
		bool positive = strcmp(op, "==") == 0 || strcmp(op, "in") == 0;
		char piece[96];

		if (strcmp(kind, "log") == 0) {
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				v->group = sqlite3_column_int64(st, 1);
			continue;
		}
		if (strcmp(kind, "match") != 0)
			continue;   /* counter, accept, ...: nothing to match */
		if (positive && strcmp(field, "saddr") == 0 &&
		    (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0)) {
			if (!overlaps_vm(right, vm, n_vm))
				v->source_ok = false;
			snprintf(piece, sizeof(piece), "%s saddr %s", proto, *right ? right : "{...}");
		} else if (positive && (strcmp(meta, "iifname") == 0 || strcmp(meta, "iif") == 0)) {
			snprintf(piece, sizeof(piece), "%s %s", meta, *right ? right : "{...}");
		} else if (strcmp(ct, "state") == 0) {
			if (!positive || !sqlite3_column_int(st, 8))
				v->new_ok = false;
			snprintf(piece, sizeof(piece), "ct state %s%s", positive ? "" : "!= ",
			         *right ? right : "{...}");
		} else {
			v->narrows = true;
			if (*proto || *field)
				snprintf(piece, sizeof(piece), "%s %s", proto, field);
			else if (*meta)
				snprintf(piece, sizeof(piece), "meta %s", meta);
			else if (*ct)
				snprintf(piece, sizeof(piece), "ct %s", ct);
			else
				snprintf(piece, sizeof(piece), "(another match)");
		}
		append(v->what, sizeof(v->what), piece);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

const char *
nftcheck_verdict_name(enum nftcheck_verdict v)
{
	switch (v) {
	case NFTCHECK_OK: return "ok";
	case NFTCHECK_MISSING: return "missing";
	case NFTCHECK_WRONG_GROUP: return "wrong-group";
	case NFTCHECK_ERROR: break;
	}
	return "error";
}

enum nftcheck_verdict
nftcheck_ruleset(sqlite3 *mem, const char *json, unsigned group, const struct cidr *vm,
                 int n_vm, struct nftcheck_result *out)
{
	sqlite3_stmt *st;
	char other[NFTCHECK_DETAIL] = "", partial[NFTCHECK_DETAIL] = "";
	int rc;

	memset(out, 0, sizeof(*out));
	out->verdict = NFTCHECK_ERROR;
	if (!json ||
	    sqlite3_prepare_v2(mem, rules_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out->detail, sizeof(out->detail), "cannot read the ruleset");
		return out->verdict;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rule_view v;
		char where[128];

		out->rules++;
		snprintf(where, sizeof(where), "%s %s %s", col(st, 0), col(st, 1), col(st, 2));
		if (view_rule(mem, col(st, 3), vm, n_vm, &v) < 0 || v.group < 0 ||
		    !v.source_ok || !v.new_ok)
			continue;
		if (v.narrows) {
			if (!*partial)
				snprintf(partial, sizeof(partial), "%.64s: '%.96s log group %ld' logs only "
				         "part of the VM's new connections", where, v.what, v.group);
			continue;
		}
		if (v.group != (long)group) {
			if (!*other)
				snprintf(other, sizeof(other), "%.56s: '%.64s log group %ld' logs the VM's "
				         "new connections to NFLOG group %ld, not %u", where, v.what,
				         v.group % 100000, v.group % 100000, group % 100000);
			continue;
		}
		out->verdict = NFTCHECK_OK;
		snprintf(out->detail, sizeof(out->detail), "%.64s: '%.96s%slog group %ld'%s", where,
		         v.what, *v.what ? " " : "", v.group,
		         strcmp(col(st, 0), "ip") == 0 || strstr(v.what, "ip saddr") ?
		         " (IPv4 only)" : strcmp(col(st, 0), "ip6") == 0 ||
		         strstr(v.what, "ip6 saddr") ? " (IPv6 only)" : "");
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(out->detail, sizeof(out->detail), "cannot read the ruleset: %s",
		         sqlite3_errmsg(mem));
		sqlite3_finalize(st);
		return out->verdict;
	}
	sqlite3_finalize(st);
	if (out->verdict == NFTCHECK_OK)
		return out->verdict;
	if (*other) {
		out->verdict = NFTCHECK_WRONG_GROUP;
		snprintf(out->detail, sizeof(out->detail), "%s", other);
	} else {
		out->verdict = NFTCHECK_MISSING;
		if (*partial)
			snprintf(out->detail, sizeof(out->detail), "%s", partial);
		else
			snprintf(out->detail, sizeof(out->detail), "no rule in a forward-hook chain "
			         "logs the VM's new connections to NFLOG group %u (%u rule%s in "
			         "forward-hook chains)", group, out->rules, out->rules == 1 ? "" : "s");
	}
	return out->verdict;
}

/* Each piece enforce mode needs, in table inet ?2 of ruleset ?1: 1 when it is there. */
static const char enforce_sql[] =
	"WITH o AS (SELECT value AS v FROM json_each(?1, '$.nftables')) SELECT "
	" EXISTS (SELECT 1 FROM o WHERE v->>'$.table.family' = 'inet' AND v->>'$.table.name' = ?2),"
	" EXISTS (SELECT 1 FROM o WHERE v->>'$.set.family' = 'inet' AND v->>'$.set.table' = ?2"
	"   AND v->>'$.set.name' = 'allow4'),"
	" EXISTS (SELECT 1 FROM o WHERE v->>'$.set.family' = 'inet' AND v->>'$.set.table' = ?2"
	"   AND v->>'$.set.name' = 'allow6'),"
	" EXISTS (SELECT 1 FROM o WHERE v->>'$.chain.family' = 'inet' AND v->>'$.chain.table' = ?2"
	"   AND v->>'$.chain.hook' = 'forward'),"
	" EXISTS (SELECT 1 FROM o, json_each(o.v, '$.rule.expr') e WHERE"
	"   v->>'$.rule.family' = 'inet' AND v->>'$.rule.table' = ?2"
	"   AND json_type(e.value, '$.drop') IS NOT NULL)";

enum nftcheck_verdict
nftcheck_enforce(sqlite3 *mem, const char *json, const char *table,
                 struct nftcheck_result *out)
{
	static const char *const missing[] = {
		"no table", "no set allow4 in table", "no set allow6 in table",
		"no chain with hook forward in table", "no drop rule in table",
	};
	sqlite3_stmt *st = NULL;
	int i;

	memset(out, 0, sizeof(*out));
	out->verdict = NFTCHECK_ERROR;
	if (!json || sqlite3_prepare_v2(mem, enforce_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out->detail, sizeof(out->detail), "the ruleset cannot be read");
		return out->verdict;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(out->detail, sizeof(out->detail), "the ruleset cannot be read: %s",
		         sqlite3_errmsg(mem));
		sqlite3_finalize(st);
		return out->verdict;
	}
	for (i = 0; i < 5 && sqlite3_column_int(st, i); i++)
		;
	sqlite3_finalize(st);
	if (i == 5) {
		out->verdict = NFTCHECK_OK;
		snprintf(out->detail, sizeof(out->detail), "table inet %s: sets allow4 and allow6, a "
		         "forward chain and its drop rule", table);
	} else {
		out->verdict = NFTCHECK_MISSING;
		snprintf(out->detail, sizeof(out->detail), "%s inet %s", missing[i], table);
	}
	return out->verdict;
}
