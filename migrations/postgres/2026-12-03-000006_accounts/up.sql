-- Accounts that cannot be taken over or guessed at: a guest's address is confirmed by email
-- before the account signs in, and forgotten passwords are reset by a link sent by email.

-- When the guest followed the link of their confirmation email; until then the account cannot
-- sign in, is not in the studio's inbox, and registering the address again starts over.
ALTER TABLE guests ADD COLUMN confirmed_at TIMESTAMP;
UPDATE guests SET confirmed_at = created_at;

-- Single-use links sent by email: `confirm` (a guest's registration) or `reset` (a password).
-- The id is the SHA-256 of the link's random token: a copy of the database opens nothing.
CREATE TABLE login_links (
    id TEXT NOT NULL PRIMARY KEY,
    purpose TEXT NOT NULL,
    client_id TEXT REFERENCES clients(id) ON DELETE CASCADE,
    guest_id TEXT REFERENCES guests(id) ON DELETE CASCADE,
    -- The browser session that registered: the events it had opened go with the new account.
    web_session_id TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX login_links_by_expiry ON login_links (expires_at);

-- Secrets the server signs with (the CSRF token of a visitor who has no session), made once
-- and shared by every server process on the database.
CREATE TABLE site_keys (
    name TEXT NOT NULL PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
