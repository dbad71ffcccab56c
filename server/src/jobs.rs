//! Background work one server of several does at a time (owner of `job_claims`): a shared
//! floor, beside `db`, that the features' background tasks call.
//!
//! Every server runs the same background tasks. Before a round of work, a task [`claim`]s the
//! work's name for a while; the servers that find it held leave it alone. A periodic round
//! claims its name for its period, so that it runs once per due time whichever server gets
//! there first; a piece of work (one image to re-render) claims its own name and [`release`]s
//! it when done. A server that dies holding a claim lets it lapse, and another picks the work up.

use std::time::Duration;

use diesel::prelude::*;

use crate::db::schema::job_claims;
use crate::db::{self, DbConn, Result};

/// Claims `job` for `hold` unless another server holds it now: answers whether this one may
/// do the work. Each step is one statement, so two servers asking at once cannot both win.
pub fn claim(conn: &mut DbConn, job: &str, hold: Duration) -> Result<bool> {
    let now = db::now();
    let until = now + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::days(1));
    let taken_over = diesel::update(job_claims::table.find(job))
        .filter(job_claims::held_until.le(now))
        .set(job_claims::held_until.eq(until))
        .execute(conn)?;
    if taken_over == 1 {
        return Ok(true);
    }
    let inserted = diesel::insert_into(job_claims::table)
        .values((job_claims::job.eq(job), job_claims::held_until.eq(until)))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // Held by another server, or claimed by one this very moment.
        Err(e) if db::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Extends a claim this server holds by `hold` from now (work that goes on a while).
pub fn renew(conn: &mut DbConn, job: &str, hold: Duration) -> Result<()> {
    let until = db::now() + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::days(1));
    diesel::update(job_claims::table.find(job))
        .set(job_claims::held_until.eq(until))
        .execute(conn)?;
    Ok(())
}

/// The work claimed as `job` is done: another server may claim it at once.
pub fn release(conn: &mut DbConn, job: &str) -> Result<()> {
    diesel::delete(job_claims::table.find(job)).execute(conn)?;
    Ok(())
}

/// Claims whose holders died long ago, deleted so that the table stays small.
pub fn delete_lapsed(conn: &mut DbConn) -> Result<usize> {
    let long_ago = db::now() - chrono::Duration::days(1);
    Ok(diesel::delete(job_claims::table.filter(job_claims::held_until.lt(long_ago)))
        .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> (tempfile::TempDir, DbConn) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("claims.db").display());
        let url = db::DbUrl::parse(&url).unwrap();
        db::run_migrations(&url).unwrap();
        let conn = url.connect().unwrap();
        (dir, conn)
    }

    #[test]
    fn a_claim_is_had_once_until_it_lapses_or_is_released() {
        let (_dir, mut conn) = conn();
        assert!(claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
        assert!(!claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
        assert!(claim(&mut conn, "other", Duration::from_secs(60)).unwrap());
        release(&mut conn, "notices").unwrap();
        assert!(claim(&mut conn, "notices", Duration::from_millis(1)).unwrap());
        std::thread::sleep(Duration::from_millis(5));
        assert!(claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
    }
}
