-- 一事一评: evaluations of a case carry the responsible department, the matter and the stage
-- (handling or result); one per case per stage.
alter table evaluations add column department_code text;
alter table evaluations add column matter_code text;
alter table evaluations add column stage text;
create unique index evaluations_one_per_case_stage on evaluations (case_no, stage)
    where ticket_id is null and stage is not null;

-- Invitations to rate a case, printed on the 送达回证 as a link and QR code. Only the SHA-256 of
-- the token is kept.
create table evaluation_invites (
    token_hash text primary key,
    center_id integer not null references centers (id),
    case_no text not null,
    created_at bigint not null,
    updated_at bigint not null
);

-- 差评整改: a bad review opens a rectification for the responsible department with its own
-- working-day deadline; a call-back (回访) records whether the applicant was reached and what
-- they said; the department may appeal (申诉) and a supervisor decides.
create table rectifications (
    id integer primary key autoincrement,
    center_id integer not null references centers (id),
    evaluation_id bigint not null unique references evaluations (id),
    case_no text,
    department_code text not null,
    level text not null,
    comment text not null,
    opened_on text not null,
    due_on text not null,
    status text not null check (status in ('open', 'appealed', 'completed', 'voided')),
    callback_at bigint,
    callback_reached boolean,
    callback_response text,
    completed_at bigint,
    completed_on text,
    completion_note text,
    appeal_reason text,
    appealed_at bigint,
    appeal_decision text,
    appeal_decided_by text,
    created_at bigint not null,
    updated_at bigint not null
);
create index rectifications_by_department on rectifications (center_id, department_code, status);
