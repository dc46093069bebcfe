/* oc-audit: one binary, one subcommand per job. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "alerts.h"
#include "collect.h"
#include "conf.h"
#include "db.h"
#include "report.h"

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: oc-audit COMMAND [options]\n"
	        "\n"
	        "  collect -c FILE [--set section.key=value ...]   run the collector (foreground)\n"
	        "  report [--since 7d] [--until T] [--format text|json|csv] [-c FILE | --db PATH]\n"
	        "                                                  the audit report\n"
	        "  check-config -c FILE [--set section.key=value]  validate and print the config\n"
	        "  alert-test -c FILE [--set section.key=value]    send a test alert, print the answer\n"
	        "  --version, --help\n");
}

static int
check_config_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char *sets[64];
	const char *file = NULL;
	int n_sets = 0, ch;
	struct conf *c;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (ch == 'c')
			file = optarg;
		else if (ch == 's' && n_sets < 64)
			sets[n_sets++] = optarg;
		else {
			fprintf(stderr, "usage: oc-audit check-config -c FILE [--set section.key=value]\n");
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "oc-audit check-config: -c FILE is required\n");
		return 2;
	}
	if (!(c = collect_load_conf("check-config", file, sets, n_sets)))
		return 1;
	conf_print(c, stdout);
	conf_free(c);
	return 0;
}

/* `oc-audit alert-test -c FILE`: one test message through every configured channel. */
static int
alert_test_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char *sets[64];
	const char *file = NULL;
	int n_sets = 0, ch, rc;
	struct conf *c;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (ch == 'c')
			file = optarg;
		else if (ch == 's' && n_sets < 64)
			sets[n_sets++] = optarg;
		else {
			fprintf(stderr, "usage: oc-audit alert-test -c FILE [--set section.key=value]\n");
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "oc-audit alert-test: -c FILE is required\n");
		return 2;
	}
	if (!(c = collect_load_conf("alert-test", file, sets, n_sets)))
		return 2;
	rc = alerts_test(c, stdout);
	conf_free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "collect") == 0)
		return collect_main(argc - 1, argv + 1);
	if (strcmp(cmd, "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (strcmp(cmd, "check-config") == 0)
		return check_config_main(argc - 1, argv + 1);
	if (strcmp(cmd, "alert-test") == 0)
		return alert_test_main(argc - 1, argv + 1);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("oc-audit %s (schema version %d)\n", PACKAGE_VERSION, db_schema_version());
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (*cmd)
		fprintf(stderr, "oc-audit: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
