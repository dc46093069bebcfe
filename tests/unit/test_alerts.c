/* alerts_open's startup checks: the token file, the chat id, alerts off. */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts/alerts.h"
#include "tap.h"

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

int
main(void)
{
	char dir[] = "/tmp/oca-test-alerts-XXXXXX", path[256], err[512];
	struct conf *c = conf_new();
	struct alerts *a;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/token", dir);

	a = alerts_open(c, NULL, NULL, err, sizeof(err));
	ok(a == NULL && err[0] == '\0', "nothing configured: alerts off, no error");

	snprintf(c->telegram_token_file, sizeof(c->telegram_token_file), "%s", path);
	snprintf(c->telegram_chat_id, sizeof(c->telegram_chat_id), "42");
	a = alerts_open(c, NULL, NULL, err, sizeof(err));
	ok(a == NULL && strstr(err, "telegram_token_file") && strstr(err, path),
	   "missing token file: an error naming the key and path (%s)", err);
	ok(strchr(err, '\n') == NULL, "one line");

	write_file(path, "  123456:AAF-secret_part\n\n");
	chmod(path, 0600);
	a = alerts_open(c, NULL, NULL, err, sizeof(err));
	ok(a != NULL, "a token with surrounding whitespace is accepted");
	alerts_close(a);

	write_file(path, "123456:AAF-secret/../evil?x=1\n");
	a = alerts_open(c, NULL, NULL, err, sizeof(err));
	ok(a == NULL && strstr(err, "not a bot token"), "a token that would change the URL is refused");
	ok(strstr(err, "secret") == NULL, "the error does not show the token (%s)", err);

	write_file(path, "\n");
	a = alerts_open(c, NULL, NULL, err, sizeof(err));
	ok(a == NULL && strstr(err, "not a bot token"), "an empty token file is refused");

	write_file(path, "123456:AAF-secret\n");
	c->telegram_chat_id[0] = '\0';
	a = alerts_open(c, NULL, NULL, err, sizeof(err));
	ok(a == NULL && strstr(err, "telegram_chat_id"), "token without a chat id: error");

	c->telegram_token_file[0] = '\0';
	snprintf(c->webhook_url, sizeof(c->webhook_url), "http://127.0.0.1:9/hook");
	a = alerts_open(c, NULL, NULL, err, sizeof(err));
	ok(a != NULL, "a webhook alone turns alerts on");
	alerts_close(a);

	unlink(path);
	rmdir(dir);
	conf_free(c);
	return done_testing();
}
