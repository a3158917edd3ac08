-- 督办: a supervisor's order on a case with a reply deadline in working days; a late reply
-- escalates. Columns follow GB/T 39046 Table 11 (办件编号, 督办内容, 被督办机构, 事项类型,
-- 督办发出时间, 监察编号, 监察预警类型, 监察结果描述, 责任部门).
create table supervision_orders (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    number text not null unique,
    case_no text not null,
    department_code text not null,
    matter_kind text not null,
    warning text not null,
    content text not null,
    reply_days bigint not null,
    due_on text not null,
    issued_by text not null,
    issued_at bigint not null,
    reply text,
    replied_by text,
    replied_at bigint,
    escalated_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index supervision_orders_open on supervision_orders (center_id, replied_at, escalated_at, due_on);
