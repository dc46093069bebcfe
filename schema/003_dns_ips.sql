-- Version 3: no index on the raw DNS rows is keyed by text that arrives in any order.
-- A name is looked up by its id (dns_names) and an address through dns_ips, a rollup of
-- which names it was given for, so the writer appends to the right edge of every index
-- on dns_queries and dns_answers (bench/README.md, section 2, has the figures).

-- Rows written before version 2 carry no name id; give them the one of their name.
UPDATE dns_queries SET name_id = (SELECT id FROM dns_names WHERE name = dns_queries.qname)
	WHERE name_id IS NULL;
DROP INDEX dns_queries_name;
CREATE INDEX dns_queries_name ON dns_queries(name_id, ts_us);

-- One row per (address, name asked) that an A or AAAA answer gave: the address in its
-- dns_answers.data form, the name as dns_queries.name_id. answers counts the queries.
CREATE TABLE dns_ips (
	id       INTEGER PRIMARY KEY,
	ip       TEXT NOT NULL,
	name_id  INTEGER NOT NULL,
	answers  INTEGER NOT NULL DEFAULT 0,
	first_us INTEGER NOT NULL,
	last_us  INTEGER NOT NULL,
	UNIQUE (ip, name_id)
);
INSERT INTO dns_ips(ip, name_id, answers, first_us, last_us)
	SELECT a.data, q.name_id, count(DISTINCT q.id), min(q.ts_us), max(q.ts_us)
	FROM dns_answers a JOIN dns_queries q ON q.id = a.query_id
	WHERE a.rtype IN (1, 28) AND q.name_id IS NOT NULL GROUP BY a.data, q.name_id;
DROP INDEX dns_answers_data;
