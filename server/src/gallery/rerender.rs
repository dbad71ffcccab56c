//! Re-rendering proofs and thumbnails after the studio changes its watermark.
//!
//! Every image records the watermark version it was made with; this job brings stale ones up to
//! date from their clean master, a batch at a time, in the background. Only one job runs; a
//! change while it runs makes it go round again.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::prelude::*;

use super::ingest::delete_unreferenced;
use super::models::{Derivative, DerivativeRow};
use super::{Gallery, GalleryState};
use crate::db::schema::{image_derivatives, images};
use crate::db::{self, DbConn, ImageId};
use crate::error::AppError;
use crate::images as imaging;
use crate::images::Encoded;
use crate::storage::{content_key, leases, sha256_hex};
use crate::studio;
use crate::web::State;

#[derive(Default)]
pub struct RerenderFlags {
    running: AtomicBool,
    again: AtomicBool,
}

/// How long one server's turn at re-rendering is held for others: renewed before each batch
/// (16 images), and let go when the turn ends. A server that dies mid-turn leaves it to lapse.
const TURN: std::time::Duration = std::time::Duration::from_secs(180);

/// How often a server whose turn it is not asks again.
const WAIT_FOR_TURN: std::time::Duration = std::time::Duration::from_secs(5);

/// Starts the job unless it runs already (then it will look again when done). Of several
/// servers one re-renders at a time: each batch reads the current watermark, and a server
/// asked while another has the turn takes a turn of its own after it — so a change that
/// comes as the other finishes is not missed, and no image is rendered twice at once.
pub fn start(state: State, gallery: Gallery) {
    gallery.rerender.again.store(true, Ordering::SeqCst);
    if gallery.rerender.running.swap(true, Ordering::SeqCst) {
        return;
    }
    tokio::spawn(async move {
        while gallery.rerender.again.swap(false, Ordering::SeqCst) {
            if !take_turn(&state).await {
                break;
            }
            loop {
                let (batch_state, batch_gallery) = (state.clone(), gallery.clone());
                let done =
                    actix_web::web::block(move || rerender_batch(&batch_state, &batch_gallery))
                        .await;
                match done {
                    Ok(Ok(0)) => break,
                    Ok(Ok(_)) => {
                        gallery.catalog_changed();
                        continue;
                    }
                    Ok(Err(e)) => {
                        tracing::error!("re-rendering proofs stopped: {e}");
                        break;
                    }
                    Err(e) => {
                        tracing::error!("re-rendering proofs stopped: {e}");
                        break;
                    }
                }
            }
            let release = db::run(&state.pool, |conn| crate::jobs::release(conn, JOB)).await;
            if let Err(e) = release {
                tracing::warn!("letting go of the re-render turn: {e}; it lapses by itself");
            }
        }
        gallery.rerender.running.store(false, Ordering::SeqCst);
    });
}

const JOB: &str = "rerender";

/// Waits until this server holds the re-render turn; `false` if the database keeps failing.
async fn take_turn(state: &State) -> bool {
    let mut failures = 0;
    loop {
        match db::run(&state.pool, |conn| crate::jobs::claim(conn, JOB, TURN)).await {
            Ok(true) => return true,
            Ok(false) => {}
            Err(e) => {
                failures += 1;
                tracing::warn!("asking for the re-render turn: {e}");
                if failures >= 10 {
                    tracing::error!("re-rendering proofs not started: the database fails");
                    return false;
                }
            }
        }
        tokio::time::sleep(WAIT_FOR_TURN).await;
    }
}

/// Re-renders up to a batch of stale images; returns how many it looked at.
fn rerender_batch(state: &State, gallery: &GalleryState) -> Result<usize, AppError> {
    let mut conn = state.pool.get().map_err(|e| AppError::internal(format!("pool: {e}")))?;
    let watermark =
        studio::current_watermark(&mut conn, state.store.as_ref(), &gallery.watermark_cache)?;
    let stale: Vec<(ImageId, String)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::watermark_version.ne(&watermark.version))
        .filter(image_derivatives::kind.eq(Derivative::Master.as_str()))
        .select((images::id, image_derivatives::store_key))
        .limit(16)
        .load(&mut conn)?;
    let count = stale.len();
    // Still this server's turn for the next batch's time; if its turn lapsed and another
    // server took it, that one goes on.
    if !crate::jobs::renew(&mut conn, JOB, TURN)? {
        return Ok(0);
    }
    for (image_id, master_key) in stale {
        if let Err(e) = rerender_one(state, &mut conn, &image_id, &master_key, &watermark) {
            // One bad image must not hold back the others: it keeps its old proof.
            tracing::error!(%image_id, "re-rendering failed, old proof kept: {e}");
            mark_version(&mut conn, &image_id, &watermark.version)?;
        }
    }
    Ok(count)
}

fn rerender_one(
    state: &State,
    conn: &mut DbConn,
    image_id: &ImageId,
    master_key: &str,
    watermark: &studio::CurrentWatermark,
) -> Result<(), AppError> {
    let master = state
        .store
        .get(master_key)?
        .ok_or_else(|| AppError::internal(format!("master {master_key} missing")))?;
    let rendered = imaging::rewatermark(&master, watermark.mark.as_ref())
        .map_err(|e| AppError::internal(format!("re-render: {e}")))?;
    let made: Vec<_> = [
        (Derivative::Proof, rendered.proof),
        (Derivative::Middle, rendered.middle),
        (Derivative::Thumb, rendered.thumb),
    ]
    .into_iter()
    .map(|(kind, encoded)| {
        let sha256 = sha256_hex(&encoded.bytes);
        (kind, content_key("derivatives", &sha256, "jpg"), sha256, encoded)
    })
    .collect();
    let new_keys: Vec<String> = made.iter().map(|(_, key, ..)| key.clone()).collect();
    // Held while written and recorded: see `storage::leases`.
    let write = |conn: &mut DbConn| -> Result<_, AppError> {
        for (_, key, _, encoded) in &made {
            state.store.put_bytes(key, &encoded.bytes)?;
        }
        Ok(record_render(conn, image_id, master_key, watermark, &made)?)
    };
    let store = state.store.as_ref();
    match leases::writing(conn, store, &new_keys, &super::ingest::image_uses, write)? {
        Some(old_keys) => delete_unreferenced(conn, state.store.as_ref(), old_keys),
        None => delete_unreferenced(conn, state.store.as_ref(), new_keys),
    }
}

/// Points the image's rows at the new renders, unless it was replaced meanwhile (`None`);
/// answers the keys its rows no longer use.
fn record_render(
    conn: &mut DbConn,
    image_id: &ImageId,
    master_key: &str,
    watermark: &studio::CurrentWatermark,
    made: &[(Derivative, String, String, Encoded)],
) -> db::Result<Option<Vec<String>>> {
    db::write_transaction(conn, |conn| -> db::Result<_> {
        // The image may have been replaced by a new upload meanwhile: then this render is of
        // old content and must not land.
        let still_same: i64 = images::table
            .inner_join(image_derivatives::table)
            .filter(images::id.eq(image_id))
            .filter(images::watermark_version.ne(&watermark.version))
            .filter(image_derivatives::kind.eq(Derivative::Master.as_str()))
            .filter(image_derivatives::store_key.eq(master_key))
            .count()
            .get_result(conn)?;
        if still_same == 0 {
            return Ok(None);
        }
        let mut old_keys = Vec::new();
        for (kind, key, sha256, encoded) in made {
            let old = image_derivatives::table
                .find((image_id, kind.as_str()))
                .select(image_derivatives::store_key)
                .first::<String>(conn)
                .optional()?;
            let row = DerivativeRow {
                image_id: image_id.clone(),
                kind: kind.as_str().to_string(),
                store_key: key.clone(),
                sha256: sha256.clone(),
                bytes: encoded.bytes.len() as i64,
                width: encoded.width as i32,
                height: encoded.height as i32,
            };
            match old {
                Some(old) => {
                    if old != *key {
                        old_keys.push(old);
                    }
                    diesel::update(image_derivatives::table.find((image_id, kind.as_str())))
                        .set((
                            image_derivatives::store_key.eq(&row.store_key),
                            image_derivatives::sha256.eq(&row.sha256),
                            image_derivatives::bytes.eq(row.bytes),
                            image_derivatives::width.eq(row.width),
                            image_derivatives::height.eq(row.height),
                        ))
                        .execute(conn)?;
                }
                // An image stored before the middle size existed gets one now.
                None => {
                    diesel::insert_into(image_derivatives::table).values(&row).execute(conn)?;
                }
            }
        }
        mark_version(conn, image_id, &watermark.version)?;
        Ok(Some(old_keys))
    })
}

fn mark_version(conn: &mut DbConn, image_id: &ImageId, version: &str) -> db::Result<()> {
    diesel::update(images::table.find(image_id))
        .set(images::watermark_version.eq(version))
        .execute(conn)?;
    Ok(())
}

/// How many images still wait for the current watermark.
pub fn pending(conn: &mut DbConn) -> db::Result<i64> {
    let version = studio::watermark_version(conn)?;
    Ok(images::table.filter(images::watermark_version.ne(&version)).count().get_result(conn)?)
}
