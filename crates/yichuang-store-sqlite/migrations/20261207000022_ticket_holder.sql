-- The ID number typed at the kiosk, sealed like every other personal value, so that the window
-- that calls the ticket can carry it into the intake form. Dropped when the ticket ends.
alter table tickets add column holder_id text;
