-- Version 8: connections and DNS queries from sources outside [collector] vm_subnet
-- (another host on the bridge, or the VM with a source address not its own) are not
-- the VM's: they are counted apart and never judged. Raw rows, pruned after
-- retention_days like the raw events (but not chained: they are no record of the VM),
-- and per-hour totals for reports of any window.
CREATE TABLE other_events (
	id    INTEGER PRIMARY KEY,
	ts_us INTEGER NOT NULL,
	kind  TEXT NOT NULL,                   -- 'connection' or 'dns'
	src   TEXT NOT NULL                    -- the source address (the DNS client's)
);
CREATE INDEX other_events_ts ON other_events(ts_us);

ALTER TABLE hourly ADD COLUMN other_connections INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hourly ADD COLUMN other_dns_queries INTEGER NOT NULL DEFAULT 0;
