-- 电子监察: the last recorded light of each case (so that a sweep records every change exactly
-- once, however often or however many workers run it) and the in-app notifications sent to the
-- responsible department.
create table case_lights (
    case_no text primary key,
    center_id integer not null references centers (id),
    light text not null,
    legal_overdue boolean not null,
    created_at bigint not null,
    updated_at bigint not null
);

create table notifications (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    department_code text not null,
    case_no text,
    kind text not null,
    message text not null,
    read_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index notifications_by_department on notifications (center_id, department_code, id);
