-- The light board counts a center's clocked open cases by department from their derived
-- deadline columns alone; this covering index lets it do so without reading any case's state.
create index cases_light_board on cases (center_id, status, department_code, due_promised,
    yellow_from, due_legal, frozen_on);
