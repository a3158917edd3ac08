-- The folded state of each case (JSON, a few kilobytes) moves to its own table so that the
-- `cases` rows, which hold the filter and deadline columns, stay narrow: re-projecting every open
-- case after a calendar change rewrites small rows instead of the whole state.
create table case_states (
    case_id bigint primary key references cases (id),
    state text not null,
    created_at bigint not null,
    updated_at bigint not null
);
insert into case_states (case_id, state, created_at, updated_at)
    select id, state, created_at, updated_at from cases;
alter table cases drop column state;
