/* tokenfile: the one reader of [web] token_file, for the collector's dashboard (at start
 * and on SIGHUP) and for the CLI that talks to it (`oc-audit ack`). A token is a secret
 * in a file of its own: one line, in a file other users cannot read, bounded, and made
 * of characters that can go into a cookie and an Authorization header unchanged. */
#ifndef OCA_TOKENFILE_H
#define OCA_TOKENFILE_H

#include <stddef.h>

#define TOKENFILE_MIN 16               /* characters */

/* Read the token in path into out (outlen bytes: a token of TOKENFILE_MIN to outlen - 2
 * characters, then its terminating NUL). After the token, a newline ("\n" or "\r\n")
 * and spaces are dropped; nothing else is. key names the setting in messages
 * ("web.token_file").
 * Refused: a file that cannot be opened (errno is then open's, else 0), that is not a
 * regular file, that others can read or write (mode 0004 or 0002; the group may read it),
 * a token too short or too long, or one with a control character, a space, '"', ',', ';'
 * or '\\'. Returns 0, or -1 with a one-line reason in err naming key and path; out is
 * then all zeros. Neither the token nor any part of it ever reaches err. */
int tokenfile_read(const char *path, const char *key, char *out, size_t outlen, char *err,
                   size_t errlen);

#endif
