-- The push to the provincial platform goes through the outbox: one row per case event or
-- evaluation (`event_id`, at most once per channel), sent in event order with retries. A row
-- being sent is leased (`holder`, `lease_until`, epoch milliseconds of the injected clock) so
-- that of several server instances only one sends it; `attempts` and `last_error` tell an
-- administrator why a row is late or dead.
alter table outbox add column event_id bigint;
alter table outbox add column attempts integer not null default 0;
alter table outbox add column next_attempt_at bigint;
alter table outbox add column last_error text;
alter table outbox add column holder text;
alter table outbox add column lease_until bigint;
create unique index outbox_by_event on outbox (channel, event_id);
create index outbox_pending on outbox (channel, status, event_id);
