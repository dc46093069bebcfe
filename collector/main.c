/* oc-audit: one binary, one subcommand per job. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "alerts/alerts.h"
#include "collect.h"
#include "common/conf.h"
#include "common/db.h"
#include "common/log.h"
#include "dnslog/dnslisten.h"
#include "common/netaddr.h"
#include "enforce.h"
#include "common/rules.h"
#include "report/export.h"
#include "report/ack.h"
#include "report/findings.h"
#include "report/report.h"
#include "report/verify.h"

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
	        "  verify [-c FILE | --db PATH] [--head HASH]      check the hash chain of the record\n"
	        "  export [--since 7d] [--kind dns,conn,...] [--format jsonl|csv|text] [--follow]\n"
	        "                                                  every raw event, one per line\n"
	        "  enforce-rules -c FILE [--set section.key=value] the nftables ruleset enforce\n"
	        "                                                  mode needs (nft -f input)\n"
	        "  canary new [-c FILE] [--domain DOMAIN]          a fresh bait name to plant in the VM\n"
	        "  findings [--open] [-c FILE | --db PATH]         the findings, most serious first\n"
	        "  ack ID [--note TEXT] [--until T] [-c FILE]      acknowledge a finding (T: 7d, or\n"
	        "                                                  ISO-8601: open again after it)\n"
	        "  --version, --help                               (COMMAND --help: its options)\n"
	        "\n"
	        "exit status, the same for every command:\n"
	        "  0 ok; 1 runtime error; 2 usage or configuration error (collect: also a\n"
	        "  start-up failure the operator must fix, such as a port in use or a missing\n"
	        "  user); 3 findings, 4 an incomplete verdict (report --fail-on-findings);\n"
	        "  5 the record does not match its hash chain (verify)\n");
}

/* Parse "-c FILE [--set section.key=value ...] [--help]" for cmd and load that
 * configuration. Returns it, or NULL with *rc the exit status: 0 after --help (usage on
 * stdout), 2 on a usage or configuration error. */
static struct conf *
conf_from_args(const char *cmd, const char *what, int argc, char **argv, int *rc)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *sets[64];
	const char *file = NULL;
	int n_sets = 0, ch;
	struct conf *c;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ch == 'c') {
			file = optarg;
		} else if (ch == 's' && n_sets < 64) {
			sets[n_sets++] = optarg;
		} else {
			fprintf(ch == 'h' ? stdout : stderr, "usage: oc-audit %s -c FILE "
			        "[--set section.key=value ...]\n  %s\n", cmd, what);
			*rc = ch == 'h' ? 0 : 2;
			return NULL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oc-audit %s: unexpected argument '%s'\n", cmd, argv[optind]);
		*rc = 2;
		return NULL;
	}
	if (!file) {
		fprintf(stderr, "oc-audit %s: -c FILE is required\n", cmd);
		*rc = 2;
		return NULL;
	}
	if (!(c = collect_load_conf(cmd, file, sets, n_sets)))
		*rc = 2;
	return c;
}

/* `oc-audit check-config -c FILE`: every problem, or the effective configuration.
 * A DNS listen address that is not on this host is only a warning: the daemon starts
 * anyway (IP_FREEBIND) and answers once the bridge has it, which may be later than this
 * check; but it is also what a mistyped address looks like. */
static int
check_config_main(int argc, char **argv)
{
	int rc = 0;
	struct conf *c = conf_from_args("check-config", "parse and validate FILE, print every "
	                                "problem (exit 2) or the effective configuration",
	                                argc, argv, &rc);

	if (!c)
		return rc;
	conf_print(c, stdout);
	if (c->dns_addr.family && !dnslisten_addr_present(&c->dns_addr)) {
		char a[NETADDR_STRLEN];

		netaddr_format(&c->dns_addr, a, sizeof(a));
		fprintf(stderr, "oc-audit check-config: warning: [dns] listen: %s is not an "
		        "address of this host now; the resolver will answer once it is (when "
		        "the bridge comes up), so check that it is the bridge's address\n", a);
	}
	conf_free(c);
	return 0;
}

/* `oc-audit alert-test -c FILE`: one test message through every configured channel. */
static int
alert_test_main(int argc, char **argv)
{
	int rc = 0;
	struct conf *c = conf_from_args("alert-test", "send one test alert through every "
	                                "configured channel and print each answer", argc,
	                                argv, &rc);

	if (!c)
		return rc;
	rc = alerts_test(c, stdout);
	conf_free(c);
	return rc;
}

/* `oc-audit enforce-rules -c FILE`: the ruleset an operator installs for enforce mode. */
static int
enforce_rules_main(int argc, char **argv)
{
	int rc = 0;
	struct conf *c = conf_from_args("enforce-rules", "print the nftables ruleset enforce "
	                                "mode needs, for nft -f (install it before collect "
	                                "starts with [enforce] mode = enforce)", argc, argv, &rc);
	size_t need;
	char *buf;

	if (!c)
		return rc;
	need = enforce_ruleset(c, NULL, 0) + 1;
	if (!(buf = malloc(need))) {
		fprintf(stderr, "oc-audit enforce-rules: out of memory\n");
		conf_free(c);
		return 1;
	}
	enforce_ruleset(c, buf, need);
	fputs(buf, stdout);
	if (!c->enforce)
		fprintf(stderr, "oc-audit enforce-rules: note: [enforce] mode is audit in this "
		        "configuration: nothing fills the sets, so the rules would drop every new "
		        "connection of the VM\n");
	free(buf);
	conf_free(c);
	return fflush(stdout) == 0 ? 0 : 1;
}

static void
canary_usage(FILE *f)
{
	fprintf(f, "usage: oc-audit canary new [-c FILE [--set section.key=value ...]] "
	        "[--domain DOMAIN]\n"
	        "  print a fresh random name under DOMAIN, or under the first *.DOMAIN of\n"
	        "  [policy] canary_names, to plant inside the VM as bait\n");
}

/* `oc-audit canary new`: a name no legitimate code will ever resolve. The randomness is
 * libcrypto's: a name an agent could guess is no bait. */
static int
canary_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *domain = NULL;
	char *sets[64], name[RULES_NAMELEN + 16];
	uint8_t rnd[RULES_CANARY_RANDOM];
	struct conf *c = NULL;
	int n_sets = 0, ch, rc = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': file = optarg; break;
		case 's': if (n_sets < 64) sets[n_sets++] = optarg; break;
		case 'd': domain = optarg; break;
		case 'h': canary_usage(stdout); return 0;
		default: canary_usage(stderr); return 2;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "new") != 0 || optind + 1 < argc) {
		canary_usage(stderr);
		return 2;
	}
	if ((file || n_sets) && !(c = collect_load_conf("canary", file, sets, n_sets)))
		return 2;
	for (int i = 0; !domain && c && i < c->rules->n_canary; i++)
		if (c->rules->canary[i][0] == '*')
			domain = c->rules->canary[i];
	if (!domain) {
		fprintf(stderr, "oc-audit canary: no domain: give --domain DOMAIN, or -c FILE with a "
		        "*.DOMAIN in [policy] canary_names\n");
		rc = 2;
	} else if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		fprintf(stderr, "oc-audit canary: no random bytes from libcrypto\n");
		rc = 1;
	} else if (rules_canary_make(domain, rnd, name, sizeof(name)) < 0) {
		fprintf(stderr, "oc-audit canary: '%s' is not a domain name\n", domain);
		rc = 2;
	} else {
		printf("%s\n", name);
		if (c && !rules_canary(c->rules, name))
			fprintf(stderr, "oc-audit canary: warning: %s is not under [policy] "
			        "canary_names yet: add it (or *.%s) before planting it\n", name,
			        domain[0] == '*' ? domain + 2 : domain);
	}
	conf_free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	log_init(getenv("JOURNAL_STREAM"));
	/* first: whatever opens a database first (the collector's check of a damaged file,
	 * an in-memory one) would otherwise initialise SQLite with its defaults */
	db_library_init();

	if (strcmp(cmd, "collect") == 0)
		return collect_main(argc - 1, argv + 1);
	if (strcmp(cmd, "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (strcmp(cmd, "check-config") == 0)
		return check_config_main(argc - 1, argv + 1);
	if (strcmp(cmd, "alert-test") == 0)
		return alert_test_main(argc - 1, argv + 1);
	if (strcmp(cmd, "findings") == 0)
		return findings_main(argc - 1, argv + 1);
	if (strcmp(cmd, "ack") == 0)
		return ack_main(argc - 1, argv + 1);
	if (strcmp(cmd, "canary") == 0)
		return canary_main(argc - 1, argv + 1);
	if (strcmp(cmd, "verify") == 0)
		return verify_main(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return export_main(argc - 1, argv + 1);
	if (strcmp(cmd, "enforce-rules") == 0)
		return enforce_rules_main(argc - 1, argv + 1);
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
