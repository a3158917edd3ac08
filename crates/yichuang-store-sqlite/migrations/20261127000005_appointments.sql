-- Appointments (预约) per category and slot. The holder is kept as the SHA-256 of the ID number
-- plus the name and phone the booking needs; an appointment's ticket is callable from the slot
-- start and then goes ahead of walk-ins.
create table appointments (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    group_code text not null,
    day text not null,
    slot_start bigint not null,
    slot_end bigint not null,
    id_hash text not null,
    name text not null,
    phone text not null,
    status text not null check (status in ('booked', 'cancelled', 'checked_in')),
    ticket_id bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index appointments_by_slot on appointments (center_id, group_code, slot_start, status);
create unique index appointments_one_per_person_day on appointments (center_id, group_code, day, id_hash)
    where status = 'booked';
