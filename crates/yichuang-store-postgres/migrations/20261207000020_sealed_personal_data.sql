-- Personal data sealed at rest (SM4-GCM envelopes written by the application) and the blind
-- indexes (HMAC-SM3) that lookups use instead of the plain values. Rows written before this
-- migration are sealed and indexed by the store when it opens (reseal_personal_data); until
-- then the index columns are null. Verification codes are keyed by the phone's index alone.
alter table applicants add column id_index text;
alter table applicants add column phone_index text;
create unique index applicants_by_id_index on applicants (id_index);
create unique index applicants_by_phone_index on applicants (phone_index);
alter table licenses add column holder_index text;
create index licenses_by_holder_index on licenses (holder_index, type_code);
drop index licenses_by_holder;
alter table projects add column credit_index text;
create index projects_by_credit_index on projects (credit_index);
drop index projects_by_company;
-- A live code is short-lived: the table is emptied rather than migrated.
delete from verification_codes;

-- The key the last complete re-sealing pass used; a start with the same current key skips it.
create table sealing_passes (
    name text primary key,
    kid text not null,
    rows_sealed bigint not null,
    updated_at bigint not null
);
