-- Album proofing: the studio's album designs per session, revision after revision; each
-- revision's pages (previews made like proofs, content-addressed); the client's sticky notes
-- and comments, kept as a draft until the revision is answered (comments sent, or approved).
-- The studio's album settings (studio.toml [albums]).
ALTER TABLE studio ADD COLUMN album_watermark BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE studio ADD COLUMN album_remind_after_days INTEGER NOT NULL DEFAULT 7;

CREATE TABLE albums (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id),
    studio_album_id TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, studio_album_id)
);

CREATE TABLE album_revisions (
    id TEXT PRIMARY KEY NOT NULL,
    album_id TEXT NOT NULL REFERENCES albums(id),
    number INTEGER NOT NULL,
    -- Set once every page is held: from then the client sees this revision.
    ready_at TIMESTAMP,
    -- 'comments' or 'approved', once the client answered; final.
    decision TEXT,
    answered_at TIMESTAMP,
    answered_by TEXT REFERENCES clients(id),
    -- The name typed to approve, like a signature.
    approved_name TEXT,
    general_comment TEXT NOT NULL DEFAULT '',
    notified_at TIMESTAMP,
    reminded_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (album_id, number)
);

CREATE TABLE album_pages (
    id TEXT PRIMARY KEY NOT NULL,
    revision_id TEXT NOT NULL REFERENCES album_revisions(id),
    -- 1, 2, 3 … in the file names' numeric order.
    position INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_bytes BIGINT NOT NULL,
    -- Null until the page's file is uploaded and its previews made.
    width INTEGER,
    height INTEGER,
    -- The clean preview (pinned pages are drawn on it), what the client sees (watermarked when
    -- the studio says so; else the same key) and the strip's thumbnail.
    clean_key TEXT,
    view_key TEXT,
    thumb_key TEXT,
    comment TEXT NOT NULL DEFAULT '',
    UNIQUE (revision_id, file_name)
);
CREATE INDEX album_pages_by_clean_key ON album_pages (clean_key);
CREATE INDEX album_pages_by_view_key ON album_pages (view_key);
CREATE INDEX album_pages_by_thumb_key ON album_pages (thumb_key);

CREATE TABLE album_notes (
    id TEXT PRIMARY KEY NOT NULL,
    page_id TEXT NOT NULL REFERENCES album_pages(id),
    -- Where on the page, as fractions of its width and height (0–1).
    x DOUBLE PRECISION NOT NULL,
    y DOUBLE PRECISION NOT NULL,
    body TEXT NOT NULL,
    -- The gallery photo the client wants here instead, if any.
    swap_image_id TEXT REFERENCES images(id) ON DELETE SET NULL,
    swap_file_name TEXT,
    author_id TEXT NOT NULL REFERENCES clients(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX album_notes_by_page ON album_notes (page_id);
