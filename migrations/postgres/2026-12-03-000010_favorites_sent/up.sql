-- How many photos the client chooses (session.toml's choose), by when, and whether fewer may
-- be sent.
ALTER TABLE events ADD COLUMN choose_count INTEGER;
ALTER TABLE events ADD COLUMN choose_by DATE;
ALTER TABLE events ADD COLUMN choose_fewer BOOLEAN NOT NULL DEFAULT FALSE;

-- "Send my favorites to the studio": the last time each person sent theirs, and how many.
CREATE TABLE favorites_sent (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    person_kind TEXT NOT NULL,
    image_count INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, person_id)
);
