-- The catalog's referrals to other agencies (非本中心业务指引, the catalog file's `elsewhere`):
-- kept whole as the file's JSON list, because search reads them all at once and nothing filters
-- on them. Centers imported before this column have none until their next import.
alter table centers add column referrals text not null default '[]';
