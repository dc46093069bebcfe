-- Version 12: the capture sensor. What the VM's first bytes of a flow asked for (TLS and
-- QUIC ClientHello SNI, HTTP Host), and bytes each way per flow from the packets' wire
-- lengths, rolled up per destination and per hour next to the connections.

-- One row per hello: a ClientHello over TCP or QUIC, or an HTTP/1.x request head.
CREATE TABLE hellos (
	id           INTEGER PRIMARY KEY,
	ts_us        INTEGER NOT NULL,          -- the packet that completed it
	kind         TEXT NOT NULL,             -- 'tls', 'quic' or 'http'
	family       INTEGER NOT NULL,          -- 4 or 6
	proto        INTEGER NOT NULL,          -- 6 or 17
	client       TEXT NOT NULL,             -- the VM's end
	cport        INTEGER NOT NULL,
	server       TEXT NOT NULL,
	sport        INTEGER NOT NULL,
	name         TEXT,                      -- SNI or Host in DNS presentation form (\DDD
	                                        -- escapes), as dns_queries.qname; NULL = none sent
	name_wire    BLOB,                      -- the exact bytes sent
	name_cut     INTEGER NOT NULL DEFAULT 0,-- longer than kept: the first 255 bytes
	alpn         TEXT,                      -- protocols offered, comma-separated
	version      INTEGER,                   -- highest TLS version offered (772 = TLS 1.3)
	quic_version INTEGER,
	ech          INTEGER NOT NULL DEFAULT 0,-- encrypted_client_hello: name is the outer SNI
	conn_id      INTEGER,                   -- the connections row of the same 5-tuple, if any
	dest_id      INTEGER NOT NULL           -- destinations row its flow is counted in
);
CREATE INDEX hellos_ts ON hellos(ts_us);
CREATE INDEX hellos_conn ON hellos(conn_id) WHERE conn_id IS NOT NULL;

-- Bytes of one flow in one slot of time (a minute): IP lengths on the wire, up = from
-- the VM. A flow lasting an hour has about sixty rows; its connection has one.
CREATE TABLE flow_bytes (
	id         INTEGER PRIMARY KEY,
	slot_us    INTEGER NOT NULL,            -- the slot's start
	first_us   INTEGER NOT NULL,            -- first and last packet counted in it
	last_us    INTEGER NOT NULL,
	family     INTEGER NOT NULL,
	proto      INTEGER NOT NULL,
	client     TEXT NOT NULL,
	cport      INTEGER,
	server     TEXT NOT NULL,
	sport      INTEGER,
	bytes_up   INTEGER NOT NULL,
	bytes_down INTEGER NOT NULL,
	payload_up INTEGER NOT NULL,            -- of which TCP/UDP data (retransmissions too)
	payload_down INTEGER NOT NULL,
	pkts_up    INTEGER NOT NULL,            -- packets as captured (a GRO/GSO batch is one)
	pkts_down  INTEGER NOT NULL,
	ended      TEXT,                        -- NULL: goes on; 'closed', 'idle', 'evicted',
	                                        -- 'flushed' (the capture stopped)
	conn_id    INTEGER,
	dest_id    INTEGER NOT NULL
);
CREATE INDEX flow_bytes_ts ON flow_bytes(slot_us);
CREATE INDEX flow_bytes_conn ON flow_bytes(conn_id) WHERE conn_id IS NOT NULL;

-- Bytes per destination (ever, and per hour), and per hour in all.
ALTER TABLE destinations ADD COLUMN bytes_up INTEGER NOT NULL DEFAULT 0;
ALTER TABLE destinations ADD COLUMN bytes_down INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dest_hourly ADD COLUMN bytes_up INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dest_hourly ADD COLUMN bytes_down INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hourly ADD COLUMN bytes_up INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hourly ADD COLUMN bytes_down INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hourly ADD COLUMN hellos INTEGER NOT NULL DEFAULT 0;

-- The chain covers the new tables from form 3 on (common/chain.h); batches of forms 1
-- and 2 hold none of their rows.
ALTER TABLE batches ADD COLUMN hello_last INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN bytes_last INTEGER NOT NULL DEFAULT 0;
