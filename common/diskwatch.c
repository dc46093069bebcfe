#include "config.h"

#include <stddef.h>

#include "diskwatch.h"

enum diskwatch_change
diskwatch_judge(struct diskwatch *d, uint64_t avail, uint64_t wal_bytes, uint64_t min_free)
{
	if (!d->low && min_free > 0 && avail < min_free) {
		d->low = true;
		return DISKWATCH_LOW;
	}
	if (d->low && (min_free == 0 || avail >= min_free + min_free / 8)) {
		d->low = false;
		return DISKWATCH_ROOM;
	}
	if (!d->wal_pinned && wal_bytes > DISKWATCH_WAL_ALERT_BYTES) {
		d->wal_pinned = true;
		return DISKWATCH_WAL_PINNED;
	}
	if (d->wal_pinned && wal_bytes <= DISKWATCH_WAL_ALERT_BYTES / 2) {
		d->wal_pinned = false;
		return DISKWATCH_WAL_OK;
	}
	return DISKWATCH_NONE;
}

const char *
diskwatch_state(enum diskwatch_change c)
{
	switch (c) {
	case DISKWATCH_LOW:
		return "low";
	case DISKWATCH_ROOM:
		return "ok";
	case DISKWATCH_WAL_PINNED:
		return "wal-pinned";
	case DISKWATCH_WAL_OK:
		return "wal-ok";
	default:
		return NULL;
	}
}
