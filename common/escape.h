/* escape: one function per output context for bytes that came from the VM. Each writes
 * a NUL-terminated result into out (cut short, never overflowing, if out is too small)
 * and returns out. Documents are built by SQLite's JSON functions; escape_json is for
 * the few strings put together in C. */
#ifndef OCA_ESCAPE_H
#define OCA_ESCAPE_H

#include <stddef.h>

/* For a terminal: control bytes, DEL and every byte >= 0x80 become \xHH, so nothing can
 * move the cursor, change colours or hide text with bidi marks. */
char *escape_term(const char *in, char *out, size_t outlen);

/* For one CSV field: always quoted, quotes doubled, control bytes as \xHH, and a leading
 * = + - @ (a spreadsheet formula) prefixed with a single quote. */
char *escape_csv(const char *in, char *out, size_t outlen);

/* For the inside of a JSON string (no quotes added): " \ and control bytes escaped;
 * bytes >= 0x80 are passed as they are only when they form valid UTF-8, else \u00XX. */
char *escape_json(const char *in, char *out, size_t outlen);

/* For HTML text and attribute values: & < > " ' as entities, control bytes as \xHH. */
char *escape_html(const char *in, char *out, size_t outlen);

#endif
