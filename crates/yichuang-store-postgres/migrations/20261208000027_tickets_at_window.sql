-- The ticket at a window (called or being served) is read on every intake at that window:
-- found through this small partial index instead of scanning every called ticket of the
-- center (a day's called tickets pile up where clerks do not finish them).
create index tickets_at_window on tickets (center_id, window_code, day, called_at)
    where status in ('called', 'serving');
