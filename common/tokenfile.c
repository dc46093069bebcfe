/* The token file's reader (common/tokenfile.h). The file is read through one open
 * descriptor (fstat, then read), so the checks and the bytes are of the same file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tokenfile.h"

/* it goes into a cookie and a header: printable, no separators */
static int
token_char_ok(char c)
{
	return c > 0x20 && c < 0x7f && c != ';' && c != ',' && c != '"' && c != '\\';
}

int
tokenfile_read(const char *path, const char *key, char *out, size_t outlen, char *err,
               size_t errlen)
{
	struct stat sb;
	size_t n = 0;
	ssize_t k;
	char extra;
	int fd, saved;

	if (outlen < TOKENFILE_MIN + 2) {
		snprintf(err, errlen, "%s: no room for a token", key);
		return -1;
	}
	memset(out, 0, outlen);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		saved = errno;
		snprintf(err, errlen, "%s %.200s: cannot open: %s", key, path, strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s %.200s: not a regular file", key, path);
		goto fail;
	}
	if (sb.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(err, errlen, "%s %.200s can be read by other users (mode %04o): "
		         "chmod 600 it", key, path, (unsigned)(sb.st_mode & 07777));
		goto fail;
	}
	/* one byte more than a token and its newline may take tells a file too long */
	while (n < outlen - 1 && (k = read(fd, out + n, outlen - 1 - n)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err, errlen, "%s %.200s: read error: %s", key, path, strerror(errno));
			goto fail;
		}
		n += (size_t)k;
	}
	if (n == outlen - 1 && read(fd, &extra, 1) > 0)
		n = outlen;                    /* too long, whatever follows */
	else
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
			n--;
	if (n < TOKENFILE_MIN || n > outlen - 2) {
		snprintf(err, errlen, "%s %.200s: the token must be %d to %zu characters", key,
		         path, TOKENFILE_MIN, outlen - 2);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (!token_char_ok(out[i])) {
			snprintf(err, errlen, "%s %.200s: the token must be printable ASCII without "
			         "spaces, quotes, commas, semicolons or backslashes", key, path);
			goto fail;
		}
	}
	memset(out + n, 0, outlen - n);
	close(fd);
	return 0;
fail:
	explicit_bzero(out, outlen);
	close(fd);
	errno = 0;                          /* a refusal, not open's failure */
	return -1;
}
