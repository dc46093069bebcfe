/* tokenfile_read: the one reader of [web] token_file, for the dashboard and the CLI. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tokenfile.h"
#include "tap.h"

static char dir[] = "/tmp/oca-test-tokenfile-XXXXXX";
static char path[256];

/* the file at path holds len bytes of text, with mode */
static void
put(const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	fwrite(text, 1, len, f);
	fclose(f);
	chmod(path, mode);
}

static int
rd(char *out, size_t outlen, char *err, size_t errlen)
{
	err[0] = '\0';
	return tokenfile_read(path, "web.token_file", out, outlen, err, errlen);
}

static int
all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int
main(void)
{
	char out[64], err[512], big[200];
	const char *tok = "0123456789abcdef-token";

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/token", dir);

	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a missing file is refused");
	ok(strstr(err, "web.token_file") && strstr(err, path) && errno == ENOENT,
	   "naming the key and the path, errno from open (%s)", err);

	put("0123456789abcdef-token\n", 23, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), 0, "a 0600 file with a newline");
	is_str(out, tok, "the newline is dropped");
	put("0123456789abcdef-token\r\n", 24, 0600);
	rd(out, sizeof(out), err, sizeof(err));
	is_str(out, tok, "a CRLF is dropped");
	put("0123456789abcdef-token", 22, 0640);
	is_int(rd(out, sizeof(out), err, sizeof(err)), 0, "the group may read it (0640)");
	is_str(out, tok, "no newline at all is fine");

	put("0123456789abcdef-token\n", 23, 0644);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "others can read it (0644): refused");
	ok(strstr(err, "other users") && strstr(err, "0644"), "it says so, with the mode (%s)", err);
	ok(all_zero(out, sizeof(out)), "nothing of the token is left in out");
	ok(!strstr(err, "abcdef"), "nor in the message");
	put("0123456789abcdef-token\n", 23, 0602);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "others can write it (0602): refused");

	put("short\n", 6, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a token under 16 characters");
	ok(strstr(err, "16 to 62") != NULL, "the bounds in the message (%s)", err);
	put("\n", 1, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "an empty token");

	memset(big, 'a', sizeof(big));
	put(big, 62, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), 0, "outlen - 2 characters fit");
	is_int(strlen(out), 62, "all of them");
	big[62] = '\n';
	put(big, 63, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), 0, "... with their newline");
	put(big, 63 + 1, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a byte more is too long");
	put(big, sizeof(big), 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a long file is refused, not cut");
	ok(all_zero(out, sizeof(out)), "and out is cleared");

	put("0123456789abcdef tok\n", 21, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a space inside is refused");
	put("0123456789abcdef\ntoken\n", 23, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a second line is refused");
	put("0123456789abcdef;tok\n", 21, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a semicolon (a cookie separator)");
	put("0123456789abcdef\"tok\n", 21, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a quote");
	put("0123456789abcdef\0tok\n", 21, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a NUL byte");
	put("0123456789abcdef\xc3\xa9tok\n", 22, 0600);
	is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a byte over 0x7e");
	ok(strchr(err, '\n') == NULL, "every message is one line");

	unlink(path);
	if (mkdir(path, 0700) == 0) {
		is_int(rd(out, sizeof(out), err, sizeof(err)), -1, "a directory is refused");
		ok(strstr(err, "not a regular file") != NULL, "as not a regular file (%s)", err);
		rmdir(path);
	}
	if (mkfifo(path, 0600) == 0) {
		is_int(rd(out, sizeof(out), err, sizeof(err)), -1,
		       "a FIFO is refused without waiting for a writer");
		unlink(path);
	}
	rmdir(dir);
	return done_testing();
}
