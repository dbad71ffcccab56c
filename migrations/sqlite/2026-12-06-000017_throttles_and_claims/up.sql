-- Failed attempts counted per key (an address, an account, an event code) in fixed windows.
-- Kept in the database, not in a server's memory, so that a limit holds for all the servers
-- of a site together: 20 wrong codes an hour from one address in total, not per server.
CREATE TABLE throttle_counts (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL
);

-- Background work that one server of several does at a time: a round of gallery notices, the
-- clean-up of expired sessions, re-rendering. The server named `holder` (a name it makes at
-- start) holds the row until `held_until`; another finds it held and leaves the work to it. A
-- server that dies lets its claim lapse, and the work is picked up again.
CREATE TABLE job_claims (
    job TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    held_until TIMESTAMP NOT NULL
);
