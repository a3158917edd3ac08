-- `cases_light_board` (center, status, …) and `cases_running_due` now serve every query that
-- used this index; one index less to maintain when every open case's deadlines are re-projected.
drop index cases_by_status_due;
