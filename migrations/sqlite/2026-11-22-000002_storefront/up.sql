-- A client's chosen user name, kept lower case; NULL while the default (the email) applies.
CREATE UNIQUE INDEX clients_login_name ON clients (login_name);

-- People who registered to favorite or order in an event they were allowed to see.
CREATE TABLE guests (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- The email in lower case: one account per address.
    email_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    -- The event they registered from, for the studio's records.
    event_id TEXT REFERENCES events(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

-- A browser's session. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE web_sessions (
    id TEXT NOT NULL PRIMARY KEY,
    client_id TEXT REFERENCES clients(id) ON DELETE CASCADE,
    guest_id TEXT REFERENCES guests(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);

-- A personal link a client made for one guest; revoking it ends that guest's access.
CREATE TABLE guest_invites (
    id TEXT NOT NULL PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    guest_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- An event opened by its code or an invite, held by a browser session and, once the guest has
-- an account, by the account. A code pass holds while the event keeps that code.
CREATE TABLE event_passes (
    id TEXT NOT NULL PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    web_session_id TEXT REFERENCES web_sessions(id) ON DELETE CASCADE,
    guest_id TEXT REFERENCES guests(id) ON DELETE CASCADE,
    code TEXT,
    invite_id TEXT REFERENCES guest_invites(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX event_passes_by_session ON event_passes (web_session_id);
CREATE INDEX event_passes_by_guest ON event_passes (guest_id);

-- A person is a client or a guest: person_id is a clients.id or a guests.id.
CREATE TABLE favorites (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_kind TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (image_id, person_id)
);
CREATE INDEX favorites_by_event ON favorites (event_id, person_id);

CREATE TABLE person_groups (
    id TEXT NOT NULL PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    person_kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, person_id, name)
);

CREATE TABLE person_group_images (
    group_id TEXT NOT NULL REFERENCES person_groups(id) ON DELETE CASCADE,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, image_id)
);

-- The session's client picks one image for the yearbook.
CREATE TABLE yearbook_picks (
    event_id TEXT NOT NULL PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    picked_at TIMESTAMP NOT NULL
);

-- Videos as safe embed URLs rebuilt from the studio's embed code; never the code itself.
CREATE TABLE event_videos (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    video_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    embed_url TEXT NOT NULL,
    PRIMARY KEY (event_id, video_id)
);
