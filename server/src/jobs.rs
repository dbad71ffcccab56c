//! Background work one server of several does at a time (owner of `job_claims`): a shared
//! floor, beside `db`, that the features' background tasks call.
//!
//! Every server runs the same background tasks. Before a round of work, a task [`claim`]s the
//! work's name for a while; the servers that find it held by another leave it alone. A periodic
//! round claims its name for two of its periods and claims it again each time, so the server
//! holding it does each round and the others take over only once it has stopped; a longer piece
//! of work (re-rendering) [`renew`]s its claim as it goes and [`release`]s it when done. Each
//! server holds claims under a name of its own, made at start ([`this_server`]), so a server
//! never waits out a claim it holds itself, and cannot renew or release another's.

use std::sync::OnceLock;
use std::time::Duration;

use diesel::prelude::*;

use crate::db::schema::job_claims;
use crate::db::{self, DbConn, Result};

/// This server's name in claims: new at each start (a restarted server's old claims lapse).
pub fn this_server() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| uuid::Uuid::new_v4().simple().to_string())
}

fn until(hold: Duration) -> chrono::NaiveDateTime {
    db::now() + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::days(1))
}

/// Claims `job` for `hold` unless another server holds it now: answers whether this one may
/// do the work. Each step is one statement, so two servers asking at once cannot both win.
/// Not for use inside a transaction (a lost insert race ends it on PostgreSQL).
pub fn claim(conn: &mut DbConn, job: &str, hold: Duration) -> Result<bool> {
    let me = this_server();
    let now = db::now();
    let taken = diesel::update(job_claims::table.find(job))
        .filter(job_claims::held_until.le(now).or(job_claims::holder.eq(me)))
        .set((job_claims::holder.eq(me), job_claims::held_until.eq(until(hold))))
        .execute(conn)?;
    if taken == 1 {
        return Ok(true);
    }
    let inserted = diesel::insert_into(job_claims::table)
        .values((
            job_claims::job.eq(job),
            job_claims::holder.eq(me),
            job_claims::held_until.eq(until(hold)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // Held by another server, or claimed by one this very moment.
        Err(e) if db::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Extends this server's claim on `job` by `hold` from now (work that goes on a while);
/// `false` when it holds it no more (it lapsed and another took it).
pub fn renew(conn: &mut DbConn, job: &str, hold: Duration) -> Result<bool> {
    let renewed = diesel::update(job_claims::table.find(job))
        .filter(job_claims::holder.eq(this_server()))
        .set(job_claims::held_until.eq(until(hold)))
        .execute(conn)?;
    Ok(renewed == 1)
}

/// The work this server claimed as `job` is done: another server may claim it at once.
pub fn release(conn: &mut DbConn, job: &str) -> Result<()> {
    diesel::delete(job_claims::table.find(job).filter(job_claims::holder.eq(this_server())))
        .execute(conn)?;
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
    fn a_claim_is_had_by_its_holder_until_it_lapses_or_is_released() {
        let (_dir, mut conn) = conn();
        assert!(claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
        // This server holds it: it may do each round.
        assert!(claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
        // Another server finds it held.
        diesel::update(job_claims::table.find("notices"))
            .set(job_claims::holder.eq("another"))
            .execute(&mut conn)
            .unwrap();
        assert!(!claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
        assert!(!renew(&mut conn, "notices", Duration::from_secs(60)).unwrap());
        release(&mut conn, "notices").unwrap();
        assert!(
            !claim(&mut conn, "notices", Duration::from_secs(60)).unwrap(),
            "not ours to release"
        );
        // Once it lapses, it is this server's.
        diesel::update(job_claims::table.find("notices"))
            .set(job_claims::held_until.eq(db::now() - chrono::Duration::seconds(1)))
            .execute(&mut conn)
            .unwrap();
        assert!(claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
        assert!(claim(&mut conn, "other", Duration::from_secs(60)).unwrap());
        release(&mut conn, "notices").unwrap();
        diesel::update(job_claims::table.find("other"))
            .set(job_claims::holder.eq("another"))
            .execute(&mut conn)
            .unwrap();
        assert!(claim(&mut conn, "notices", Duration::from_secs(60)).unwrap());
    }
}
