-- Every start (migrate) chains the events written before the audit chain existed, looking
-- for them by `hash is null`. Without an index that read the whole event log (1.8 s over
-- 100 000 cases, several seconds over a million); this partial index holds only those events,
-- normally none.
create index events_unhashed on events (id) where hash is null;
