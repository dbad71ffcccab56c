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
pub fn hold(conn: &mut DbConn, keys: &[String]) -> db::Result<()> {
    let until = db::now() + chrono::Duration::from_std(LEASE).expect("a short lease");
    for key in keys {
        // Two writers (or a writer and a deleter) may insert the same key at once: the one
        // that loses the race tries again, and then finds the row to update.
        let mut tries = 0;
        loop {
            tries += 1;
            let claimed = db::write_transaction(conn, |conn| {
                let updated = diesel::update(store_leases::table.find(key))
                    .set(store_leases::expires_at.eq(until))
                    .execute(conn)?;
                if updated == 0 {
                    diesel::insert_into(store_leases::table)
                        .values((
                            store_leases::store_key.eq(key),
                            store_leases::expires_at.eq(until),
                        ))
                        .execute(conn)?;
                }
                Ok::<_, diesel::result::Error>(())
            });
            match claimed {
                Err(e) if is_unique_violation(&e) && tries < 5 => continue,
                other => break other?,
            }
        }
    }
    Ok(())
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The writer's rows now refer to `keys` (or it gave up): their leases end.
pub fn release(conn: &mut DbConn, keys: &[String]) -> db::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    diesel::delete(store_leases::table.filter(store_leases::store_key.eq_any(keys)))
        .execute(conn)?;
    Ok(())
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
            // Take the key's row: a writer's lease as it is (locked by a no-op update), or a
            // marker of our own that a writer arriving now must wait behind until we commit.
            let locked = diesel::update(store_leases::table.find(key))
                .set(store_leases::store_key.eq(key))
                .execute(conn)?;
            if locked == 0 {
                let marker = chrono::DateTime::UNIX_EPOCH.naive_utc();
                diesel::insert_into(store_leases::table)
                    .values((store_leases::store_key.eq(key), store_leases::expires_at.eq(marker)))
                    .execute(conn)?;
            }
            let expires: chrono::NaiveDateTime =
                store_leases::table.find(key).select(store_leases::expires_at).first(conn)?;
            if expires > now {
                return Ok(false);
            }
            // Our marker, or a lease its writer left to expire: either way no longer wanted.
            diesel::delete(store_leases::table.find(key)).execute(conn)?;
            if referenced(conn, key)? {
                return Ok(false);
            }
            store.delete(key)?;
            Ok(true)
        });
        let gone = match decided {
            // A writer claimed the key while we looked: it is theirs, not ours to delete.
            Err(DeleteError::Db(db::Error::Query(e))) if is_unique_violation(&e) => false,
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
