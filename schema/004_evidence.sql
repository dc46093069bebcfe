-- Version 4: evidence. A hash chain over the stored rows (common/chain.h defines it),
-- heartbeats of each run, and what each sensor could not see.

-- One row per committed transaction that stored rows, and at least one a minute (so
-- commit times are heartbeats too). The rows of batch N in a chained table are those
-- with an id after batch N-1's last id of that table, up to its own. Never pruned:
-- retention deletes a batch's raw rows and sets pruned_us; raw (their digest) stays,
-- so the chain still verifies.
CREATE TABLE batches (
	id           INTEGER PRIMARY KEY,
	run_id       INTEGER NOT NULL,
	committed_us INTEGER NOT NULL,
	form         INTEGER NOT NULL,        -- canonical form (chain.h CHAIN_FORM)
	max_ts_us    INTEGER,                 -- newest event time of its raw rows; NULL none
	conn_last    INTEGER NOT NULL,
	query_last   INTEGER NOT NULL,
	answer_last  INTEGER NOT NULL,
	finding_last INTEGER NOT NULL,
	loss_last    INTEGER NOT NULL,
	sensor_last  INTEGER NOT NULL,
	raw          BLOB NOT NULL,           -- SHA-256 of its raw rows
	hash         BLOB NOT NULL,           -- SHA-256 over the previous hash and all of it
	pruned_us    INTEGER                  -- when retention deleted its raw rows
);
CREATE INDEX batches_live ON batches(max_ts_us) WHERE pruned_us IS NULL;

-- A run's last heartbeat: it ran at least until then (a kill -9 or a power loss leaves
-- stopped_us NULL, and the gap starts here).
ALTER TABLE runs ADD COLUMN beat_us INTEGER;

-- What each sensor could and could not see, as the collector found it while running:
-- one row per change of state. A stretch lasts until the next row of its source, or
-- the end of its run.
CREATE TABLE sensor_events (
	id     INTEGER PRIMARY KEY,
	ts_us  INTEGER NOT NULL,
	run_id INTEGER NOT NULL,
	source TEXT NOT NULL,                 -- 'nflog', 'dns', 'capture', 'database'
	state  TEXT NOT NULL,                 -- 'up', or why not: 'rule-missing', 'silent', ...
	detail TEXT NOT NULL
);
CREATE INDEX sensor_events_ts ON sensor_events(source, ts_us);
