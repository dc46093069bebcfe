-- oc-audit schema, version 1. Times are integer microseconds since the Unix epoch (UTC),
-- in columns named *_us. Addresses are stored as text in their canonical form.
-- Raw events (connections, dns_queries, dns_answers) are pruned after retention_days;
-- rollups, findings, losses and the outbox are kept.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT
) WITHOUT ROWID;

-- One row per run of the collector; a run with no stopped_us ended abnormally.
CREATE TABLE runs (
	id         INTEGER PRIMARY KEY,
	started_us INTEGER NOT NULL,
	stopped_us INTEGER,
	version    TEXT NOT NULL,
	config     TEXT
);

-- One row per new connection (the first packet of a flow, as NFLOG logged it).
CREATE TABLE connections (
	id         INTEGER PRIMARY KEY,
	ts_us      INTEGER NOT NULL,
	family     INTEGER NOT NULL,          -- 4 or 6
	proto      INTEGER NOT NULL,          -- IP protocol number
	src        TEXT NOT NULL,
	sport      INTEGER,
	dst        TEXT NOT NULL,
	dport      INTEGER,
	icmp_type  INTEGER,
	icmp_code  INTEGER,
	iif        TEXT,
	oif        TEXT,
	prefix     TEXT,
	pkt_len    INTEGER,
	attr       INTEGER NOT NULL DEFAULT 0, -- attribution: 0 none, 1 valid answer, 2 stale answer
	domain     TEXT,                       -- the name the VM asked for (first candidate)
	domains    TEXT,                       -- every candidate name, JSON array
	query_id   INTEGER,                    -- dns_queries row whose answer attributed it
	dest_id    INTEGER NOT NULL            -- destinations row it was counted in
);
CREATE INDEX connections_ts ON connections(ts_us);
CREATE INDEX connections_dst ON connections(dst, ts_us);
CREATE INDEX connections_dest ON connections(dest_id, ts_us);

-- Rollup: one row per (domain, ip, port, proto); domain '' = not attributed.
CREATE TABLE destinations (
	id          INTEGER PRIMARY KEY,
	domain      TEXT NOT NULL,
	ip          TEXT NOT NULL,
	port        INTEGER NOT NULL,          -- 0 when the protocol has no ports
	proto       INTEGER NOT NULL,
	expected    INTEGER NOT NULL DEFAULT 0,
	connections INTEGER NOT NULL DEFAULT 0,
	first_us    INTEGER NOT NULL,
	last_us     INTEGER NOT NULL,
	UNIQUE (domain, ip, port, proto)
);

-- Rollup: connections per destination per hour (hour = ts_us / 3600e6), for windows.
CREATE TABLE dest_hourly (
	hour        INTEGER NOT NULL,
	dest_id     INTEGER NOT NULL,
	connections INTEGER NOT NULL,
	first_us    INTEGER NOT NULL,
	last_us     INTEGER NOT NULL,
	PRIMARY KEY (hour, dest_id)
) WITHOUT ROWID;

-- Rollup: totals per hour, for the report's totals and the dashboard timeline.
CREATE TABLE hourly (
	hour        INTEGER PRIMARY KEY,
	connections INTEGER NOT NULL DEFAULT 0,
	dns_queries INTEGER NOT NULL DEFAULT 0,
	findings    INTEGER NOT NULL DEFAULT 0,
	events_lost INTEGER NOT NULL DEFAULT 0
);

-- One row per DNS query the VM made.
CREATE TABLE dns_queries (
	id         INTEGER PRIMARY KEY,
	ts_us      INTEGER NOT NULL,
	client     TEXT NOT NULL,
	cport      INTEGER,
	qid        INTEGER,
	qname      TEXT NOT NULL,              -- presentation form, \DDD escapes, no final dot
	qname_wire BLOB NOT NULL,              -- the exact bytes asked
	qtype      INTEGER NOT NULL,
	qclass     INTEGER NOT NULL,
	rcode      INTEGER,                    -- NULL = no answer was sent
	latency_us INTEGER,
	transport  TEXT NOT NULL               -- 'udp' or 'tcp'
);
CREATE INDEX dns_queries_ts ON dns_queries(ts_us);
CREATE INDEX dns_queries_name ON dns_queries(qname, ts_us);

-- Every record of every answer, CNAME steps included.
CREATE TABLE dns_answers (
	id       INTEGER PRIMARY KEY,
	query_id INTEGER NOT NULL,
	name     TEXT NOT NULL,
	rtype    INTEGER NOT NULL,
	ttl      INTEGER NOT NULL,
	data     TEXT NOT NULL
);
CREATE INDEX dns_answers_query ON dns_answers(query_id);
CREATE INDEX dns_answers_data ON dns_answers(data);

-- One row per (kind, key); count and last_us grow. Never pruned.
CREATE TABLE findings (
	id        INTEGER PRIMARY KEY,
	kind      TEXT NOT NULL,
	key       TEXT NOT NULL,
	domain    TEXT,
	ip        TEXT,
	port      INTEGER,
	proto     TEXT,
	count     INTEGER NOT NULL DEFAULT 1,
	first_us  INTEGER NOT NULL,
	last_us   INTEGER NOT NULL,
	watch_day INTEGER,
	detail    TEXT NOT NULL,
	example   TEXT,
	conn_id   INTEGER,
	query_id  INTEGER,
	acked_us  INTEGER,
	UNIQUE (kind, key)
);
CREATE INDEX findings_last ON findings(last_us);

-- Alerts to deliver; written in the transaction that creates what they tell about.
CREATE TABLE alert_outbox (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,            -- 'finding', 'loss', 'watch-end', 'test'
	finding_id   INTEGER,
	created_us   INTEGER NOT NULL,
	body         TEXT NOT NULL,            -- JSON of the alert's fields
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_us      INTEGER NOT NULL,
	delivered_us INTEGER,
	last_error   TEXT
);
CREATE INDEX alert_outbox_pending ON alert_outbox(next_us) WHERE delivered_us IS NULL;

-- Every counted loss: events the collector knows it did not store, and why.
CREATE TABLE losses (
	id     INTEGER PRIMARY KEY,
	ts_us  INTEGER NOT NULL,
	source TEXT NOT NULL,                  -- counter name: nflog_gap, queue_full, db_error...
	count  INTEGER NOT NULL
);
CREATE INDEX losses_ts ON losses(ts_us);

-- Cumulative counters over the database's life.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
