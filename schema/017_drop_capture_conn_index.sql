-- Version 17: hellos_conn and flow_bytes_conn go. They index a hello's and a byte record's
-- connection (conn_id), which no reader looks rows up by: the report, the export and the
-- dashboard read hellos and flow_bytes by time (hellos_ts, flow_bytes_ts) or by id, and
-- a link is followed from the hello or byte record to its connection (the connections
-- primary key), never back. Every hello and byte record stored wrote its entry.
DROP INDEX IF EXISTS hellos_conn;
DROP INDEX IF EXISTS flow_bytes_conn;
