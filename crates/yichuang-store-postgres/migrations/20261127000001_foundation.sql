-- Foundation schema: centers, catalog with matter versions, calendar, staff, sessions and the
-- append-only event log. Instants are BIGINT epoch milliseconds (UTC); dates a person or the law
-- sees are TEXT 'YYYY-MM-DD' in Asia/Shanghai.

create table centers (
    id bigint generated always as identity primary key,
    code text not null unique,
    name text not null,
    region_code text,
    region_name text,
    created_at bigint not null,
    updated_at bigint not null
);

create table window_groups (
    center_id bigint not null references centers (id),
    code text not null,
    name text not null,
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, code)
);

create table departments (
    center_id bigint not null references centers (id),
    code text not null,
    name text not null,
    short_name text not null,
    in_center boolean not null,
    window_group text not null,
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, code)
);

create table windows (
    center_id bigint not null references centers (id),
    code text not null,
    name text not null,
    group_code text not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, code)
);

create table license_types (
    center_id bigint not null references centers (id),
    code text not null,
    name text not null,
    issuer text not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, code)
);

-- Every version of every matter's guide, kept forever: cases stay bound to the version they were
-- accepted under.
create table matter_versions (
    center_id bigint not null references centers (id),
    matter_code text not null,
    version bigint not null,
    effective_from bigint not null,
    content_hash text not null,
    guide text not null,
    created_at bigint not null,
    primary key (center_id, matter_code, version)
);

-- Projection of the version in force, with the columns lists filter on.
create table matters (
    center_id bigint not null references centers (id),
    code text not null,
    name text not null,
    department_code text not null,
    kind text not null,
    window_group text not null,
    handling text not null,
    promised_limit_days bigint not null,
    legal_limit_days bigint not null,
    online_depth bigint not null,
    version bigint not null,
    content_hash text not null,
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, code),
    foreign key (center_id, department_code) references departments (center_id, code),
    foreign key (center_id, code, version) references matter_versions (center_id, matter_code, version)
);
create index matters_by_department on matters (center_id, department_code, position);
create index matters_by_group on matters (center_id, window_group, position);

create table calendar_days (
    center_id bigint not null references centers (id),
    day text not null,
    kind text not null check (kind in ('holiday', 'workday')),
    note text not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, day)
);

-- Years whose official schedule has been entered; other years fall back to Monday–Friday and
-- their deadlines are provisional.
create table calendar_years (
    center_id bigint not null references centers (id),
    year bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, year)
);

create table users (
    id bigint generated always as identity primary key,
    center_id bigint not null references centers (id),
    username text not null unique,
    display_name text not null,
    password_hash text not null,
    roles text not null,
    department_code text,
    window_code text,
    failed_logins bigint not null default 0,
    locked_until bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create table sessions (
    token_hash text primary key,
    user_id bigint not null references users (id),
    kind text not null check (kind in ('cookie', 'api')),
    expires_at bigint not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index sessions_by_user on sessions (user_id);

-- The spine: every change is an event, written in the same transaction as its projections.
create table events (
    id bigint generated always as identity primary key,
    at bigint not null,
    actor text not null,
    center_id bigint references centers (id),
    subject_kind text not null,
    subject_id text not null,
    kind text not null,
    payload text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index events_by_subject on events (subject_kind, subject_id, id);
create index events_by_center on events (center_id, id);

-- The log is append-only: the database itself refuses to change or remove an event.
create function events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'events are append-only';
end;
$$;
create trigger events_no_update before update or delete on events
    for each row execute function events_append_only();
create trigger events_no_truncate before truncate on events
    for each statement execute function events_append_only();
