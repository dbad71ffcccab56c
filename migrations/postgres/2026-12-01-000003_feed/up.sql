-- What clients did, for the connector to pull into the studio's inbox. One row names a thing
-- that changed (a new guest account, an event's favorites, an event's yearbook pick); what it
-- holds is read when the connector fetches it, so a row is never stale. A newer change of the
-- same thing replaces a row not yet downloaded.
CREATE TABLE feed_items (
    seq BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    downloaded_at TIMESTAMP
);
CREATE INDEX feed_items_waiting ON feed_items (downloaded_at, seq);
CREATE INDEX feed_items_by_subject ON feed_items (kind, subject);
