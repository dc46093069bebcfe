-- Version 10: enforce mode. A finding raised by attempts the firewall dropped (the
-- nftables log prefix of enforce mode) is its own row, marked blocked: the evidence
-- says both what the VM tried and that it did not get through.
ALTER TABLE findings ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
