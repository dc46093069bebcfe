-- Version 9: coverage. A run that ended without a clean stop ran at least until its
-- last batch (report/coverage.c): find it without walking every batch.
CREATE INDEX batches_run ON batches(run_id, committed_us);
