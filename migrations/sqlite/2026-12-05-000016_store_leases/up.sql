-- Which stored files servers are between writing and recording: while a key is held here, no
-- server deletes that file, though nothing refers to it yet. Files are content-addressed and
-- shared, so with several servers on one store the decision to delete is taken here, in the
-- database they share, not in one process's memory. `holders` counts the writers at work on
-- the key; `expires_at` ends the hold of writers that died without letting go.
CREATE TABLE store_leases (
    store_key TEXT PRIMARY KEY NOT NULL,
    holders INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
