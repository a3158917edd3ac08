-- The tamper-evident audit trail: each event's place in its center's chain, the SM3 link to the
-- event before it, and where the request came from. Events written before this migration get
-- their place once, when the store opens (see events::chain_unhashed); after that no column of
-- an event can change.
alter table events add column seq bigint;
alter table events add column prev_hash text;
alter table events add column hash text;
alter table events add column ip text;
alter table events add column user_agent text;
create unique index events_by_chain on events ((coalesce(center_id, 0)), seq);

-- The last link of each chain (chain 0 holds events outside every center).
create table audit_heads (
    chain_key bigint primary key,
    seq bigint not null,
    hash text not null
);

create or replace function events_append_only() returns trigger language plpgsql as $$
begin
    -- The one change ever allowed: an event from before the chain gets its place in it.
    if tg_op = 'UPDATE' and old.hash is null and new.hash is not null
        and new.id = old.id and new.at = old.at and new.actor = old.actor
        and new.center_id is not distinct from old.center_id
        and new.subject_kind = old.subject_kind and new.subject_id = old.subject_id
        and new.kind = old.kind and new.payload = old.payload
        and new.created_at = old.created_at and new.updated_at = old.updated_at
        and new.ip is not distinct from old.ip
        and new.user_agent is not distinct from old.user_agent then
        return new;
    end if;
    raise exception 'events are append-only';
end;
$$;
