-- Version 16: connections_dst(dst, ts_us) goes. Since version 13 the one query that looks
-- connections up by destination (collector/store.c, S_FIND_CONN: a flow's connection)
-- seeks connections_flow(dst, sport, ts_us), which also serves any lookup by dst alone;
-- no other reader filters on dst. Every connection stored wrote both.
DROP INDEX IF EXISTS connections_dst;
