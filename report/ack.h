/* ack: the `oc-audit ack ID [--note TEXT] [--until T]` command (report/ack.c says how it
 * reaches the database's one writer). */
#ifndef OCA_REPORT_ACK_H
#define OCA_REPORT_ACK_H

/* The command. Returns the exit status: 0 acknowledged (or queued to the collector), 1 a
 * runtime error (no such finding, the collector refused, the database cannot be written),
 * 2 usage or configuration error (a bad note or until included). */
int ack_main(int argc, char **argv);

#endif
