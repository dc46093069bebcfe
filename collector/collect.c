/* The daemon's life: parse the whole configuration and resolve the user to run as; fork
 * the privileged helper (netadm) before anything is open; open everything that needs
 * privilege (database, NFLOG group, DNS and web sockets) while a failure can still be one
 * clear line and exit 2; drop to the user with no capability, no_new_privs and the
 * system call filter; only then start the threads, which read what the VM sends. Then
 * wait for a signal. On SIGTERM/SIGINT the readers stop first, the queue is closed, and
 * the writer commits every queued event before the process exits 0. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alerts/alerts.h"
#include "collect.h"
#include "common/conf.h"
#include "common/log.h"
#include "enforce.h"
#include "heap.h"
#include "nflogread.h"
#include "pcapread.h"
#include "common/queue.h"
#include "dnslog/resolver.h"
#include "netadm.h"
#include "privdrop.h"
#include "sandbox.h"
#include "sensorwatch.h"
#include "service.h"
#include "common/stats.h"
#include "common/timefmt.h"
#include "web/web.h"
#include "writer.h"

struct conf *
collect_parse_conf(const char *file, char **sets, int n_sets)
{
	struct conf *c = conf_new();

	if (file)
		conf_load_file(c, file);
	for (int i = 0; i < n_sets; i++)
		conf_set(c, sets[i]);
	if (conf_error_count(c) == 0)
		conf_check(c);
	return c;
}

struct conf *
collect_load_conf(const char *cmd, const char *file, char **sets, int n_sets)
{
	struct conf *c = collect_parse_conf(file, sets, n_sets);

	if (conf_error_count(c) == 0) {
		for (int i = 0; i < conf_warning_count(c); i++)
			fprintf(stderr, "oc-audit %s: warning: %s\n", cmd, conf_warning(c, i));
		return c;
	}
	for (int i = 0; i < conf_error_count(c); i++)
		fprintf(stderr, "oc-audit %s: %s\n", cmd, conf_error(c, i));
	conf_free(c);
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: oc-audit collect -c FILE [--set section.key=value ...] [-v]\n");
}

#define RETIRED_MAX 8
#define RULES_WATCH_SEC 2      /* how often the rules file is looked at for a change */

/* A file as stat(2) saw it: any difference is a change (an editor that writes a new file
 * and renames it over the old one changes the inode, an append the size and times). */
struct filestamp {
	int err;                     /* 0, or the errno of stat */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static void
filestamp_take(const char *path, struct filestamp *fs)
{
	struct stat sb;

	memset(fs, 0, sizeof(*fs));
	if (!*path || stat(path, &sb) < 0) {
		fs->err = *path ? errno : ENOENT;
		return;
	}
	fs->dev = sb.st_dev;
	fs->ino = sb.st_ino;
	fs->size = sb.st_size;
	fs->mtime = sb.st_mtim;
	fs->ctime = sb.st_ctim;
}

static bool
filestamp_same(const struct filestamp *a, const struct filestamp *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Everything the running daemon holds. */
struct daemon {
	struct conf *c;              /* as started: every thread reads its restart-only keys */
	const char *file;            /* reread on SIGHUP, with the same --set overrides */
	char **sets;
	int n_sets;
	struct conf *live;           /* the last reload, the core thread's (NULL: none yet) */
	struct conf *retired[RETIRED_MAX]; /* reloads the core thread may still hold */
	int n_retired;
	struct privdrop_id id;
	struct netadm *na;
	struct enforce *enf;         /* enforce mode only */
	int64_t rule_last;           /* the ruleset check's last answer (logged on change) */
	int64_t enf_last;            /* ... about enforce mode's table */
	struct queue *q;
	struct stats *st;
	struct writer *w;
	struct nflogread *nf;
	struct pcapread *cap;
	struct resolver *dns;
	struct web *web;
	struct alerts *al;
	struct filestamp rules_seen;  /* the rules file when it was last read */
};

/* Open everything that needs privilege. Returns 0, or -1 with one line in err. */
static int
open_privileged(struct daemon *d, char *err, size_t errlen)
{
	const struct conf *c = d->c;

	*err = '\0';
	if (privdrop_prepare_db(&d->id, c->database, err, errlen) < 0)
		return -1;
	if (!(d->q = queue_new(c->queue_size))) {
		snprintf(err, errlen, "cannot allocate a queue of %u events", c->queue_size);
		return -1;
	}
	if (!(d->w = writer_new(c, d->q, d->st, err, errlen)) ||
	    !(d->nf = nflogread_open(c->nflog_group, d->q, d->st, err, errlen)))
		return -1;
	if (c->dns_addr.family != 0 && !(d->dns = resolver_open(c, d->q, d->st, err, errlen)))
		return -1;
	if (c->enforce) {
		if (!(d->enf = enforce_new(d->na, c, d->st))) {
			snprintf(err, errlen, "enforce: out of memory");
			return -1;
		}
		resolver_set_answer_hook(d->dns, enforce_answer, d->enf);
	}
	if (c->web_addr.family != 0 && !(d->web = web_open(c, d->q, d->st, err, errlen)))
		return -1;
	/* after the writer: the database exists; a missing token file is a startup error */
	if (!(d->al = alerts_open(c, d->q, d->st, err, errlen)) && *err)
		return -1;
	/* the capture's packet socket needs CAP_NET_RAW; its thread starts after the drop */
	if (c->pcap_interface[0] && !(d->cap = pcapread_open(c, d->q, d->st, err, errlen)))
		return -1;
	return 0;
}

/* Become the unprivileged user with nothing left to gain, then install the filter.
 * No thread may run yet: capabilities are per thread. */
static int
drop_privileges(struct daemon *d, char *err, size_t errlen)
{
	if (privdrop_apply(&d->id, err, errlen) < 0 ||
	    privdrop_check_db(&d->id, d->c->database, err, errlen) < 0 ||
	    sandbox_daemon(err, errlen) < 0)
		return -1;
	return 0;
}

/* How often the ruleset is checked while the collector runs. */
#define RULESET_CHECK_US INT64_C(60000000)

/* Ask the helper whether the nftables rule that feeds NFLOG is in place, log what
 * changed, and hand the answer to the core thread (sensorwatch.h), which records it
 * and raises a sensor finding when the rule is not there. */
static void
check_ruleset(struct daemon *d, bool always_log)
{
	struct cmd_event cmd = { 0 }, ecmd = { 0 }, *c = &cmd, *ec = &ecmd;
	struct nftcheck_result r, enf;
	bool enforce = d->c->enforce;

	c->kind = CMD_SENSOR_CHECK;
	c->ts_us = timefmt_now_us();
	ec->kind = CMD_ENFORCE_CHECK;
	ec->ts_us = c->ts_us;
	if (netadm_ruleset_check(d->na, d->c->nflog_group, d->c->vm_subnet,
	                         d->c->n_vm_subnet, 5000, &r, enforce ? &enf : NULL) < 0) {
		c->arg = ec->arg = SW_RULE_UNVERIFIED;
		snprintf(c->text, sizeof(c->text), "no answer from the privileged helper: %s",
		         strerror(errno));
		memcpy(ec->text, c->text, sizeof(ec->text));
		r.verdict = enf.verdict = NFTCHECK_ERROR;
	} else {
		ec->arg = !enforce ? SW_RULE_UNKNOWN : enf.verdict == NFTCHECK_OK ? SW_RULE_OK :
		          enf.verdict == NFTCHECK_MISSING ? SW_RULE_MISSING : SW_RULE_UNVERIFIED;
		if (enforce)
			snprintf(ec->text, sizeof(ec->text), "%.*s", (int)sizeof(ec->text) - 1,
			         enf.detail);
		c->arg = r.verdict == NFTCHECK_OK ? SW_RULE_OK :
		         r.verdict == NFTCHECK_MISSING ? SW_RULE_MISSING :
		         r.verdict == NFTCHECK_WRONG_GROUP ? SW_RULE_WRONG_GROUP : SW_RULE_UNVERIFIED;
		snprintf(c->text, sizeof(c->text), "%.*s", (int)sizeof(c->text) - 1, r.detail);
	}
	/* at start and on SIGHUP always (the operator asked); every minute only a change */
	if (always_log || c->arg != d->rule_last) {
		if (c->arg == SW_RULE_OK)
			log_info("nftables check: ok: %s", c->text);
		else if (c->arg == SW_RULE_UNVERIFIED)
			log_warn("nftables check: %s", c->text);
		else
			log_warn("nftables check: %s: %s", nftcheck_verdict_name(r.verdict), c->text);
	}
	d->rule_last = c->arg;
	if (queue_push_cmd(d->q, c) < 0)
		log_debug("nftables check: queue full; told at the next check");
	if (!enforce)
		return;
	if (always_log || ec->arg != d->enf_last) {
		if (ec->arg == SW_RULE_OK)
			log_info("nftables check: enforce mode's table: ok: %s", ec->text);
		else
			log_warn("nftables check: enforce mode's table: %s", ec->text);
	}
	d->enf_last = ec->arg;
	if (queue_push_cmd(d->q, ec) < 0)
		log_debug("nftables check: queue full; told at the next check");
}

/* What a SIGHUP applies; every other key needs a restart (the sockets, the database and
 * the resolver are open with it, or a thread copied it at start). */
static const char *const reloadable[] = {
	"policy.expected_domains", "policy.expected_ports", "policy.expect", "policy.rules_file",
	"policy.canary_names", "policy.attribution_grace", "collector.disk_min_free_mb",
	"web.token_file", "alerts.telegram_token_file", "alerts.telegram_chat_id",
	"alerts.telegram_api_base", "alerts.webhook_url",
};

static bool
is_reloadable(const char *section, const char *name)
{
	char key[128];

	snprintf(key, sizeof(key), "%s.%s", section, name);
	for (size_t i = 0; i < sizeof(reloadable) / sizeof(reloadable[0]); i++)
		if (strcmp(key, reloadable[i]) == 0)
			return true;
	return false;
}

/* conf_copy_keys's filter: the keys a reload does not apply. */
static bool
restart_only(void *ctx, const char *section, const char *name)
{
	(void)ctx;
	return !is_reloadable(section, name);
}

struct changes {
	bool hot;                     /* collecting the reloadable keys, or the others */
	char applied[512], restart[512];
};

static void
add_name(char *list, size_t len, const char *section, const char *name)
{
	size_t n = strlen(list);

	if (n + 1 < len)
		snprintf(list + n, len - n, "%s%s.%s", n ? ", " : "", section, name);
}

static void
note_change(void *ctx, const char *section, const char *name)
{
	struct changes *ch = ctx;
	bool hot = is_reloadable(section, name);

	if (hot && ch->hot)
		add_name(ch->applied, sizeof(ch->applied), section, name);
	else if (!hot && !ch->hot)
		add_name(ch->restart, sizeof(ch->restart), section, name);
}

/* Free the reloads the core thread no longer holds. */
static void
sweep_retired(struct daemon *d)
{
	int kept = 0;

	for (int i = 0; i < d->n_retired; i++) {
		if (writer_conf_held(d->w, d->retired[i]))
			d->retired[kept++] = d->retired[i];
		else
			conf_free(d->retired[i]);
	}
	d->n_retired = kept;
}

/* SIGHUP: parse the whole configuration again (the rules file too), and only when all
 * of it is good (the token files read too) hand the new policy to the core thread, the
 * token and the rules to the web server and the alert settings to the alerts thread;
 * each takes it between two pieces of work, so no event is lost or judged half by one
 * policy. A bad file changes nothing. Keys that need a restart are named in the log. */
static void
reload(struct daemon *d, const char *why)
{
	const struct conf *cur = d->live ? d->live : d->c;
	struct alerts_settings as;
	struct changes ch = { true, "", "" };
	struct conf *n;
	char token[256] = "", err[1024], status[256];
	bool alerts_on;

	service_reloading();
	sweep_retired(d);
	/* stamped before it is read: a change while it is being read is seen next time */
	filestamp_take(cur->rules_file, &d->rules_seen);
	n = collect_parse_conf(d->file, d->sets, d->n_sets);
	err[0] = '\0';
	if (conf_error_count(n) == 0 && d->n_retired >= RETIRED_MAX)
		snprintf(err, sizeof(err), "the core thread has not taken the last %d reloads",
		         RETIRED_MAX);
	else if (conf_error_count(n) == 0 && d->web)
		web_token_load(n, token, err, sizeof(err));
	alerts_on = conf_error_count(n) == 0 && !*err &&
	            alerts_settings_load(n, &as, err, sizeof(err)) == 0;
	if (conf_error_count(n) > 0 || *err) {
		for (int i = 0; i < conf_error_count(n); i++)
			log_err("%s: %s", why, conf_error(n, i));
		if (*err)
			log_err("%s: %s", why, err);
		log_err("%s: the new configuration is rejected; the running one stays", why);
		conf_free(n);
		explicit_bzero(token, sizeof(token));
		goto done;
	}
	for (int i = 0; i < conf_warning_count(n); i++)
		log_warn("%s: %s", why, conf_warning(n, i));
	conf_each_changed(cur, n, note_change, &ch);      /* since the last reload */
	ch.hot = false;
	conf_each_changed(d->c, n, note_change, &ch);     /* since the start */
	/* the core thread reads the whole configuration: what needs a restart keeps its
	 * value from the start there too, as everywhere else */
	conf_copy_keys(n, d->c, restart_only, NULL);
	if (alerts_on != (d->al != NULL))
		add_name(ch.restart, sizeof(ch.restart), "alerts", alerts_on ? "(turned on)" :
		         "(turned off)");
	web_set_token(d->web, token);
	explicit_bzero(token, sizeof(token));
	if (alerts_on) {
		alerts_reconfigure(d->al, &as);
		explicit_bzero(&as, sizeof(as));
	}
	/* the dashboard judges with the rules the core thread is handed below: its banner and
	 * /api/report say what `oc-audit report -c` says over the same file */
	if (web_set_rules(d->web, n) < 0)
		log_err("%s: web: out of memory: the dashboard judges with the old rules", why);
	if (alerts_set_rules(d->al, n->rules) < 0)
		log_err("%s: alerts: out of memory: the watch-end verdict judges with the old "
		        "rules", why);
	if (enforce_set_rules(d->enf, n) < 0)
		log_err("SIGHUP: enforce: out of memory: the resolver opens what the old rules "
		        "expected");
	writer_set_conf(d->w, n);
	for (int i = 0; i < 500 && !writer_conf_taken(d->w, n); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (d->live)
		d->retired[d->n_retired++] = d->live;
	/* a new rules_file path: watch that file from now on (a change to it while it was
	 * being read is missed until its next change, or SIGHUP) */
	if (strcmp(n->rules_file, cur->rules_file) != 0)
		filestamp_take(n->rules_file, &d->rules_seen);
	d->live = n;
	sweep_retired(d);
	if (!writer_conf_taken(d->w, n))
		log_warn("%s: the core thread has not taken the new policy yet (busy with "
		         "the database); it will at its next batch", why);
	log_info("%s: configuration reloaded from %s (token files read again); %s%s", why,
	         d->file ? d->file : "--set", *ch.applied ? "changed: " : "",
	         *ch.applied ? ch.applied : "no other reloadable key changed");
	if (*ch.restart)
		log_warn("%s: changed, but takes effect only after a restart: %s", why,
		         ch.restart);
done:
	/* a rejected file does not stop an operator who just fixed the rule from seeing it */
	check_ruleset(d, true);
	snprintf(status, sizeof(status), "collecting: NFLOG group %u", d->c->nflog_group);
	service_ready(status);
}

static void
log_totals(struct stats *st)
{
	unsigned long long lost = 0;

	for (int i = 0; i < STAT__COUNT; i++)
		if (stats_is_loss((enum stat_id)i))
			lost += stats_get(st, (enum stat_id)i);
	log_info("stopped: %llu packets from NFLOG, %llu DNS queries, %llu frames captured, "
	         "%llu events stored, %llu lost (nflog_gap %llu, queue_full %llu, db_error %llu, "
	         "pcap_dropped %llu)",
	         (unsigned long long)stats_get(st, STAT_NFLOG_RECEIVED),
	         (unsigned long long)stats_get(st, STAT_DNS_QUERIES),
	         (unsigned long long)stats_get(st, STAT_PCAP_RECEIVED),
	         (unsigned long long)stats_get(st, STAT_EVENTS_STORED), lost,
	         (unsigned long long)stats_get(st, STAT_NFLOG_GAP),
	         (unsigned long long)stats_get(st, STAT_QUEUE_FULL),
	         (unsigned long long)stats_get(st, STAT_DB_ERROR),
	         (unsigned long long)stats_get(st, STAT_PCAP_DROPPED));
}

int
collect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **sets = calloc((size_t)argc, sizeof(char *));
	const char *file = NULL;
	int n_sets = 0, ch, rc = 2, sig = 0;
	struct daemon d = { 0 };
	char err[1024], status[256];
	sigset_t set;
	int64_t next_check;

	d.st = calloc(1, sizeof(*d.st));
	if (!sets || !d.st) {
		fprintf(stderr, "oc-audit collect: out of memory\n");
		goto out;
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': file = optarg; break;
		case 's': sets[n_sets++] = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oc-audit collect: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (!(d.c = collect_load_conf("collect", file, sets, n_sets)))
		goto out;
	d.file = file;
	d.sets = sets;
	d.n_sets = n_sets;
	umask(077);   /* the database, its -wal and -shm: the daemon's user's only */
	if (heap_setup() < 0)
		log_warn("malloc refused its limits (heap.h): the memory budget may not hold");
	if (privdrop_resolve(d.c->user, &d.id, err, sizeof(err)) < 0) {
		fprintf(stderr, "oc-audit collect: %s\n", err);
		goto out;
	}

	/* Signals are taken by sigwait in this thread only; every thread inherits the mask,
	 * the helper too (it ends when the daemon closes its socket). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!(d.na = netadm_spawn(&d.id, err, sizeof(err))) ||
	    open_privileged(&d, err, sizeof(err)) < 0 ||
	    drop_privileges(&d, err, sizeof(err)) < 0) {
		fprintf(stderr, "oc-audit collect: %s\n", err);
		goto out;
	}
	service_watchdog_init();
	if (writer_start(d.w) < 0 || nflogread_start(d.nf) < 0 ||
	    (d.cap && pcapread_start(d.cap) < 0) ||
	    (d.dns && resolver_start(d.dns) < 0) || alerts_start(d.al) < 0) {
		fprintf(stderr, "oc-audit collect: cannot start threads: %s\n", strerror(errno));
		rc = 1;
		goto stop;
	}
	if (web_start(d.web, err, sizeof(err)) < 0) {
		fprintf(stderr, "oc-audit collect: %s\n", err);
		rc = 1;
		goto stop;
	}
	log_info("collecting: NFLOG group %u, database %s, as user %s (uid %u), capture %s",
	         d.c->nflog_group, d.c->database, d.id.name, (unsigned)d.id.uid,
	         d.cap ? d.c->pcap_interface : "off");
	check_ruleset(&d, true);
	next_check = queue_mono_us() + RULESET_CHECK_US;
	snprintf(status, sizeof(status), "collecting: NFLOG group %u", d.c->nflog_group);
	service_ready(status);
	filestamp_take(d.c->rules_file, &d.rules_seen);
	for (;;) {
		const struct conf *cur = d.live ? d.live : d.c;
		struct timespec tick = { RULES_WATCH_SEC, 0 };
		struct filestamp now;

		if ((sig = sigtimedwait(&set, NULL, &tick)) < 0) {
			if (errno == EAGAIN)
				heap_trim();
			if (errno == EAGAIN && queue_mono_us() >= next_check) {
				check_ruleset(&d, false);
				next_check = queue_mono_us() + RULESET_CHECK_US;
			}
			/* the rules file is reread when it changes, as on SIGHUP (the dashboard's
			 * "expect this" appends to it, an operator edits it) */
			if (errno == EAGAIN && cur->rules_file[0]) {
				filestamp_take(cur->rules_file, &now);
				if (!filestamp_same(&now, &d.rules_seen))
					reload(&d, "rules file changed");
			}
			continue;
		}
		if (sig == SIGCHLD) {
			netadm_reap(d.na);
			continue;
		}
		if (sig == SIGHUP) {
			reload(&d, "SIGHUP");
			continue;
		}
		break;
	}
	log_info("signal %d: stopping ingest and flushing", sig);
	service_stopping();
	rc = 0;
stop:
	nflogread_stop(d.nf);
	pcapread_stop(d.cap);   /* pushes every flow's last bytes, so before the queue closes */
	resolver_stop(d.dns);   /* pushes what is still resolving, so before the queue closes */
	web_close(d.web);    /* it pushes acknowledgements, so before the queue closes */
	d.web = NULL;
	alerts_stop(d.al);   /* hands its last outcomes to the queue, so before it closes */
	queue_close(d.q);
	writer_join(d.w);
	log_totals(d.st);
out:
	web_close(d.web);
	alerts_close(d.al);
	resolver_close(d.dns);
	nflogread_close(d.nf);
	pcapread_close(d.cap);
	writer_free(d.w);
	queue_free(d.q);
	enforce_free(d.enf);
	netadm_close(d.na);
	for (int i = 0; i < d.n_retired; i++)
		conf_free(d.retired[i]);
	conf_free(d.live);
	conf_free(d.c);
	free(d.st);
	free(sets);
	return rc;
}
