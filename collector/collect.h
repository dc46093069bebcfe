/* collect: `oc-audit collect`, the daemon in the foreground. */
#ifndef OCA_COLLECT_H
#define OCA_COLLECT_H

/* Run the collector until SIGTERM/SIGINT. Returns the process exit status. */
int collect_main(int argc, char **argv);

/* Parse -c FILE and --set options into a configuration, keeping its problems in it
 * (conf_error_count). Never NULL. */
struct conf *collect_parse_conf(const char *file, char **sets, int n_sets);

/* Parse -c FILE and --set options into a configuration for any subcommand; prints
 * every problem to stderr. Returns the conf, or NULL (exit status 2). */
struct conf *collect_load_conf(const char *cmd, const char *file, char **sets, int n_sets);

#endif
