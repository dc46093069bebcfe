-- Version 19: the expected destinations, on their own. The report tells each destination
-- of its window expected or not: from the few ids of this partial index instead of
-- reading every destination's row (a scan or a names flood leaves one per address:port,
-- with a domain of up to a kilobyte). Only expected rows are in it.
CREATE INDEX destinations_expected ON destinations(id) WHERE expected;
