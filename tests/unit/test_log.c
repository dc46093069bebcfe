/* log: recognising the journal's stream from JOURNAL_STREAM. */
#include "config.h"

#include "common/log.h"
#include "tap.h"

int
main(void)
{
	ok(log_stream_matches("8:12345", 8, 12345), "device:inode matches");
	ok(!log_stream_matches("8:12345", 8, 12346), "another inode");
	ok(!log_stream_matches("9:12345", 8, 12345), "another device");
	ok(!log_stream_matches(NULL, 8, 12345), "unset");
	ok(!log_stream_matches("", 8, 12345), "empty");
	ok(!log_stream_matches("8", 8, 12345), "no inode");
	ok(!log_stream_matches("8:", 8, 0), "empty inode");
	ok(!log_stream_matches(":12345", 0, 12345), "empty device");
	ok(!log_stream_matches("8:12345x", 8, 12345), "trailing bytes");
	ok(log_stream_matches("18446744073709551615:1", 18446744073709551615ULL, 1),
	   "the largest device number");
	return done_testing();
}
