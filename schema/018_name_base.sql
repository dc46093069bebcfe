-- Version 18: each name's registered domain (common/domain.h), stored with the name once,
-- and an index in the order of the report's *.domain fold: the report walks dns_names on
-- it and adds up its names list domain by domain, instead of sorting every name of the
-- window by a domain computed per row. oca_base is domain_base, defined on every
-- read-write handle (common/db.h), so the rule stays in C alone.
ALTER TABLE dns_names ADD COLUMN base TEXT;
UPDATE dns_names SET base = oca_base(name);
CREATE INDEX dns_names_base ON dns_names(base, expected);
