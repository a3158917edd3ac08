-- The light board's counts kept by the database itself: the clocked open cases (受理, 审批中,
-- 特别程序中 with a promised due date) counted by their derived deadline columns. Counting
-- them from the covering index read every case of a department on each desk page and every
-- case of the center on the supervisors' board; the distinct deadline combinations are a few
-- thousand.
--
-- A missing date is stored as '9999-12-31' (never yellow, no legal deadline, never frozen), so
-- that the key has no NULLs and the board's conditions read the same as over `cases`.
create table case_light_counts (
    center_id bigint not null,
    status text not null,
    department_code text not null,
    due_promised text not null,
    yellow_from text not null,
    due_legal text not null,
    frozen_on text not null,
    n bigint not null,
    primary key (center_id, status, department_code, due_promised, yellow_from, due_legal,
        frozen_on)
);

insert into case_light_counts
select center_id, status, department_code, due_promised, coalesce(yellow_from, '9999-12-31'),
    coalesce(due_legal, '9999-12-31'), coalesce(frozen_on, '9999-12-31'), count(*)
from cases
where status in ('accepted', 'in_process', 'suspended') and due_promised is not null
group by 1, 2, 3, 4, 5, 6, 7;

create function case_light_counts_apply() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE'
        and (old.center_id, old.status, old.department_code, old.due_promised, old.yellow_from,
            old.due_legal, old.frozen_on)
        is not distinct from (new.center_id, new.status, new.department_code, new.due_promised,
            new.yellow_from, new.due_legal, new.frozen_on) then
        return null;
    end if;
    if tg_op in ('UPDATE', 'DELETE') and old.status in ('accepted', 'in_process', 'suspended')
        and old.due_promised is not null then
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
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.status in ('accepted', 'in_process', 'suspended')
        and new.due_promised is not null then
        insert into case_light_counts values (new.center_id, new.status, new.department_code,
            new.due_promised, coalesce(new.yellow_from, '9999-12-31'),
            coalesce(new.due_legal, '9999-12-31'), coalesce(new.frozen_on, '9999-12-31'), 1)
        on conflict (center_id, status, department_code, due_promised, yellow_from, due_legal,
            frozen_on) do update set n = case_light_counts.n + 1;
    end if;
    return null;
end
$$;

create trigger cases_light_counts after insert or update or delete on cases
for each row execute function case_light_counts_apply();
