-- The light board's counts kept by the database itself: the clocked open cases (受理, 审批中,
-- 特别程序中 with a promised due date) counted by their derived deadline columns. Counting
-- them from the covering index read every case of a department on each desk page (71 399
-- entries for one department over a million cases, 18 ms) and every case of the center on the
-- supervisors' board (1.3 s); the distinct deadline combinations are a few thousand.
--
-- A missing date is stored as '9999-12-31' (never yellow, no legal deadline, never frozen), so
-- that the key has no NULLs and the board's conditions read the same as over `cases`.
create table case_light_counts (
    center_id integer not null,
    status text not null,
    department_code text not null,
    due_promised text not null,
    yellow_from text not null,
    due_legal text not null,
    frozen_on text not null,
    n integer not null,
    primary key (center_id, status, department_code, due_promised, yellow_from, due_legal,
        frozen_on)
) without rowid;

insert into case_light_counts
select center_id, status, department_code, due_promised, coalesce(yellow_from, '9999-12-31'),
    coalesce(due_legal, '9999-12-31'), coalesce(frozen_on, '9999-12-31'), count(*)
from cases
where status in ('accepted', 'in_process', 'suspended') and due_promised is not null
group by 1, 2, 3, 4, 5, 6, 7;

create trigger cases_light_counts_insert after insert on cases
when new.status in ('accepted', 'in_process', 'suspended') and new.due_promised is not null
begin
    insert into case_light_counts values (new.center_id, new.status, new.department_code,
        new.due_promised, coalesce(new.yellow_from, '9999-12-31'),
        coalesce(new.due_legal, '9999-12-31'), coalesce(new.frozen_on, '9999-12-31'), 1)
    on conflict do update set n = n + 1;
end;

-- Only when a counted column changed (every case update sets them all).
create trigger cases_light_counts_update after update on cases
when old.center_id is not new.center_id or old.status is not new.status
    or old.department_code is not new.department_code
    or old.due_promised is not new.due_promised or old.yellow_from is not new.yellow_from
    or old.due_legal is not new.due_legal or old.frozen_on is not new.frozen_on
begin
    update case_light_counts set n = n - 1
    where old.status in ('accepted', 'in_process', 'suspended') and old.due_promised is not null
        and center_id = old.center_id and status = old.status
        and department_code = old.department_code and due_promised = old.due_promised
        and yellow_from = coalesce(old.yellow_from, '9999-12-31')
        and due_legal = coalesce(old.due_legal, '9999-12-31')
        and frozen_on = coalesce(old.frozen_on, '9999-12-31');
    delete from case_light_counts
    where n <= 0 and center_id = old.center_id and status = old.status
        and department_code = old.department_code and due_promised = old.due_promised
        and yellow_from = coalesce(old.yellow_from, '9999-12-31')
        and due_legal = coalesce(old.due_legal, '9999-12-31')
        and frozen_on = coalesce(old.frozen_on, '9999-12-31');
    insert into case_light_counts
    select new.center_id, new.status, new.department_code, new.due_promised,
        coalesce(new.yellow_from, '9999-12-31'), coalesce(new.due_legal, '9999-12-31'),
        coalesce(new.frozen_on, '9999-12-31'), 1
    where new.status in ('accepted', 'in_process', 'suspended') and new.due_promised is not null
    on conflict do update set n = n + 1;
end;

create trigger cases_light_counts_delete after delete on cases
when old.status in ('accepted', 'in_process', 'suspended') and old.due_promised is not null
begin
    update case_light_counts set n = n - 1
    where center_id = old.center_id and status = old.status
        and department_code = old.department_code and due_promised = old.due_promised
        and yellow_from = coalesce(old.yellow_from, '9999-12-31')
        and due_legal = coalesce(old.due_legal, '9999-12-31')
        and frozen_on = coalesce(old.frozen_on, '9999-12-31');
    delete from case_light_counts
    where n <= 0 and center_id = old.center_id and status = old.status
        and department_code = old.department_code and due_promised = old.due_promised
        and yellow_from = coalesce(old.yellow_from, '9999-12-31')
        and due_legal = coalesce(old.due_legal, '9999-12-31')
        and frozen_on = coalesce(old.frozen_on, '9999-12-31');
end;
