-- Rows for the dashboard tests, planted into a database the collector made: what the
-- VM could have put there. Hostile names: markup, attribute breakout, control bytes,
-- a 255-byte name. Times are relative to now; the watch started two days ago.
-- Ids are fixed so the tests can name them.
CREATE TEMP TABLE t AS SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000000 AS now;
INSERT OR REPLACE INTO meta(key, value) SELECT 'watch_start_us', now - 2 * 86400000000 - 3600000000 FROM t;

INSERT INTO dns_queries(id, ts_us, client, cport, qid, qname, qname_wire, qtype, qclass, rcode, latency_us, transport)
SELECT 1, now - 7200000000, '192.168.83.2', 40001, 1, 'api.telegram.org', x'00', 1, 1, 0, 900, 'udp' FROM t UNION ALL
SELECT 2, now - 3600000000, '192.168.83.2', 40002, 2, '<script>alert(1)</script>.evil.test', x'00', 1, 1, 0, 1200, 'udp' FROM t UNION ALL
SELECT 3, now - 3000000000, '192.168.83.2', 40003, 3, '"><img src=x onerror=alert(2)>.evil.test', x'00', 28, 1, 3, 800, 'tcp' FROM t UNION ALL
SELECT 4, now - 2000000000, '192.168.83.2', 40004, 4, 'ctl' || char(1) || char(27) || '[31m' || char(7) || 'bell.evil.test', x'00', 16, 1, 0, 700, 'udp' FROM t UNION ALL
SELECT 5, now - 1000000000, '192.168.83.2', 40005, 5,
       substr(replace(hex(zeroblob(64)), '00', 'abc.'), 1, 250) || 'x.com', x'00', 1, 1, 2, NULL, 'udp' FROM t;

-- the names rollup, as the collector keeps it: each name's registered domain by the
-- daemon's own function (run by tests/lab/dbsql, which defines it)
INSERT INTO dns_names(name, base, expected, queries, first_us, last_us)
SELECT qname, oca_base(qname), qname = 'api.telegram.org', count(*), min(ts_us), max(ts_us) FROM dns_queries
WHERE true GROUP BY qname ON CONFLICT(name) DO NOTHING;
UPDATE dns_queries SET name_id = (SELECT id FROM dns_names WHERE name = qname);

INSERT INTO dns_answers(query_id, name, rtype, ttl, data) VALUES
 (1, 'api.telegram.org', 1, 300, '198.51.100.2'),
 (1, 'api.telegram.org', 1, 300, '198.51.100.9'),
 (2, '<script>alert(1)</script>.evil.test', 1, 60, '198.51.100.6'),
 (4, 'ctl.evil.test', 16, 60, '"</td><script>alert(3)</script>');
-- and the addresses rollup
INSERT INTO dns_ips(ip, name_id, answers, first_us, last_us)
SELECT a.data, q.name_id, count(*), min(q.ts_us), max(q.ts_us) FROM dns_answers a
JOIN dns_queries q ON q.id = a.query_id WHERE a.rtype IN (1, 28) GROUP BY a.data, q.name_id;

INSERT INTO destinations(id, domain, ip, port, proto, expected, connections, first_us, last_us, bytes_up, bytes_down)
SELECT 1, 'api.telegram.org', '198.51.100.2', 443, 6, 1, 40, now - 7000000000, now - 600000000, 1234567, 52428800 FROM t UNION ALL
SELECT 2, '<script>alert(1)</script>.evil.test', '198.51.100.6', 443, 6, 0, 3, now - 3500000000, now - 3400000000, 0, 0 FROM t UNION ALL
SELECT 3, '', '198.51.100.9', 8080, 6, 0, 1, now - 900000000, now - 900000000, 0, 0 FROM t;

INSERT INTO connections(id, ts_us, family, proto, src, sport, dst, dport, attr, domain, domains, query_id, dest_id)
SELECT 1, now - 7000000000, 4, 6, '192.168.83.2', 50001, '198.51.100.2', 443, 1, 'api.telegram.org', '["api.telegram.org"]', 1, 1 FROM t UNION ALL
SELECT 2, now - 3500000000, 4, 6, '192.168.83.2', 50002, '198.51.100.6', 443, 1, '<script>alert(1)</script>.evil.test', '["<script>alert(1)</script>.evil.test"]', 2, 2 FROM t UNION ALL
SELECT 3, now - 3400000000, 4, 6, '192.168.83.2', 50003, '198.51.100.6', 443, 2, '<script>alert(1)</script>.evil.test', 'not json', 2, 2 FROM t UNION ALL
SELECT 4, now - 900000000, 4, 6, '192.168.83.2', 50004, '198.51.100.9', 8080, 0, NULL, NULL, NULL, 3 FROM t;

INSERT INTO findings(id, kind, key, domain, ip, port, proto, count, first_us, last_us, watch_day, detail, example, conn_id, query_id, acked_us)
SELECT 1, 'unexpected-domain', 'k1', '<script>alert(1)</script>.evil.test', NULL, NULL, NULL, 2, now - 3600000000, now - 3500000000, 3,
       'a DNS query for "<script>alert(1)</script>.evil.test", outside the expected set', '<img src=x onerror=alert(4)>', NULL, 2, NULL FROM t UNION ALL
SELECT 2, 'direct-ip', 'k2', NULL, '198.51.100.9', 8080, 'tcp', 1, now - 900000000, now - 900000000, 3,
       'a connection to 198.51.100.9:8080/tcp that no DNS answer gave the VM', 'ctl' || char(27) || '[2J' || char(8238) || 'gnp.exe', 4, NULL, NULL FROM t UNION ALL
SELECT 3, 'unexpected-domain', 'k3', '"><img src=x onerror=alert(2)>.evil.test', NULL, NULL, NULL, 1, now - 3000000000, now - 3000000000, 3,
       'NXDOMAIN for "><img src=x onerror=alert(2)>', NULL, NULL, 3, now - 100000000 FROM t UNION ALL
SELECT 4, 'unexpected-domain', 'k4', substr(replace(hex(zeroblob(64)), '00', 'abc.'), 1, 250) || 'x.com', NULL, NULL, NULL, 1,
       now - 1000000000, now - 1000000000, 3, 'a 255-byte name', NULL, NULL, 5, NULL FROM t;

INSERT INTO hourly(hour, connections, dns_queries, findings, events_lost)
WITH RECURSIVE s(value) AS (SELECT 0 UNION ALL SELECT value + 1 FROM s WHERE value < 50)
SELECT now / 3600000000 - 50 + value, (value * 7) % 23 + 2, (value * 5) % 11 + 1, 0, 0 FROM t, s WHERE true
ON CONFLICT(hour) DO UPDATE SET connections = excluded.connections, dns_queries = excluded.dns_queries;
INSERT INTO losses(ts_us, source, count) SELECT now - 5000000000, 'queue_full', 5 FROM t;
UPDATE hourly SET events_lost = 5 WHERE hour = (SELECT (now - 5000000000) / 3600000000 FROM t);
-- an upload: the hour's bytes, on the timeline
UPDATE hourly SET bytes_up = 52428800, bytes_down = 1258291
 WHERE hour = (SELECT now / 3600000000 - 10 FROM t);
-- enforce mode dropped the direct-IP attempts (a database from an enforce run, read now)
UPDATE findings SET blocked = 1 WHERE id = 2;
-- coverage: an earlier run (id 0: the live run stays the latest) from the watch's start,
-- stopped cleanly 30 hours ago, in which the nftables rule went missing for two hours
-- (a detail that could hold anything: it is escaped like the VM's names)
INSERT INTO runs(id, started_us, stopped_us, version, config)
SELECT 0, now - 2 * 86400000000 - 3600000000, now - 30 * 3600000000, 'planted',
       '{"nflog_group":7,"dns":"","capture":""}' FROM t;
INSERT INTO sensor_events(ts_us, run_id, source, state, detail)
SELECT now - 40 * 3600000000, 0, 'nflog', 'rule-missing', 'no rule logs to group 7 <script>alert(5)</script> & "x"' FROM t UNION ALL
SELECT now - 38 * 3600000000, 0, 'nflog', 'up', 'the rule is back' FROM t;
