-- The tamper-evident audit trail: each event's place in its center's chain, the SM3 link to the
-- event before it, and where the request came from. Events written before this migration get
-- their place once, when the store opens (see events::chain_unhashed); after that no column of
-- an event can change.
alter table events add column seq integer;
alter table events add column prev_hash text;
alter table events add column hash text;
alter table events add column ip text;
alter table events add column user_agent text;
create unique index events_by_chain on events (coalesce(center_id, 0), seq);

-- The last link of each chain (chain 0 holds events outside every center).
create table audit_heads (
    chain_key integer primary key,
    seq integer not null,
    hash text not null
);

drop trigger events_no_update;
create trigger events_no_update before update on events
when old.hash is not null or new.hash is null
    or new.id is not old.id or new.at is not old.at or new.actor is not old.actor
    or new.center_id is not old.center_id or new.subject_kind is not old.subject_kind
    or new.subject_id is not old.subject_id or new.kind is not old.kind
    or new.payload is not old.payload or new.created_at is not old.created_at
    or new.updated_at is not old.updated_at
    or new.ip is not old.ip or new.user_agent is not old.user_agent
begin
    select raise(abort, 'events are append-only');
end;
