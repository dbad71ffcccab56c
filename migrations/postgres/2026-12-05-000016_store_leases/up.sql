-- Which stored files a server is between writing and recording: while a key is held here, no
-- server deletes that file, though nothing refers to it yet. Files are content-addressed and
-- shared, so with several servers on one store the decision to delete is taken here, in the
-- database they share, not in one process's memory.
CREATE TABLE store_leases (
    store_key TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
