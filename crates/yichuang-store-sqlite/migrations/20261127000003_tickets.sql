-- The hall queue: tickets, their daily numbering per group, and each window's calling state.
-- The holder's ID number is never stored: only its SHA-256, to enforce one waiting ticket per
-- person per category.
create table tickets (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    day text not null,
    group_code text not null,
    number text not null,
    kind text not null check (kind in ('normal', 'priority', 'appointment')),
    status text not null check (status in ('waiting', 'called', 'serving', 'finished', 'no_show')),
    id_hash text,
    issued_at bigint not null,
    callable_at bigint not null,
    queue_at bigint not null,
    target_window text,
    window_code text,
    called_at bigint,
    started_at bigint,
    finished_at bigint,
    no_show_at bigint,
    recalls bigint not null default 0,
    case_no text,
    created_at bigint not null,
    updated_at bigint not null
);
create index tickets_callable on tickets (center_id, status, group_code, kind, queue_at);
create unique index tickets_one_waiting_per_person on tickets (center_id, group_code, id_hash)
    where id_hash is not null and status in ('waiting', 'called');

create table ticket_counters (
    center_id integer not null references centers (id),
    day text not null,
    group_code text not null,
    last bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, day, group_code)
);

create table window_states (
    center_id integer not null references centers (id),
    window_code text not null,
    paused boolean not null default false,
    cycle bigint not null default 0,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, window_code)
);
