-- Several centers in one installation: a city center, its sub-centers (分中心), districts and
-- townships (乡镇/街道便民服务中心), each pointing at the center it reports to.
alter table centers add column parent_id bigint references centers (id);
alter table centers add column kind text not null default 'city';
