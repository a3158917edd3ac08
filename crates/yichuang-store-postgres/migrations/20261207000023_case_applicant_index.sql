-- Cases filed at a window have no applicant account; the applicant finds them in 我的办件 by
-- the verified ID number or credit code, through its keyed blind index (never the plain value).
-- Rows written before this column are filled once by the store at start (see sealing.rs).
alter table cases add column applicant_index text;
create index cases_applicant_index on cases (center_id, applicant_index);
