-- Version 15: small flows folded per destination. A flow whose whole life is one byte
-- record, that sent no hello, and got no reply or carried no data (a scan's probe, a
-- spray's datagram) is not a flow_bytes row of its own: its bytes, packets and a count
-- of flows go to one row per (client, server, server port, protocol) and slot, with
-- ended = 'folded', cport and conn_id NULL (capture/flowagg.h). Bytes per destination
-- and per hour stay exact. The chain covers the column from form 4 on (common/chain.h).
ALTER TABLE flow_bytes ADD COLUMN flows INTEGER NOT NULL DEFAULT 1;
