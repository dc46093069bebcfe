#include "config.h"

#include <stdio.h>

#include <sqlite3.h>

#include "common/escape.h"
#include "tap.h"

/* Whether "s" (s put in quotes) is a JSON string SQLite reads back as want. */
static int
json_reads_as(sqlite3 *db, const char *s, const char *want)
{
	char doc[600];
	sqlite3_stmt *st;
	int same = 0;

	snprintf(doc, sizeof(doc), "[\"%s\"]", s);
	if (sqlite3_prepare_v2(db, "SELECT json_valid(?1) AND (?1 ->> '$[0]') = ?2", -1, &st,
	                       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		same = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return same;
}

static void
test_json(void)
{
	char out[256], small[8];
	sqlite3 *db;

	is_str(escape_json("api.telegram.org", out, sizeof(out)), "api.telegram.org", "json: plain");
	is_str(escape_json("a\"b\\c", out, sizeof(out)), "a\\\"b\\\\c",
	       "json: quote and backslash");
	is_str(escape_json("\n\r\t\x01\x1f\x7f", out, sizeof(out)),
	       "\\u000a\\u000d\\u0009\\u0001\\u001f\\u007f",
	       "json: control bytes and DEL as \\u00XX");
	is_str(escape_json("caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x98\x80", out, sizeof(out)),
	       "caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x98\x80", "json: valid UTF-8 as it is");
	is_str(escape_json("\xff\xfe", out, sizeof(out)), "\\u00ff\\u00fe",
	       "json: bytes that are no UTF-8 escaped");
	is_str(escape_json("\xc0\x80", out, sizeof(out)), "\\u00c0\\u0080",
	       "json: an overlong NUL escaped, byte by byte");
	is_str(escape_json("\xed\xa0\x80", out, sizeof(out)), "\\u00ed\\u00a0\\u0080",
	       "json: a UTF-16 surrogate escaped");
	is_str(escape_json("x\xe2\x82", out, sizeof(out)), "x\\u00e2\\u0082",
	       "json: a sequence cut at the end escaped");
	is_str(escape_json("\xf4\x90\x80\x80", out, sizeof(out)),
	       "\\u00f4\\u0090\\u0080\\u0080", "json: past U+10FFFF escaped");
	is_str(escape_json("abcdefghij", small, sizeof(small)), "abcdefg", "json: cut, terminated");
	is_str(escape_json("ab\"", small, 4), "ab", "json: never half an escape");
	is_str(escape_json("ab\x01", small, sizeof(small)), "ab", "json: nor half a \\u00XX");
	is_str(escape_json("", out, sizeof(out)), "", "json: empty");
	is_str(escape_json("x", out, 1), "", "json: room for the terminator only");

	/* what it writes is read back by SQLite's JSON as the bytes given (valid UTF-8) */
	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "sqlite");
	ok(json_reads_as(db, escape_json("a\"b\\c\n\x01\x7f\xc3\xa9", out, sizeof(out)),
	                 "a\"b\\c\n\x01\x7f\xc3\xa9"), "json: SQLite reads it back");
	sqlite3_close(db);
}

int
main(void)
{
	char out[256], small[8];

	is_str(escape_term("api.telegram.org", out, sizeof(out)), "api.telegram.org", "plain");
	is_str(escape_term("a\x1b[31mb", out, sizeof(out)), "a\\x1b[31mb", "ESC escaped");
	is_str(escape_term("x\xe2\x80\xaey", out, sizeof(out)), "x\\xe2\\x80\\xaey",
	       "bidi override escaped");
	is_str(escape_term("\r\n\x7f", out, sizeof(out)), "\\x0d\\x0a\\x7f", "CR LF DEL");
	is_str(escape_term("abcdefghij", small, sizeof(small)), "abcdefg", "cut, terminated");
	is_str(escape_term("ab\x01", small, 5), "ab", "never half an escape");
	is_str(escape_csv("a,b\"c", out, sizeof(out)), "\"a,b\"\"c\"", "csv quotes");
	is_str(escape_csv("=HYPERLINK(1)", out, sizeof(out)), "\"'=HYPERLINK(1)\"", "formula");
	is_str(escape_csv("-1+1", out, sizeof(out)), "\"'-1+1\"", "leading minus");
	is_str(escape_csv("", out, sizeof(out)), "\"\"", "empty field");
	is_str(escape_csv("abcdefghij", small, sizeof(small)), "\"abcde\"", "csv cut still closed");
	is_str(escape_html("<script>alert('x')</script>", out, sizeof(out)),
	       "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", "html");
	is_str(escape_html("\"><img onerror=x>", out, sizeof(out)),
	       "&quot;&gt;&lt;img onerror=x&gt;", "attribute breakout");
	test_json();
	return done_testing();
}
