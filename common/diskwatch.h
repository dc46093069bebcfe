/* diskwatch: when the database's disk is short of room, or its WAL is pinned by a
 * reader, said before the disk is full rather than after. The caller measures (statvfs of
 * the database's directory, the WAL's size) and stores what this decides; this module
 * only decides, with no I/O and no clock. */
#ifndef OCA_DISKWATCH_H
#define OCA_DISKWATCH_H

#include <stdbool.h>
#include <stdint.h>

/* The WAL past this is pinned by a reader: the writer's checkpoints (WAL_TARGET_BYTES)
 * could not bring it back. */
#define DISKWATCH_WAL_ALERT_BYTES (UINT64_C(64) << 20)

/* What has been said; the fields are this module's. Zero = nothing said (all fine). */
struct diskwatch {
	bool low;          /* free space is below the threshold */
	bool wal_pinned;   /* the WAL is past DISKWATCH_WAL_ALERT_BYTES */
};

/* A change to tell about (a sensor_events row and, on the way into trouble, an alert). */
enum diskwatch_change {
	DISKWATCH_NONE = 0,
	DISKWATCH_LOW,          /* free space fell below the threshold */
	DISKWATCH_ROOM,         /* ... and is back above it with a margin */
	DISKWATCH_WAL_PINNED,   /* the WAL grew past the bound */
	DISKWATCH_WAL_OK,       /* ... and is back under half of it */
};

/* Given the bytes free to the collector (avail) on the database's filesystem, the WAL's
 * size and the threshold min_free (bytes; 0 = the free-space check is off), return the
 * one change to report now and update d (call again: a second change, if any, comes at
 * the next call). The margins (an eighth of the threshold, half the WAL bound) keep a
 * value that hovers at a limit from alerting over and over. */
enum diskwatch_change diskwatch_judge(struct diskwatch *d, uint64_t avail,
                                      uint64_t wal_bytes, uint64_t min_free);

/* The state's name for sensor_events ("low", "ok", "wal-pinned", "wal-ok"), or NULL
 * for DISKWATCH_NONE. */
const char *diskwatch_state(enum diskwatch_change c);

#endif
