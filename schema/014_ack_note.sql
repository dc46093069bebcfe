-- Version 14: an acknowledgement says why and for how long. The operator's note, who
-- acknowledged (the dashboard, or the CLI and its user) and an optional expiry: once
-- ack_until_us has passed the finding is open again everywhere (common/db.h,
-- DB_ACKED_SQL), while its count and last_us kept growing all along. None of these are
-- in the hash chain (common/chain.c): they are the operator's, not the VM's evidence,
-- and change after the batch that stored the finding.
ALTER TABLE findings ADD COLUMN ack_note TEXT;
ALTER TABLE findings ADD COLUMN ack_by TEXT;
ALTER TABLE findings ADD COLUMN ack_until_us INTEGER;
