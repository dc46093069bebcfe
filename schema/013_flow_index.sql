-- Version 13: a connection found by its flow. The capture links a flow's bytes and hello
-- to its connection row (collector/store.c, store_find_conn) by destination, the VM's
-- port and time; by destination and time alone, a VM that opens many connections to one
-- address made each lookup walk all of them within the hour.
CREATE INDEX connections_flow ON connections(dst, sport, ts_us);
