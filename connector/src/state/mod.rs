//! The connector's own state, in a SQLite database under the library (`.proofroom/state.db`):
//! the feed cursor, the log of sync runs, and what each library file hashed to.

use std::path::Path;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

mod dav;
pub use dav::{DavItem, Origin};

/// The folder under the library that holds the connector's state.
pub const STATE_DIR: &str = ".proofroom";

mod schema {
    diesel::table! {
        cursors (name) {
            name -> Text,
            value -> BigInt,
        }
    }

    diesel::table! {
        runs (id) {
            id -> Integer,
            started_at -> Timestamp,
            finished_at -> Nullable<Timestamp>,
            result -> Nullable<Text>,
            summary -> Text,
            errors -> Text,
        }
    }

    diesel::table! {
        dav_collections (user_id, kind) {
            user_id -> Text,
            kind -> Text,
            href -> Text,
            sync_token -> Nullable<Text>,
            settings -> Text,
        }
    }

    diesel::table! {
        dav_items (user_id, kind, uid) {
            user_id -> Text,
            kind -> Text,
            uid -> Text,
            href -> Text,
            etag -> Nullable<Text>,
            origin -> Text,
            source -> Nullable<Text>,
            content_hash -> Text,
            data -> Nullable<Text>,
        }
    }

    diesel::table! {
        files (path) {
            path -> Text,
            size -> BigInt,
            mtime_ns -> BigInt,
            sha256 -> Text,
        }
    }
}

use schema::{cursors, files, runs};

/// The feed cursor's name in `cursors`.
const FEED: &str = "feed";

#[derive(Debug, thiserror::Error)]
#[error("the connector's state in {path}: {detail}")]
pub struct StateError {
    path: String,
    detail: String,
}

pub struct State {
    conn: SqliteConnection,
    path: String,
}

/// One sync run as logged.
#[derive(Debug, Clone, Queryable)]
pub struct Run {
    pub id: i32,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub result: Option<String>,
    pub summary: String,
    pub errors: String,
}

impl State {
    /// Opens (making it when missing) the state database of the library.
    pub fn open(library: &Path) -> Result<Self, StateError> {
        let dir = library.join(STATE_DIR);
        let path = dir.join("state.db").display().to_string();
        let fail = |detail: String| StateError { path: path.clone(), detail };
        std::fs::create_dir_all(&dir).map_err(|e| fail(e.to_string()))?;
        let mut conn = SqliteConnection::establish(&path).map_err(|e| fail(e.to_string()))?;
        // Another connector run may hold the database for a moment: wait rather than fail.
        diesel::sql_query("PRAGMA busy_timeout = 10000")
            .execute(&mut conn)
            .map_err(|e| fail(e.to_string()))?;
        conn.run_pending_migrations(MIGRATIONS).map_err(|e| fail(e.to_string()))?;
        Ok(Self { conn, path })
    }

    fn fail(&self, e: impl std::fmt::Display) -> StateError {
        StateError { path: self.path.clone(), detail: e.to_string() }
    }

    /// The highest feed sequence number written into the inbox; 0 before the first pull.
    pub fn feed_cursor(&mut self) -> Result<i64, StateError> {
        let value: Option<i64> = cursors::table
            .find(FEED)
            .select(cursors::value)
            .first(&mut self.conn)
            .optional()
            .map_err(|e| self.fail(e))?;
        Ok(value.unwrap_or(0))
    }

    pub fn set_feed_cursor(&mut self, value: i64) -> Result<(), StateError> {
        diesel::replace_into(cursors::table)
            .values((cursors::name.eq(FEED), cursors::value.eq(value)))
            .execute(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// A named number the connector keeps between runs (0 when never set).
    pub fn cursor(&mut self, name: &str) -> Result<i64, StateError> {
        let value: Option<i64> = cursors::table
            .find(name)
            .select(cursors::value)
            .first(&mut self.conn)
            .optional()
            .map_err(|e| self.fail(e))?;
        Ok(value.unwrap_or(0))
    }

    pub fn set_cursor(&mut self, name: &str, value: i64) -> Result<(), StateError> {
        diesel::replace_into(cursors::table)
            .values((cursors::name.eq(name), cursors::value.eq(value)))
            .execute(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Logs the start of a run; answers its id.
    pub fn start_run(&mut self) -> Result<i32, StateError> {
        self.conn
            .immediate_transaction(|conn| {
                diesel::insert_into(runs::table)
                    .values(runs::started_at.eq(now()))
                    .execute(conn)?;
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
                    "last_insert_rowid()",
                ))
                .get_result(conn)
            })
            .map_err(|e: diesel::result::Error| self.fail(e))
    }

    pub fn finish_run(
        &mut self,
        id: i32,
        result: &str,
        summary: &[String],
        errors: &[String],
    ) -> Result<(), StateError> {
        diesel::update(runs::table.find(id))
            .set((
                runs::finished_at.eq(now()),
                runs::result.eq(result),
                runs::summary.eq(summary.join("\n")),
                runs::errors.eq(errors.join("\n")),
            ))
            .execute(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// The last `n` runs, newest first.
    pub fn last_runs(&mut self, n: i64) -> Result<Vec<Run>, StateError> {
        runs::table.order(runs::id.desc()).limit(n).load(&mut self.conn).map_err(|e| self.fail(e))
    }
}

/// A file as it was when hashed: unchanged while its size and modification time are.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = files)]
pub struct FileStamp {
    /// Under the library, `/`-separated: `sessions/2026-0412/IMG 1.jpg`.
    pub path: String,
    pub size: i64,
    pub mtime_ns: i64,
    pub sha256: String,
}

impl State {
    /// Every remembered file hash.
    pub fn file_stamps(&mut self) -> Result<Vec<FileStamp>, StateError> {
        files::table.load(&mut self.conn).map_err(|e| self.fail(e))
    }

    /// Remembers these hashes, in one transaction.
    pub fn remember_files(&mut self, stamps: &[FileStamp]) -> Result<(), StateError> {
        if stamps.is_empty() {
            return Ok(());
        }
        self.conn
            .immediate_transaction(|conn| {
                for stamp in stamps {
                    diesel::replace_into(files::table).values(stamp).execute(conn)?;
                }
                Ok(())
            })
            .map_err(|e: diesel::result::Error| self.fail(e))
    }
}

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
