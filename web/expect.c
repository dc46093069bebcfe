/* "Expect this": a finding's page shows the rule that would have made it expected (the
 * syntax of [policy] expect, computed here from the stored finding, never taken from the
 * request), and after the operator confirms it on the page, a POST appends it to
 * [policy] rules_file. The collector's main thread rereads that file when it changes
 * (collector/collect.c), so a later identical connection is judged expected.
 *
 * Who writes: the web thread of the collector process, after it dropped its privileges
 * ([collector] user) and under its seccomp filter: the rules file must be writable by
 * that user (keep it in the collector's state directory). It is created 0600 (the umask
 * can only narrow that), never followed through a symlink, and each rule is one write(2)
 * with O_APPEND: another appender cannot interleave, and a reader sees the whole line or
 * none of it. A file whose last line lacks its newline gets one first.
 *
 * The policy the dashboard judges with (struct web_rules, webint.h) lives here too: the
 * daemon publishes each configuration it loads (web_set_rules), and an append publishes
 * the policy now plus the new rule at once, so the banner and /api/report take it from
 * the next request, not from the daemon's next look at the file; the daemon's reread
 * that follows publishes the same rules from the file. A request holds the policy it
 * started with to its end, so a swap never frees a set in use. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ack.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "htmlint.h"
#include "web.h"
#include "webapi.h"
#include "webint.h"

/* two expect-this at once: the newline check, the append and the publication of the
 * policy with the rule stay together */
static pthread_mutex_t append_mu = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------------ the policy */

struct web_rules *
web_rules_new(struct rules *rs, const char *file)
{
	struct web_rules *wr;

	if (!rs || !(wr = calloc(1, sizeof(*wr)))) {
		rules_free(rs);
		return NULL;
	}
	atomic_init(&wr->refs, 1);
	wr->rs = rs;
	snprintf(wr->file, sizeof(wr->file), "%s", file ? file : "");
	return wr;
}

struct web_rules *
web_rules_hold(struct web *w)
{
	struct web_rules *wr;

	pthread_mutex_lock(&w->rules_mu);
	wr = w->rules;
	atomic_fetch_add(&wr->refs, 1);
	pthread_mutex_unlock(&w->rules_mu);
	return wr;
}

void
web_rules_put(struct web_rules *wr)
{
	if (!wr || atomic_fetch_sub(&wr->refs, 1) != 1)
		return;
	rules_free(wr->rs);
	free(wr);
}

void
web_rules_swap(struct web *w, struct web_rules *wr)
{
	struct web_rules *old;

	pthread_mutex_lock(&w->rules_mu);
	old = w->rules;
	w->rules = wr;
	pthread_mutex_unlock(&w->rules_mu);
	web_rules_put(old);
}

int
web_set_rules(struct web *w, const struct conf *c)
{
	struct web_rules *wr;

	if (!w)
		return 0;
	if (!(wr = web_rules_new(rules_dup(c->rules), c->rules_file)))
		return -1;
	web_rules_swap(w, wr);
	return 0;
}

/* The policy now with rl added, published. Called with append_mu held, after rl went to
 * the file the policy names: what the daemon rereads from it holds rl too. Returns 0, or
 * -1 (out of memory, or the set is full) with the policy unchanged: the daemon's reread
 * brings the rule. */
static int
publish_with(struct web *w, struct web_rules *cur, const struct rule *rl)
{
	struct web_rules *wr = web_rules_new(rules_dup(cur->rs), cur->file);
	char err[128];

	if (!wr)
		return -1;
	if (rules_add(wr->rs, rl, err, sizeof(err)) < 0) {
		web_rules_put(wr);
		return -1;
	}
	/* a reload published newer rules meanwhile: keep them, not cur plus rl (the file
	 * changed with the append, so the daemon's next reread brings rl) */
	pthread_mutex_lock(&w->rules_mu);
	if (w->rules == cur) {
		w->rules = wr;
		wr = cur;   /* the server's reference, let go below */
	}
	pthread_mutex_unlock(&w->rules_mu);
	web_rules_put(wr);
	return 0;
}

/* ------------------------------------------------------------------ expect this */

/* The rule for f as a struct (into *rl) and as text (into out). */
static int
expect_rule(const struct web_finding *f, struct rule *rl, char *out, size_t outlen,
            char *err, size_t errlen)
{
	if (ack_rule_for(f->kind, f->domain, f->proto, f->port, rl, err, errlen) < 0)
		return -1;
	rules_format(rl, out, outlen);
	return 0;
}

int
web_expect_rule(const struct web_finding *f, char *out, size_t outlen, char *err,
                size_t errlen)
{
	struct rule rl;

	return expect_rule(f, &rl, out, outlen, err, errlen);
}

/* Append text (one or more whole lines) to path, with append_mu held. Returns 0, or -1
 * with errno. */
static int
append_lines(const char *path, const char *text)
{
	char buf[RULES_LINELEN + 160], last = '\n';
	struct stat sb;
	ssize_t n;
	int fd, saved, rc = -1;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (fstat(fd, &sb) < 0)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if (sb.st_size > 0 && pread(fd, &last, 1, sb.st_size - 1) != 1)
		goto out;
	snprintf(buf, sizeof(buf), "%s%s", last == '\n' ? "" : "\n", text);
	n = write(fd, buf, strlen(buf));
	if (n != (ssize_t)strlen(buf)) {
		if (n >= 0)
			errno = ENOSPC;
		goto out;
	}
	rc = fsync(fd);
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	errno = saved;
	return rc;
}

/* A refusal: JSON for the API, a page for the finding page's form. */
static void
fail(struct web_reply *r, bool page, unsigned status, const char *reason)
{
	if (page)
		html_error(r, status, reason);
	else
		api_error(r, status, reason);
}

void
api_expect(struct web *w, sqlite3 *db, int64_t id, bool page, struct web_reply *r)
{
	struct web_finding *f = calloc(1, sizeof(*f));
	char rule[RULES_LINELEN], why[160], lines[RULES_LINELEN + 128], iso[TIMEFMT_ISOLEN];
	struct web_rules *cur = NULL;
	struct rule rl;
	bool now = false;
	int got;

	if (!f) {
		fail(r, page, 500, "out of memory");
		return;
	}
	got = web_finding_get(db, id, f);
	if (got <= 0) {
		fail(r, page, got < 0 ? 500 : 404, got < 0 ? "database query failed"
		                                          : "no such finding");
		goto out;
	}
	if (expect_rule(f, &rl, rule, sizeof(rule), why, sizeof(why)) < 0) {
		fail(r, page, 409, "no rule makes this finding expected (only a name with its "
		          "port can be expected)");
		goto out;
	}
	snprintf(lines, sizeof(lines), "# expect this, finding %lld, %s\n%s\n", (long long)id,
	         timefmt_iso(timefmt_now_us(), iso, sizeof(iso)), rule);
	pthread_mutex_lock(&append_mu);
	/* the file of the policy now: a reload may have named another since the start */
	cur = web_rules_hold(w);
	if (!cur->file[0]) {
		pthread_mutex_unlock(&append_mu);
		fail(r, page, 412, "no [policy] rules_file is configured: set one (in the "
		          "collector's state directory) to add rules from the dashboard");
		goto out;
	}
	if (append_lines(cur->file, lines) < 0) {
		int e = errno;

		pthread_mutex_unlock(&append_mu);
		log_warn("web: expect this: %s: %s", cur->file, strerror(e));
		fail(r, page, 500, e == EACCES || e == EPERM || e == EROFS ?
		          "the collector cannot write rules_file (it runs as [collector] user: "
		          "keep the file in its state directory)" :
		          "rules_file could not be written (the collector's log says why)");
		goto out;
	}
	now = publish_with(w, cur, &rl) == 0;
	pthread_mutex_unlock(&append_mu);
	log_info("web: expect this: finding %lld added a rule to %s", (long long)id, cur->file);
	if (page) {
		html_head(&r->body, w, "Rule added", "finding");
		wbuf_puts(&r->body, "<section class=\"panel\"><h1>Rule added</h1><p><code>");
		wbuf_html(&r->body, rule);
		wbuf_puts(&r->body, "</code> was appended to <code>");
		wbuf_html(&r->body, cur->file);
		wbuf_printf(&r->body, "</code>. %s Later connections like this one are expected. "
		            "This finding stays as it was; acknowledge it if it is settled.</p>"
		            "<p><a href=\"/findings/%lld\">Back to the finding</a> &middot; <a "
		            "href=\"/\">Overview</a></p></section>", now ? "The overview's verdict "
		            "and /api/report judge with it now, and the collector rereads the file "
		            "within seconds." : "The collector rereads it within seconds; the "
		            "overview's verdict follows then.", (long long)id);
		html_tail(&r->body, r);
		goto out;
	}
	r->status = 200;
	r->ctype = "application/json";
	wbuf_printf(&r->body, "{\"id\": %lld, \"rule\": \"%s\", \"added\": true}\n",
	            (long long)id, rule);
out:
	web_rules_put(cur);
	free(f);
}

void
html_finding_actions(struct web *w, const struct web_finding *f, struct wbuf *b)
{
	char iso[TIMEFMT_ISOLEN], rule[RULES_LINELEN], why[160];
	long long id = f->id;
	struct web_rules *cur;

	/* where the acknowledgement stands: its note and who gave it, even once expired */
	wbuf_puts(b, "<dt>Status</dt><dd>");
	if (f->acked_us)
		wbuf_puts(b, "acknowledged ");
	else if (f->ack_given_us)
		wbuf_puts(b, "<strong>open again</strong>: acknowledged ");
	else
		wbuf_puts(b, "open");
	if (f->ack_given_us) {
		wbuf_html(b, timefmt_iso(f->ack_given_us, iso, sizeof(iso)));
		if (f->ack_by[0]) {
			wbuf_puts(b, " by ");
			wbuf_html(b, f->ack_by);
		}
		if (f->ack_until_us) {
			wbuf_puts(b, f->acked_us ? ", until " : ", expired ");
			wbuf_html(b, timefmt_iso(f->ack_until_us, iso, sizeof(iso)));
		}
	}
	wbuf_puts(b, "</dd>");
	if (f->ack_given_us && f->ack_note[0]) {
		wbuf_puts(b, "<dt>Note</dt><dd class=\"note\">");
		wbuf_html(b, f->ack_note);
		wbuf_puts(b, "</dd>");
	}
	wbuf_puts(b, "</dl>");

	/* a form of the page itself (no script): the server answers with a redirect back */
	wbuf_printf(b, "<form method=\"post\" class=\"filters acknote\" action=\"/api/findings/"
	            "%lld/ack?from=finding\"><label>Note <input name=\"note\" maxlength=\"%d\" "
	            "size=\"40\"></label><label>Until (optional) <input name=\"until\" "
	            "maxlength=\"40\" placeholder=\"7d or 2026-12-10T00:00Z\"></label>"
	            "<button>%s</button></form>", id, ACK_NOTE_MAX,
	            f->acked_us ? "Acknowledge again" : "Acknowledge");

	if (web_expect_rule(f, rule, sizeof(rule), why, sizeof(why)) < 0)
		return;
	/* the rule is shown first; only the second click, on the page, writes it */
	wbuf_puts(b, "<details class=\"expect\"><summary>Expect this&hellip;</summary><p>The rule "
	          "<code class=\"rule\">");
	wbuf_html(b, rule);
	cur = web_rules_hold(w);
	if (!cur->file[0]) {
		web_rules_put(cur);
		wbuf_puts(b, "</code> would make connections like this one expected, but no "
		          "<code>[policy] rules_file</code> is configured: add the rule to "
		          "<code>[policy] expect</code> by hand, or configure a rules_file the "
		          "collector can write.</p></details>");
		return;
	}
	wbuf_puts(b, "</code> will be appended to <code>");
	wbuf_html(b, cur->file);
	web_rules_put(cur);
	wbuf_printf(b, "</code>; the collector rereads it, and later connections like this one "
	            "are expected.</p><form method=\"post\" class=\"expect\" "
	            "action=\"/api/findings/%lld/expect?from=finding\"><button>Add this rule"
	            "</button></form></details>", id);
}
