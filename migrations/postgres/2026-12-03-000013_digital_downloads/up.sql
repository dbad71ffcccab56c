-- Digital downloads: price-list items that are files (one photo's, or the whole event's),
-- sessions that give files away (everyone's favorites or every photo, at a size), the kind of
-- each order line as it was bought, and a log of every file served.
ALTER TABLE price_list_items ADD COLUMN kind TEXT NOT NULL DEFAULT 'print';
ALTER TABLE events ADD COLUMN downloads TEXT NOT NULL DEFAULT 'none';
ALTER TABLE events ADD COLUMN download_size TEXT NOT NULL DEFAULT 'original';
ALTER TABLE order_lines ADD COLUMN kind TEXT NOT NULL DEFAULT 'print';

-- One row per file served (a ZIP: one per photo in it). The photo's name is kept, so a photo
-- taken off the gallery keeps its count until the session itself is taken down.
CREATE TABLE downloads (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    image_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    person_id TEXT NOT NULL,
    person_kind TEXT NOT NULL,
    bought BOOLEAN NOT NULL,
    size TEXT NOT NULL,
    in_zip BOOLEAN NOT NULL,
    downloaded_at TIMESTAMP NOT NULL
);
CREATE INDEX downloads_by_event ON downloads (event_id);
