-- Lists of the light board (the most overdue, the soonest due) read running cases in due-date
-- order from this partial covering index and stop after the page; suspended cases are few and
-- read through `cases_light_board`.
create index cases_running_due on cases (center_id, due_promised, department_code, yellow_from,
    due_legal) where status in ('accepted', 'in_process');
