-- The clerk who called a ticket, for per-clerk measures (served, no-shows, idle time).
alter table tickets add column clerk text;
