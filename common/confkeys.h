/* The configuration's key table: every key of every section, its default, its help and
 * how its value is checked and stored. Only common/conf.c reads it (loading, --set,
 * check-config); the table itself and each key's value parser live in confkeys.c. */
#ifndef OCA_CONFKEYS_H
#define OCA_CONFKEYS_H

#include <stddef.h>

#include "conf.h"

enum conf_ktype { K_STR, K_UINT, K_FN };

struct conf_key {
	const char *section, *name, *def, *help;
	enum conf_ktype type;
	size_t off, size;       /* K_STR: field and capacity; K_UINT: field */
	unsigned min, max;      /* K_UINT bounds */
	/* K_FN: check v and store it in c; -1 with a message in err when it is not valid */
	int (*parse)(struct conf *c, const char *v, char *err, size_t errlen);
};

/* The table, in the order check-config prints it, and its length. */
extern const struct conf_key conf_key_table[];
extern const size_t conf_key_count;

#endif
