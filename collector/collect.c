/* The daemon's life: parse the whole configuration, open everything that needs
 * privilege (database, NFLOG group, DNS sockets) while a failure can still be one clear
 * line and exit 2, start the threads, then wait for a signal. On SIGTERM/SIGINT the
 * readers stop first, the queue is closed, and the writer commits every queued event
 * before the process exits 0. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alerts.h"
#include "collect.h"
#include "common/conf.h"
#include "common/log.h"
#include "nflogread.h"
#include "common/queue.h"
#include "dnslog/resolver.h"
#include "service.h"
#include "common/stats.h"
#include "web/web.h"
#include "writer.h"

struct conf *
collect_load_conf(const char *cmd, const char *file, char **sets, int n_sets)
{
	struct conf *c = conf_new();

	if (file)
		conf_load_file(c, file);
	for (int i = 0; i < n_sets; i++)
		conf_set(c, sets[i]);
	if (conf_error_count(c) == 0)
		conf_check(c);
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
	struct conf *c = NULL;
	struct queue *q = NULL;
	struct stats *st = calloc(1, sizeof(*st));
	struct writer *w = NULL;
	struct nflogread *nf = NULL;
	struct resolver *dns = NULL;
	struct web *web = NULL;
	struct alerts *al = NULL;
	char err[1024];
	sigset_t set;

	if (!sets || !st) {
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
	if (!(c = collect_load_conf("collect", file, sets, n_sets)))
		goto out;

	/* Signals are taken by sigwait in this thread only; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!(q = queue_new(c->queue_size))) {
		fprintf(stderr, "oc-audit collect: cannot allocate a queue of %u events\n",
		        c->queue_size);
		goto out;
	}
	if (!(w = writer_new(c, q, st, err, sizeof(err))) ||
	    !(nf = nflogread_open(c->nflog_group, q, st, err, sizeof(err)))) {
		fprintf(stderr, "oc-audit collect: %s\n", err);
		goto out;
	}
	if (c->dns_addr.family != 0 && !(dns = resolver_open(c, q, st, err, sizeof(err)))) {
		fprintf(stderr, "oc-audit collect: %s\n", err);
		goto out;
	}
	if (c->web_addr.family != 0 && !(web = web_open(c, q, st, err, sizeof(err)))) {
		fprintf(stderr, "oc-audit collect: %s\n", err);
		goto out;
	}
	/* after the writer: the database exists; a missing token file is a startup error */
	if (!(al = alerts_open(c, q, st, err, sizeof(err))) && *err) {
		fprintf(stderr, "oc-audit collect: %s\n", err);
		goto out;
	}
	service_watchdog_init();
	if (writer_start(w) < 0 || nflogread_start(nf) < 0 ||
	    (dns && resolver_start(dns) < 0) || alerts_start(al) < 0) {
		fprintf(stderr, "oc-audit collect: cannot start threads: %s\n", strerror(errno));
		goto stop;
	}
	log_info("collecting: NFLOG group %u, database %s", c->nflog_group, c->database);
	{
		char status[256];

		snprintf(status, sizeof(status), "collecting: NFLOG group %u", c->nflog_group);
		service_ready(status);
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: configuration reload is not supported yet; restart to "
			         "apply changes");
			continue;
		}
		break;
	}
	log_info("signal %d: stopping ingest and flushing", sig);
	service_stopping();
	rc = 0;
stop:
	nflogread_stop(nf);
	resolver_stop(dns);   /* pushes what is still resolving, so before the queue closes */
	web_close(web);    /* it pushes acknowledgements, so before the queue closes */
	web = NULL;
	alerts_stop(al);   /* hands its last outcomes to the queue, so before it closes */
	queue_close(q);
	writer_join(w);
	{
		unsigned long long lost = 0;

		for (int i = 0; i < STAT__COUNT; i++)
			if (stats_is_loss((enum stat_id)i))
				lost += stats_get(st, (enum stat_id)i);
		log_info("stopped: %llu packets from NFLOG, %llu DNS queries, %llu events "
		         "stored, %llu lost (nflog_gap %llu, queue_full %llu, db_error %llu)",
		         (unsigned long long)stats_get(st, STAT_NFLOG_RECEIVED),
		         (unsigned long long)stats_get(st, STAT_DNS_QUERIES),
		         (unsigned long long)stats_get(st, STAT_EVENTS_STORED), lost,
		         (unsigned long long)stats_get(st, STAT_NFLOG_GAP),
		         (unsigned long long)stats_get(st, STAT_QUEUE_FULL),
		         (unsigned long long)stats_get(st, STAT_DB_ERROR));
	}
out:
	web_close(web);
	alerts_close(al);
	resolver_close(dns);
	nflogread_close(nf);
	writer_free(w);
	queue_free(q);
	conf_free(c);
	free(st);
	free(sets);
	return rc;
}
