/* `oc-audit findings`: on a real database, the order (most serious first), --open, the
 * escaping of names the VM chose, and the JSON document. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "report/findings.h"
#include "tap.h"

static char *
list(sqlite3 *db, bool open_only, bool json, long long *n)
{
	struct findings_opts o = { .open_only = open_only, .json = json };
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*n = findings_list(db, &o, f, err, sizeof(err));
	fclose(f);
	return buf;
}

int
main(void)
{
	char dir[] = "/tmp/oca-test-findings-XXXXXX", path[300], err[512], *out, *a, *b, *c;
	sqlite3 *db;
	long long n;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/f.db", dir);
	if (!(db = db_open_rw(path, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* 2026-11-29T00:00:00Z and a second later */
	is_int(sqlite3_exec(db,
		"INSERT INTO findings(kind, key, domain, ip, port, proto, count, first_us, last_us,"
		" detail, acked_us) VALUES"
		" ('unexpected-domain', 'x', 'evil' || char(27) || '[2J.example', NULL, NULL, NULL,"
		"  3, 1795910400000000, 1795910401000000, 'd', NULL),"
		" ('canary', 'k.bait.example', 'k.bait.example', NULL, NULL, NULL, 2,"
		"  1795910400000000, 1795910400000000, 'bait', NULL),"
		" ('direct-ip', '198.51.100.9:443/tcp', NULL, '198.51.100.9', 443, 'tcp', 1,"
		"  1795910400000000, 1795910400000000, 'no answer', 1795910402000000)",
		NULL, NULL, NULL), SQLITE_OK, "three findings, one acknowledged");
	/* the acknowledged one has a note and an expiry far ahead; a fourth's ack expired */
	is_int(sqlite3_exec(db,
		"UPDATE findings SET ack_note = 'lab' || char(10) || 'box', ack_by = 'cli (root)',"
		" ack_until_us = 4102444800000000 WHERE kind = 'direct-ip';"
		"INSERT INTO findings(kind, key, domain, ip, port, proto, count, first_us, last_us,"
		" detail, acked_us, ack_note, ack_until_us) VALUES ('unexpected-port',"
		" 'old.example 80/tcp', 'old.example', '198.51.100.7', 80, 'tcp', 5, 1795910300000000,"
		" 1795910300000000, 'port', 1795910300000000, 'was fine', 1795910350000000)",
		NULL, NULL, NULL), SQLITE_OK, "a note and a future expiry; an expired ack");

	out = list(db, false, false, &n);
	is_int(n, 4, "all four");
	a = strstr(out, "critical canary");
	b = strstr(out, "medium   direct-ip");
	c = strstr(out, "low      unexpected-domain");
	ok(strncmp(out, "ID ", 3) == 0 && a && b && c && a < b && b < c,
	   "a header, then the most serious first");
	ok(strstr(out, " acked 198.51.100.9:443/tcp  -- lab\\x0abox\n") &&
	   strstr(out, " open  k.bait.example\n"),
	   "the state of each, its destination, and an ack's note escaped");
	ok(strstr(out, " open  old.example 198.51.100.7:80/tcp\n") != NULL,
	   "an expired ack is open again, its note no longer shown");
	ok(strstr(out, "evil\\x1b[2J.example") && !strchr(out, 27),
	   "a name's control bytes are escaped for the terminal");
	free(out);

	out = list(db, true, false, &n);
	is_int(n, 3, "--open: three");
	ok(!strstr(out, "direct-ip"), "--open leaves out the acknowledged one");
	ok(strstr(out, "old.example") != NULL, "--open lists the one whose ack expired");
	free(out);

	out = list(db, true, true, &n);
	is_int(n, 3, "json --open: three");
	ok(strncmp(out, "[{\"id\":2,\"kind\":\"canary\",\"severity\":\"critical\","
	           "\"domain\":\"k.bait.example\",\"ip\":null,\"port\":null,\"proto\":null,"
	           "\"count\":2,\"first_seen\":\"2026-11-29T00:00:00Z\",\"last_seen\":"
	           "\"2026-11-29T00:00:00Z\",\"acked\":false,\"blocked\":false,"
	           "\"detail\":\"bait\",\"acked_at\":null,\"ack_by\":null,\"ack_note\":null,"
	           "\"ack_until\":null},{\"id\":1,", 260) == 0, "the JSON array, most serious first");
	ok(strstr(out, "\\u001b[2J") != NULL, "JSON escapes the name");
	free(out);

	sqlite3_close(db);
	for (const char *const *x = (const char *const[]){ "", "-wal", "-shm", NULL }; *x; x++) {
		snprintf(path, sizeof(path), "%s/f.db%s", dir, *x);
		unlink(path);
	}
	rmdir(dir);
	return done_testing();
}
