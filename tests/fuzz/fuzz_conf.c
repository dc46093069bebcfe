/* libFuzzer target: the configuration parser (common/conf.c, confkeys.c) fed every byte
 * Up to the first NUL byte it is an INI file (conf_load_buffer: inih and every key's
 * validator); after it, NUL-separated "section.key=value" overrides (conf_set). Every
 * problem must be a message; and the keys check-config prints (conf_print) must load
 * back without a problem and print the same, so that the configuration it shows is one
 * an operator can use as it stands. The effective rules it prints after the keys are
 * left out of that comparison: every key is printed, so one left at its default reads
 * back as given, and with [policy] expect set that adds the expected_domains rules. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* conf_print's text into a malloc'ed string (*len bytes), or NULL. */
static char *
printed(const struct conf *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	conf_print(c, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* How much of conf_print's text is keys: up to the effective rules. */
static size_t
keys_len(const char *text, size_t len)
{
	const char *rules = strstr(text, "\n; The effective rules");

	return rules ? (size_t)(rules - text) : len;
}

/* Whether every line of text fits inih's line buffer (see conf_load_buffer). */
static int
lines_fit(const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n >= 199)
			return 0;
		p += n + (nl != NULL);
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t ini_len = nul ? (size_t)(nul - data) : size;
	struct conf *c = conf_new(), *again;
	char *text, *text2;
	size_t len, len2;
	bool overridden = false;

	conf_load_buffer(c, "fuzz.ini", (const char *)data, ini_len);
	if (nul) {
		size_t rest = size - ini_len - 1;
		char *sets = malloc(rest + 1);

		if (!sets)
			abort();
		memcpy(sets, nul + 1, rest);
		sets[rest] = '\0';
		for (char *p = sets; p < sets + rest; p += strlen(p) + 1) {
			conf_set(c, p);
			overridden = true;
		}
		free(sets);
	}
	for (int i = 0; i < conf_error_count(c); i++)
		if (!conf_error(c, i) || !*conf_error(c, i))
			__builtin_trap();

	/* an override may hold a newline, which no file line can: only files round-trip */
	if (!overridden && (text = printed(c, &len))) {
		if (lines_fit(text)) {
			again = conf_new();
			if (conf_load_buffer(again, "printed.ini", text, len) != 0)
				__builtin_trap();
			if (!(text2 = printed(again, &len2)) ||
			    keys_len(text, len) != keys_len(text2, len2) ||
			    memcmp(text, text2, keys_len(text, len)) != 0)
				__builtin_trap();
			free(text2);
			conf_free(again);
		}
		free(text);
	}
	conf_free(c);
	return 0;
}
