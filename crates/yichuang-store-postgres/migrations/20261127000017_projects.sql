-- Investment projects (投资项目): the project, each 工程建设项目审批 stage accepted at the
-- investment window (the stage clock starts on its day), the parallel cases of a stage, and the
-- 帮办/代办 staff who act for the company.
create table projects (
    id bigint generated always as identity primary key,
    center_id bigint not null references centers (id),
    code text not null unique,
    name text not null,
    company_name text not null,
    credit_code text not null,
    location text not null,
    investment text not null,
    industry text not null,
    contact text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index projects_by_company on projects (credit_code);

create table project_stages (
    id bigint generated always as identity primary key,
    project_id bigint not null references projects (id),
    stage text not null,
    opened_on text not null,
    limit_days bigint not null,
    window_code text not null,
    created_at bigint not null,
    updated_at bigint not null,
    unique (project_id, stage)
);

create table project_cases (
    project_id bigint not null references projects (id),
    stage text not null,
    case_no text not null unique,
    matter_code text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index project_cases_by_project on project_cases (project_id, stage);

create table project_agents (
    project_id bigint not null references projects (id),
    user_id bigint not null references users (id),
    created_at bigint not null,
    updated_at bigint not null,
    primary key (project_id, user_id)
);
