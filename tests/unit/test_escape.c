#include "config.h"

#include "common/escape.h"
#include "tap.h"

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
	return done_testing();
}
