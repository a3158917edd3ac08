-- Messages for SMS or WeChat. The default notifier only queues them here, where administrators
-- read them; a gateway integration delivers and marks them.
create table outbox (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    channel text not null,
    recipient text not null,
    subject_kind text not null,
    subject_id text not null,
    message text not null,
    status text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index outbox_by_center on outbox (center_id, id);
