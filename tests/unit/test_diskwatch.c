/* The disk watch: low free space and a pinned WAL are told once when they begin and once
 * when they end, with margins so that a value hovering at a limit does not flap. */
#include "config.h"

#include "common/diskwatch.h"
#include "tap.h"

#define MB (UINT64_C(1) << 20)

int
main(void)
{
	struct diskwatch d = { 0 };
	const uint64_t wal = DISKWATCH_WAL_ALERT_BYTES;

	is_int(diskwatch_judge(&d, 900 * MB, 0, 512 * MB), DISKWATCH_NONE, "room: nothing to say");
	is_int(diskwatch_judge(&d, 511 * MB, 0, 512 * MB), DISKWATCH_LOW, "below the threshold: low");
	is_int(diskwatch_judge(&d, 100 * MB, 0, 512 * MB), DISKWATCH_NONE, "still low: said once");
	is_int(diskwatch_judge(&d, 520 * MB, 0, 512 * MB), DISKWATCH_NONE,
	       "just above the threshold: still low (the margin)");
	is_int(diskwatch_judge(&d, 576 * MB, 0, 512 * MB), DISKWATCH_ROOM,
	       "an eighth above it: room again");
	is_int(diskwatch_judge(&d, 576 * MB, 0, 512 * MB), DISKWATCH_NONE, "room: said once");
	is_int(diskwatch_judge(&d, 0, 0, 0), DISKWATCH_NONE, "threshold 0: the check is off");
	d.low = true;
	is_int(diskwatch_judge(&d, 0, 0, 0), DISKWATCH_ROOM, "turned off while low: ends it");

	d = (struct diskwatch){ 0 };
	is_int(diskwatch_judge(&d, 900 * MB, wal, 512 * MB), DISKWATCH_NONE, "WAL at the bound: fine");
	is_int(diskwatch_judge(&d, 900 * MB, wal + 1, 512 * MB), DISKWATCH_WAL_PINNED,
	       "WAL past the bound: pinned");
	is_int(diskwatch_judge(&d, 900 * MB, wal * 4, 512 * MB), DISKWATCH_NONE, "pinned: said once");
	is_int(diskwatch_judge(&d, 900 * MB, wal / 2 + 1, 512 * MB), DISKWATCH_NONE,
	       "WAL shrinking but above half the bound: still pinned");
	is_int(diskwatch_judge(&d, 900 * MB, 0, 512 * MB), DISKWATCH_WAL_OK, "WAL emptied: ok");

	d = (struct diskwatch){ 0 };
	is_int(diskwatch_judge(&d, MB, wal * 2, 512 * MB), DISKWATCH_LOW, "both at once: low first");
	is_int(diskwatch_judge(&d, MB, wal * 2, 512 * MB), DISKWATCH_WAL_PINNED,
	       "then the WAL at the next call");
	is_int(diskwatch_judge(&d, MB, wal * 2, 512 * MB), DISKWATCH_NONE, "then nothing");

	ok(diskwatch_state(DISKWATCH_NONE) == NULL, "no change: no state");
	is_str(diskwatch_state(DISKWATCH_LOW), "low", "low's name");
	is_str(diskwatch_state(DISKWATCH_ROOM), "ok", "room's name");
	is_str(diskwatch_state(DISKWATCH_WAL_PINNED), "wal-pinned", "pinned's name");
	is_str(diskwatch_state(DISKWATCH_WAL_OK), "wal-ok", "WAL ok's name");
	return done_testing();
}
