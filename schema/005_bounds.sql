-- Version 5: what the VM can grow is bounded.

-- A query whose answers were more than the collector keeps (records or bytes: see
-- dns_event_pack) has the first of them in dns_answers and truncated = 1.
ALTER TABLE dns_queries ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;

-- The delivery thread finds the rows of a finding by it, and delivered rows are pruned.
CREATE INDEX alert_outbox_finding ON alert_outbox(finding_id) WHERE finding_id IS NOT NULL;
