-- Background jobs (sweeps) claim each run here, so that with several server instances on one
-- database a job runs once per period, not once per instance. `run_at` is epoch milliseconds
-- of the injected clock, like every other time.
create table job_runs (
    name text primary key,
    holder text not null,
    run_at bigint not null
);
