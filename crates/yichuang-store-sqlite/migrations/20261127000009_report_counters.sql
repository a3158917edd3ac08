-- Report counters (日报、绩效): (center, Asia/Shanghai day, dimension, key, metric) → value,
-- added in the same transaction as the event they come from, so that a report reads a few
-- hundred rows whatever the number of cases. `yichuang report rebuild` recomputes them from
-- the event log.
create table report_counters (
    center_id integer not null references centers (id),
    day text not null,
    dim text not null,
    dim_key text not null,
    metric text not null,
    value bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (center_id, day, dim, dim_key, metric)
);
