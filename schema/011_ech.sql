-- Version 11: keep the SNI visible. How many SVCB/HTTPS records of the answer a query
-- was sent lost their ech parameter ([dns] strip_ech), or were left out because their
-- parameters did not read; 0 when none did (and for every query stored before).
ALTER TABLE dns_queries ADD COLUMN ech_stripped INTEGER NOT NULL DEFAULT 0;
