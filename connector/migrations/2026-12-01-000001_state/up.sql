-- Where each pull stands: the highest feed sequence number written into the inbox.
CREATE TABLE cursors (
    name TEXT NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);

-- Every sync run, for `status` and `logs`.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    -- ok, partial or failed; NULL while it runs (or when it was killed).
    result TEXT,
    -- What moved, one line each.
    summary TEXT NOT NULL DEFAULT '',
    -- Every per-item error, one line each, in plain words.
    errors TEXT NOT NULL DEFAULT ''
);
