-- The calendar and contacts sync: per user, the collection each kind syncs with and the server's
-- sync token for it, and every calendar event and contact card linked to a remote resource.
CREATE TABLE dav_collections (
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,            -- 'calendar' or 'contacts'
    href TEXT NOT NULL,
    sync_token TEXT,
    -- The user's switches the token was used with: when they change, the next sync reads the
    -- whole collection again (e.g. tentative events now wanted).
    settings TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE dav_items (
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,            -- 'calendar' or 'contacts'
    uid TEXT NOT NULL,
    href TEXT NOT NULL,
    etag TEXT,
    -- 'studio': the library's (a session, an appointment, a client), sent out;
    -- 'remote': made on the phone, brought back to the inbox.
    origin TEXT NOT NULL,
    -- For 'studio': what it is in the library ('session/<id>', 'calendar/<id>', 'client/<id>').
    source TEXT,
    -- The hash of what was last sent ('studio') or last brought back ('remote').
    content_hash TEXT NOT NULL,
    -- For 'remote': the resource as last fetched, for the conflict check.
    data TEXT,
    PRIMARY KEY (user_id, kind, uid)
);
CREATE INDEX dav_items_href ON dav_items (user_id, kind, href);
