-- Version 2: rollups for DNS names, so the report and dashboard never scan raw queries,
-- and the index the attribution reload at startup needs.

-- One row per distinct name the VM asked for (presentation form, as in dns_queries.qname).
CREATE TABLE dns_names (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL UNIQUE,
	expected INTEGER NOT NULL DEFAULT 0,
	queries  INTEGER NOT NULL DEFAULT 0,
	first_us INTEGER NOT NULL,
	last_us  INTEGER NOT NULL
);

-- Queries per name per hour.
CREATE TABLE name_hourly (
	hour     INTEGER NOT NULL,
	name_id  INTEGER NOT NULL,
	queries  INTEGER NOT NULL,
	first_us INTEGER NOT NULL,
	last_us  INTEGER NOT NULL,
	PRIMARY KEY (hour, name_id)
) WITHOUT ROWID;

ALTER TABLE dns_queries ADD COLUMN name_id INTEGER;
CREATE INDEX findings_kind ON findings(kind, last_us);
