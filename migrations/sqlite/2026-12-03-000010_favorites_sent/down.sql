DROP TABLE favorites_sent;
ALTER TABLE events DROP COLUMN choose_fewer;
ALTER TABLE events DROP COLUMN choose_by;
ALTER TABLE events DROP COLUMN choose_count;
