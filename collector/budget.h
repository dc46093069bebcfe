/* budget: bytes the VM uploaded per destination name per UTC day, against
 * [policy] upload_budget. A name is the destination's DNS name (lower case), or its
 * address when no answer named it. The table holds BUDGET_NAMES names: when it is full,
 * a name of an earlier day goes first, else the name that uploaded least today (whose
 * bytes so far then no longer count towards its budget: budget_add says so, and the
 * caller counts it as a loss). Names near their budget are the last to go, so a VM that
 * spreads uploads over many names cannot push one that is about to cross out of the
 * table with less than it would upload anyway. Pure: no I/O, no clock. */
#ifndef OCA_BUDGET_H
#define OCA_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUDGET_NAMES 4096
#define BUDGET_NAMELEN 256

enum budget_result {
	BUDGET_UNDER = 0,  /* counted; still within the budget (or the budget is off) */
	BUDGET_CROSSED,    /* counted, and today's total just went past the budget */
	BUDGET_OVER,       /* counted; it had crossed already today */
};

struct budget;

/* A table for a budget of limit bytes per name per day (0 = off: nothing is kept).
 * NULL on out of memory. */
struct budget *budget_new(uint64_t limit);
void budget_free(struct budget *b);

/* Add up bytes uploaded to name at ts_us. *total (may be NULL) gets the name's total for
 * that day so far; *evicted (may be NULL) is set when another name with bytes today had
 * to leave the table for it. Names longer than BUDGET_NAMELEN - 1 are cut. */
enum budget_result budget_add(struct budget *b, const char *name, int64_t ts_us,
                              uint64_t up, uint64_t *total, bool *evicted);

/* What the database says was uploaded to name on ts_us's day before this run: counted
 * like budget_add, but a total already past the budget is taken as told (no CROSSED). */
void budget_seed(struct budget *b, const char *name, int64_t ts_us, uint64_t up);

/* Forget which names crossed (their findings were rolled back): the next byte of each
 * crosses again. */
void budget_unflag(struct budget *b);

/* Names held. */
size_t budget_size(const struct budget *b);

/* The UTC day of ts_us as "YYYY-MM-DD" into buf (11 bytes). Returns buf. */
char *budget_day(int64_t ts_us, char *buf, size_t len);

#endif
