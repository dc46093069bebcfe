-- Version 7: DNSSEC validation. A query whose answer failed validation was answered
-- SERVFAIL; why it failed, as libunbound's validator said it, is kept with the query.
ALTER TABLE dns_queries ADD COLUMN why_bogus TEXT;
