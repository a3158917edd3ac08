-- 一网通办 and the 电子证照库: applicant accounts (a users row with the applicant role plus its
-- real-name profile), phone verification codes, uploaded files, licences, and the owner of an
-- online case.
create table applicants (
    user_id bigint primary key references users (id),
    kind text not null,
    name text not null,
    id_number text not null unique,
    phone text not null unique,
    created_at bigint not null,
    updated_at bigint not null
);

-- One live code per phone; only its SHA-256 is stored. Failed attempts are counted so that a
-- code cannot be guessed.
create table verification_codes (
    phone text primary key,
    code_hash text not null,
    expires_at bigint not null,
    attempts bigint not null default 0,
    created_at bigint not null,
    updated_at bigint not null
);

-- The bytes live in the data directory under their SHA-256; the id is random so that it cannot
-- be guessed, and every read checks the owner.
create table files (
    id text primary key,
    owner_user_id bigint not null references users (id),
    sha256 text not null,
    size bigint not null,
    content_type text not null,
    name text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index files_by_owner on files (owner_user_id, created_at);

create table licenses (
    id bigint generated always as identity primary key,
    center_id bigint not null references centers (id),
    number text not null unique,
    type_code text not null,
    type_name text not null,
    holder_name text not null,
    holder_id text not null,
    issuer text not null,
    issued_on text not null,
    expires_on text,
    case_no text,
    trust_level text not null,
    source text not null,
    status text not null,
    expiry_notified_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index licenses_by_holder on licenses (holder_id, type_code);
create index licenses_expiring on licenses (expires_on) where expiry_notified_at is null;

alter table cases add column owner_user_id bigint;
create index cases_by_owner on cases (owner_user_id, id) where owner_user_id is not null;
