-- Tickets and appointments used to keep the plain SHA-256 of the holder's ID number, which is
-- reversed by trying every possible ID. New rows keep the keyed blind index instead; rows that
-- no longer need any (finished tickets, appointments cancelled or checked in) drop it here.
-- Waiting tickets and booked appointments keep theirs until they end, when the store drops it
-- (the holder of an old booking can still cancel with the ID number).
update tickets set id_hash = null where status in ('serving', 'finished', 'no_show');
update appointments set id_hash = '-' where status <> 'booked';
