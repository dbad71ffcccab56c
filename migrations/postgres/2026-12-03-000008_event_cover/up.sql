-- The photo an event opens on (session.toml's `cover`, a file name); none: the first by name.
ALTER TABLE events ADD COLUMN cover_file TEXT;
