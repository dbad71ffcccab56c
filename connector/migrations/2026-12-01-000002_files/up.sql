-- What each library file hashed to, keyed by its path under the library, with the size and
-- modification time it had then: a file whose size and mtime still match is known without
-- reading it.
CREATE TABLE files (
    path TEXT NOT NULL PRIMARY KEY,
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    sha256 TEXT NOT NULL
);
