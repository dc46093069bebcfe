-- The names a report folds, in a database of schema version 16 (before dns_names.base):
-- applied by tests/unit/test_db.c after schema/001..016, and by make-names-v16.sh, which
-- wrote names-v16-report.{txt,json} with the oc-audit of version 16. The hours start at
-- 2026-11-20T00:00:00Z; the windows cut the first and the last hour (raw rows there).
-- Groups: a fold of 20 with ties, one of exactly 8 (listed), a co.uk fold, a fold holding
-- a name "*.fold.example", expected and unexpected names under one domain, names in
-- other cases, and 1 100 domains of one name each (past the list's 1 000 rows).
CREATE TEMP TABLE t AS SELECT 1795132800000000 AS t0, 3600000000 AS h;
CREATE TEMP TABLE nm(id INTEGER PRIMARY KEY, name TEXT, expected INTEGER);
INSERT INTO nm VALUES (1, 'api.telegram.org', 1), (2, 'API.Telegram.org.', 0),
	(3, 'Telegram.ORG', 0), (400, '*.fold.example', 0), (60, 'a.b.c.d.e.uk', 0),
	(61, 'x.co.uk', 0), (62, 'co.uk', 0), (63, 'localhost', 0), (64, '', 0);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 20)
INSERT INTO nm SELECT 100 + n, 't' || n || '.tunnel.example', 0 FROM i;
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 8)
INSERT INTO nm SELECT 200 + n, 'e' || n || '.eight.example', 0 FROM i;
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 9)
INSERT INTO nm SELECT 300 + n, 'N' || n || '.News.co.uk', 0 FROM i;
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 9)
INSERT INTO nm SELECT 400 + n, 'f' || n || '.fold.example', 0 FROM i;
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 9)
INSERT INTO nm SELECT 500 + n, 'x' || n || '.tunnel.example', 1 FROM i;
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 1100)
INSERT INTO nm SELECT 999 + n, 'h' || n || '.d' || n || '.net', 0 FROM i;

INSERT INTO dns_names(id, name, expected, queries, first_us, last_us)
SELECT id, name, expected, 0, t0, t0 FROM nm, t;
-- the whole hours 1 and 2: ties within the tunnel's fold, one query for each single
INSERT INTO name_hourly(hour, name_id, queries, first_us, last_us)
SELECT t0 / h + k, id, CASE WHEN id >= 1000 THEN 1 ELSE id % 4 + k END,
	t0 + k * h + id * 1000, t0 + k * h + id * 2000
FROM nm, t, (SELECT 1 AS k UNION ALL SELECT 2) WHERE id < 1000 OR k = 1;
-- raw queries in hours 0 and 3, either side of the windows' edges (10 and 50 minutes
-- in), for every name under 1000 and every tenth single
INSERT INTO dns_queries(ts_us, client, qname, qname_wire, qtype, qclass, rcode, transport,
	name_id)
SELECT t0 + k * h + m * 60000000 + id, '192.168.83.2', name, x'00', 1, 1, 0, 'udp', id
FROM nm, t, (SELECT 0 AS k UNION ALL SELECT 3),
	(SELECT 5 AS m UNION ALL SELECT 15 UNION ALL SELECT 45 UNION ALL SELECT 55)
WHERE id < 1000 OR id % 10 = 0;
UPDATE dns_names SET queries = (SELECT sum(queries) FROM name_hourly WHERE name_id = id);
