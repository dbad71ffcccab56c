//! Safe deletes of shared files, decided in the database (owner of `store_leases`).
//!
//! Files are content-addressed: two images with the same bytes share a file, and a file whose
//! last reference goes away may be written again a moment later by an upload on another server.
//! A writer therefore [`hold`]s the keys it is about to store before it writes them, and lets
//! go once its rows refer to them; [`delete_unreferenced`] deletes a file only inside a write
//! transaction that has taken the key's lease row, finds no live lease and no reference. A
//! writer that comes during the delete waits for that row and then writes the file afresh; one
//! that came before is seen and the file is kept.

use std::io;
use std::time::Duration;

use diesel::prelude::*;

use super::Store;
use crate::db::schema::store_leases;
use crate::db::{self, DbConn};

/// How long a lease lasts if its writer dies before letting go: longer than any upload takes.
pub const LEASE: Duration = Duration::from_secs(6 * 3600);

/// What deleting failed with: the database, or the store.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Db(#[from] db::Error),
    #[error("deleting a stored file: {0}")]
    Store(#[from] io::Error),
}

impl From<diesel::result::Error> for DeleteError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Claims `keys` for a writer for [`LEASE`]: committed on its own, before any file is written.
/// Several writers may hold one key (the same photo uploaded twice at once): each counts.
pub fn hold(conn: &mut DbConn, keys: &[String]) -> db::Result<()> {
    let until = db::now() + chrono::Duration::from_std(LEASE).expect("a short lease");
    // A key named twice (an album page's clean and view file may be one) is one hold: release
    // lets go of each key once.
    let keys: std::collections::BTreeSet<&String> = keys.iter().collect();
    for key in keys {
        // Two writers (or a writer and a deleter) may insert the same key at once: the one
        // that loses the race tries again, and then finds the row to update.
        let mut tries = 0;
        loop {
            tries += 1;
            let claimed = db::write_transaction(conn, |conn| {
                // Locks the row first (a deleter deciding now is waited for).
                let found = diesel::update(store_leases::table.find(key))
                    .set(store_leases::store_key.eq(key))
                    .execute(conn)?;
                if found == 0 {
                    diesel::insert_into(store_leases::table)
                        .values((
                            store_leases::store_key.eq(key),
                            store_leases::holders.eq(1),
                            store_leases::expires_at.eq(until),
                        ))
                        .execute(conn)?;
                    return Ok(());
                }
                let (holders, expires): (i32, chrono::NaiveDateTime) = store_leases::table
                    .find(key)
                    .select((store_leases::holders, store_leases::expires_at))
                    .first(conn)?;
                // Holds that lapsed were of writers that died: they count no more.
                let holders = if expires > db::now() { holders.max(0) + 1 } else { 1 };
                diesel::update(store_leases::table.find(key))
                    .set((store_leases::holders.eq(holders), store_leases::expires_at.eq(until)))
                    .execute(conn)?;
                Ok::<_, diesel::result::Error>(())
            });
            match claimed {
                Err(e) if db::is_unique_violation(&e) && tries < 5 => continue,
                other => break other?,
            }
        }
    }
    Ok(())
}

/// The writer's rows now refer to `keys` (or it gave up): its holds end; others' stay.
pub fn release(conn: &mut DbConn, keys: &[String]) -> db::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    db::write_transaction(conn, |conn| {
        diesel::update(store_leases::table.filter(store_leases::store_key.eq_any(keys)))
            .set(store_leases::holders.eq(store_leases::holders - 1))
            .execute(conn)?;
        diesel::delete(
            store_leases::table
                .filter(store_leases::store_key.eq_any(keys))
                .filter(store_leases::holders.le(0)),
        )
        .execute(conn)?;
        Ok(())
    })
}

/// Stores and records under a hold: holds `keys`, runs `write` (which stores files under them
/// and records the rows that refer to them), and lets go whatever `write` answered. When it
/// failed, what it may have stored that nothing (by `referenced`) refers to is deleted again.
pub fn writing<T, E>(
    conn: &mut DbConn,
    store: &dyn Store,
    keys: &[String],
    referenced: &dyn Fn(&mut DbConn, &str) -> db::Result<bool>,
    write: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<db::Error>,
{
    hold(conn, keys)?;
    let written = write(conn);
    let released = release(conn, keys);
    if written.is_err()
        && let Err(e) = delete_unreferenced(conn, store, keys, referenced)
    {
        tracing::warn!("deleting what a failed write stored: {e}");
    }
    let value = written?;
    released?;
    Ok(value)
}

/// Deletes each of `keys` from `store` that `referenced` says nothing refers to and no writer
/// holds; answers how many were deleted. `referenced` runs inside the deciding transaction.
pub fn delete_unreferenced(
    conn: &mut DbConn,
    store: &dyn Store,
    keys: &[String],
    referenced: &dyn Fn(&mut DbConn, &str) -> db::Result<bool>,
) -> Result<usize, DeleteError> {
    let mut deleted = 0;
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        if !seen.insert(key) {
            continue;
        }
        let decided = db::write_transaction(conn, |conn| -> Result<bool, DeleteError> {
            let now = db::now();
            // Take the key's row: the writers' lease as it is (locked by a no-op update), or a
            // marker of our own that a writer arriving now must wait behind until we commit.
            let locked = diesel::update(store_leases::table.find(key))
                .set(store_leases::store_key.eq(key))
                .execute(conn)?;
            if locked == 0 {
                let marker = chrono::DateTime::UNIX_EPOCH.naive_utc();
                diesel::insert_into(store_leases::table)
                    .values((
                        store_leases::store_key.eq(key),
                        store_leases::holders.eq(0),
                        store_leases::expires_at.eq(marker),
                    ))
                    .execute(conn)?;
            }
            let (holders, expires): (i32, chrono::NaiveDateTime) = store_leases::table
                .find(key)
                .select((store_leases::holders, store_leases::expires_at))
                .first(conn)?;
            if holders > 0 && expires > now {
                return Ok(false);
            }
            // Our marker, or the hold of writers that died: either way no longer wanted.
            diesel::delete(store_leases::table.find(key)).execute(conn)?;
            if referenced(conn, key)? {
                return Ok(false);
            }
            store.delete(key)?;
            Ok(true)
        });
        let gone = match decided {
            // A writer claimed the key while we looked: it is theirs, not ours to delete.
            Err(DeleteError::Db(db::Error::Query(e))) if db::is_unique_violation(&e) => false,
            other => other?,
        };
        deleted += usize::from(gone);
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FileStore;

    #[test]
    fn a_held_file_is_kept_a_referenced_one_too_and_only_a_lapsed_lease_lets_it_go() {
        let dir = tempfile::tempdir().unwrap();
        let pool = db::open(&format!("sqlite://{}", dir.path().join("l.db").display()), 2).unwrap();
        let mut conn = pool.get().unwrap();
        let store = FileStore::new(dir.path().join("files")).unwrap();
        let (a, b) = ("derivatives/aa/a.jpg".to_string(), "derivatives/bb/b.jpg".to_string());
        store.put_bytes(&a, b"a").unwrap();
        store.put_bytes(&b, b"b").unwrap();
        let nothing = |_: &mut DbConn, _: &str| Ok(false);
        let everything = |_: &mut DbConn, _: &str| Ok(true);

        hold(&mut conn, std::slice::from_ref(&a)).unwrap();
        let both = [a.clone(), b.clone(), b.clone()];
        assert_eq!(delete_unreferenced(&mut conn, &store, &both, &nothing).unwrap(), 1);
        assert!(store.exists(&a).unwrap(), "a writer holds it");
        assert!(!store.exists(&b).unwrap());

        // A key named twice by a second writer is one hold: its release leaves the first's.
        hold(&mut conn, &[a.clone(), a.clone()]).unwrap();
        release(&mut conn, &[a.clone(), a.clone()]).unwrap();
        let holders: i32 =
            store_leases::table.find(&a).select(store_leases::holders).first(&mut conn).unwrap();
        assert_eq!(holders, 1, "one hold a writer");

        // A second writer of the same file: the first letting go leaves the second's hold.
        hold(&mut conn, std::slice::from_ref(&a)).unwrap();
        release(&mut conn, std::slice::from_ref(&a)).unwrap();
        assert_eq!(delete_unreferenced(&mut conn, &store, &both, &nothing).unwrap(), 1);
        assert!(store.exists(&a).unwrap(), "the second writer still holds it");
        release(&mut conn, std::slice::from_ref(&a)).unwrap();
        assert_eq!(delete_unreferenced(&mut conn, &store, &both, &everything).unwrap(), 0);
        assert!(store.exists(&a).unwrap(), "still referenced");

        // A writer that died holding it: once the lease lapses, the file may go.
        hold(&mut conn, std::slice::from_ref(&a)).unwrap();
        diesel::update(store_leases::table.find(&a))
            .set(store_leases::expires_at.eq(db::now() - chrono::Duration::seconds(1)))
            .execute(&mut conn)
            .unwrap();
        let just_a = std::slice::from_ref(&a);
        assert_eq!(delete_unreferenced(&mut conn, &store, just_a, &nothing).unwrap(), 1);
        assert!(!store.exists(&a).unwrap());
        let left: i64 = store_leases::table.count().get_result(&mut conn).unwrap();
        assert_eq!(left, 0, "deciding leaves no row behind");
    }
}
