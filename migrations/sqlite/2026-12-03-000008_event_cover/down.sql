ALTER TABLE events DROP COLUMN cover_file;
