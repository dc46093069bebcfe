/* embed: files carried inside the binary (schema migrations, web assets), generated at
 * build time by scripts/embed.sh. Each array ends with a { NULL, NULL, 0 } entry; the
 * data is also NUL-terminated, so text files can be used as C strings. */
#ifndef OCA_EMBED_H
#define OCA_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

/* The schema migrations, in order: 001_*.sql, 002_*.sql ... */
extern const struct embed_file schema_files[];

#endif
