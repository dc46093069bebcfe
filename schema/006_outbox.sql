-- Version 6: the alert outbox is read by index and pruned. The delivery thread reads the
-- first pending rows in id order every second: from an index of the pending ids, not a
-- scan and sort of the table. The writer prunes rows delivered more than a week ago
-- (not the watch-end alert, which says the week was told about).
CREATE INDEX alert_outbox_undelivered ON alert_outbox(id) WHERE delivered_us IS NULL;
CREATE INDEX alert_outbox_delivered ON alert_outbox(delivered_us) WHERE delivered_us IS NOT NULL;
