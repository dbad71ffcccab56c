//! One diesel code path for SQLite and PostgreSQL.
//!
//! The backend is chosen from the URL scheme (`sqlite://path` or `postgres://…`). Each pooled
//! connection is the [`DbConn`] enum derived with `diesel::MultiConnection`, so queries are
//! written once. Migrations are embedded per backend and run at start-up on a plain connection
//! (the enum has no migration harness).
//!
//! Query functions, here and in each table's owner, fail with [`Error`] (`db::Result`); the
//! HTTP edge turns it into an answer. [`run`] takes work that fails with either.

pub mod changes;
pub mod ids;
pub mod schema;

use std::time::Duration;

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use ids::*;

/// What the data layer fails with: a query's own error, or no connection to run it on. The
/// HTTP edge turns it into an answer (`AppError: From<db::Error>`); the data layer knows
/// nothing of HTTP.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("blocking task: {0}")]
    Blocking(String),
}

/// The data layer's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(String),
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "a sqlite:// URL needs a file path, e.g. sqlite://data/proofroom.db".into()
                );
            }
            Ok(Self::Sqlite(path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_string()))
        } else {
            Err(format!(
                "database URL must start with sqlite:// or postgres:// (got \"{}\")",
                url.split(':').next().unwrap_or_default()
            ))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Establishes the concrete connection itself: the enum's own `establish` hides the real
    /// reason (a refused connection becomes "invalid connection url").
    pub fn connect(&self) -> Result<DbConn, ConnectionError> {
        match self {
            Self::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the writer; busy_timeout makes writers queue
                // instead of failing; NORMAL sync is safe with WAL.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
            Self::Postgres(url) => Ok(DbConn::Postgres(PgConnection::establish(url)?)),
        }
    }
}

/// The r2d2 manager: establishes the variant the URL names, each connection counting the
/// statements it runs into the pool's [`QueryCount`].
pub struct Manager {
    url: DbUrl,
    queries: QueryCount,
}

/// How many statements a pool's connections have run since it opened: how a test tells that a
/// page costs a bounded number of queries, however many photos it shows.
#[derive(Clone, Default)]
pub struct QueryCount(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl QueryCount {
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        let mut conn = self.url.connect().map_err(r2d2::Error::ConnectionError)?;
        let queries = self.queries.0.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                queries.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (a panic, a failed rollback) would keep SQLite's
    /// write lock: it is dropped rather than reused.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        std::thread::panicking()
            || <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Runs pending migrations, then opens the pool.
pub fn open(url: &str, max_connections: u32) -> anyhow::Result<Pool> {
    Ok(open_counted(url, max_connections)?.0)
}

/// [`open`], with the count of statements the pool's connections run.
pub fn open_counted(url: &str, max_connections: u32) -> anyhow::Result<(Pool, QueryCount)> {
    let url = DbUrl::parse(url).map_err(anyhow::Error::msg)?;
    if let DbUrl::Sqlite(path) = &url
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    run_migrations(&url)?;
    let queries = QueryCount::default();
    // SQLite has one writer; a small pool avoids piling writers on busy_timeout.
    let size = match url {
        DbUrl::Sqlite(_) => max_connections.min(8),
        DbUrl::Postgres(_) => max_connections,
    };
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .build(Manager { url, queries: queries.clone() })?;
    Ok((pool, queries))
}

pub fn run_migrations(url: &DbUrl) -> anyhow::Result<()> {
    let result = match url.connect()? {
        DbConn::Sqlite(mut conn) => conn.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConn::Postgres(mut conn) => conn.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| anyhow::anyhow!("migrations failed: {e}"))
}

/// Reverts every migration; for the migration tests.
pub fn revert_all_migrations(url: &DbUrl) -> anyhow::Result<()> {
    let result = match url.connect()? {
        DbConn::Sqlite(mut conn) => conn.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConn::Postgres(mut conn) => conn.revert_all_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| anyhow::anyhow!("reverting migrations failed: {e}"))
}

/// Runs database work on actix's blocking pool, never on the async workers.
///
/// The work fails with its caller's error: the data layer's [`Error`], or a handler's own error
/// when the work also decides what to answer (anything a [`db::Error`](Error) converts into).
pub async fn run<T, E, F>(pool: &Pool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(Error::from)?;
        work(&mut conn)
    })
    .await
    .map_err(|e| Error::Blocking(e.to_string()))?
}

/// Whether a write failed because its key is taken: another writer got there first.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The current time in UTC, as stored.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Runs `work` in a transaction that takes the write lock before anything else.
///
/// SQLite's default (deferred) transaction fails at once with "database is locked" when it has
/// read, another connection has written since, and it then writes; taking the lock first makes
/// concurrent writers queue on `busy_timeout` instead. PostgreSQL needs nothing extra.
pub fn write_transaction<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConn::Sqlite(sqlite) = conn {
            // A write that changes nothing, to diesel's own table: `db` names no domain table.
            sqlite.batch_execute("DELETE FROM __diesel_schema_migrations WHERE 0")?;
        }
        work(conn)
    })
}
