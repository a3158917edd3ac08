-- Cases (办件): the projection of each case's events. `state` is the fold of the case's events
-- (JSON); the other columns are copies of it that lists and supervision filter on. Deadline
-- columns are derived from the state and the center's calendar and are recomputed for every
-- open case whenever the calendar changes; they are never "time left".
create table cases (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    case_no text not null unique,
    matter_code text not null,
    matter_version bigint not null,
    department_code text not null,
    window_code text not null,
    status text not null,
    applicant_name text not null,
    received_at bigint not null,
    accepted_on text,
    due_promised text,
    due_legal text,
    yellow_from text,
    correction_due text not null,
    frozen_on text,
    state text not null,
    version bigint not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index cases_by_department on cases (center_id, department_code, status);
create index cases_by_window on cases (center_id, window_code, id);
create index cases_by_status_due on cases (center_id, status, due_promised);

-- Daily sequence of case numbers per center (办件编号 = center-date-sequence).
create table case_counters (
    center_id integer not null references centers (id),
    day text not null,
    last bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, day)
);
