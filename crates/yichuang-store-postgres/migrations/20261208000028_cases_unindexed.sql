-- Every start looks for cases whose applicant has no blind index yet (written before sealing,
-- or by an older version). Without an index that search read the whole cases table (2.2 s
-- over a million cases); this partial index holds only those cases, normally none.
create index cases_unindexed on cases (id) where applicant_index is null;
