-- 好差评: one row per evaluation. Levels and indicator values are stored by meaning
-- ('very_satisfied' …), never as numbers, because national and provincial interfaces number
-- them in opposite orders.
create table evaluations (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    ticket_id bigint references tickets (id),
    case_no text,
    window_code text,
    clerk text,
    level text not null check (level in ('very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied')),
    indicators text not null,
    channel text not null,
    comment text not null,
    created_at bigint not null,
    updated_at bigint not null
);
-- One evaluation per ticket (一次一评).
create unique index evaluations_one_per_ticket on evaluations (ticket_id) where ticket_id is not null;
create index evaluations_by_center on evaluations (center_id, created_at);
