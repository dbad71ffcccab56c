//! Turning an uploaded file into an image of a session: derivatives made, stored, recorded.

use diesel::prelude::*;
use proofroom_wire::{UploadOutcome, UploadResult};

use super::models::{Derivative, ImageRow, NewDerivative, NewImage};
use super::upload::{ReceivedFile, image_error};
use super::{Gallery, GalleryState};
use crate::db::schema::{image_derivatives, images};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::images::{self as imaging, Encoded};
use crate::storage::{Store, content_key, leases, sha256_hex};
use crate::studio;
use crate::web::State;

const MIB: u64 = 1024 * 1024;

/// One memory budget for every decode at once (`max_ingest_memory`), in MiB: `ingest_jobs`
/// bounds how many images are decoded together, this bounds what they take together, so a
/// few near-limit PNGs cannot each take `max_decode_bytes` at the same time.
pub struct DecodeBudget {
    mib: tokio::sync::Semaphore,
    total_mib: u64,
}

impl DecodeBudget {
    pub fn new(bytes: u64) -> Self {
        let total_mib = (bytes / MIB).clamp(1, u64::from(u32::MAX));
        Self { mib: tokio::sync::Semaphore::new(total_mib as usize), total_mib }
    }

    /// Waits until `bytes` of the budget are free and holds them until the permit is dropped;
    /// a need larger than the whole budget is refused at once (413), as it could never start.
    pub async fn reserve(&self, bytes: u64) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        let need = bytes.div_ceil(MIB).max(1);
        if need > self.total_mib {
            return Err(image_error(imaging::ImageError::TooMuchMemory {
                needed: bytes,
                max: self.total_mib * MIB,
            }));
        }
        self.mib.acquire_many(need as u32).await.map_err(|_| AppError::internal("budget closed"))
    }
}

/// What a decode holds while it runs: an ingest slot and its share of the memory budget.
pub struct Admitted<'a> {
    _slot: tokio::sync::SemaphorePermit<'a>,
    _memory: tokio::sync::SemaphorePermit<'a>,
}

/// Reads `received`'s header (nothing is decoded yet), then waits for an ingest slot and for
/// the memory its decode may take. The image is decoded only while the answer is held.
pub async fn admit<'g>(
    state: &State,
    gallery: &'g GalleryState,
    received: ReceivedFile,
) -> Result<(Admitted<'g>, ReceivedFile, imaging::Probe), AppError> {
    let limits = imaging::Limits::of(&state.config);
    let header_limits = limits.clone();
    let (received, probe) = actix_web::web::block(move || {
        let probe = imaging::probe(&received.temp, &header_limits);
        (received, probe)
    })
    .await
    .map_err(|e| AppError::internal(format!("probe task: {e}")))?;
    let probe = probe.map_err(image_error)?;
    let slot = gallery
        .ingest_slots
        .acquire()
        .await
        .map_err(|_| AppError::internal("ingest slots closed"))?;
    let need = probe.decode_estimate(received.bytes, &limits);
    let memory = gallery.decode_budget.reserve(need).await?;
    Ok((Admitted { _slot: slot, _memory: memory }, received, probe))
}

/// Makes the derivatives of an uploaded image and records it under `file_name`, replacing the
/// image of that name if there was one.
pub async fn store_upload(
    state: &State,
    gallery: &Gallery,
    event_id: EventId,
    file_name: String,
    received: ReceivedFile,
) -> Result<UploadResult, AppError> {
    let (_admitted, received, probe) = admit(state, gallery, received).await?;
    let (worker, parts) = (state.clone(), gallery.clone());
    let (result, recorded_version) = actix_web::web::block(move || {
        let (state, gallery) = (worker, parts);
        let limits = imaging::Limits::of(&state.config);
        // The connection is held only for the reads, not through the decode.
        let (watermark, keep_original) = {
            let mut conn =
                state.pool.get().map_err(|e| AppError::internal(format!("pool: {e}")))?;
            let watermark = studio::current_watermark(
                &mut conn,
                state.store.as_ref(),
                &gallery.watermark_cache,
            )?;
            (watermark, wants_originals(&mut conn, &event_id)?)
        };
        let made = imaging::ingest(&received.temp, watermark.mark.as_ref(), &limits)
            .map_err(image_error)?;
        let original_key = keep_original
            .then(|| content_key("originals", &received.sha256, probe.format.extension()));
        let rows: Vec<NewDerivative> = [
            (Derivative::Master, &made.master),
            (Derivative::Proof, &made.proof),
            (Derivative::Middle, &made.middle),
            (Derivative::Thumb, &made.thumb),
        ]
        .into_iter()
        .map(|(kind, encoded)| NewDerivative::of(kind, encoded))
        .collect();
        let mut new_keys: Vec<String> = rows.iter().map(|r| r.store_key.clone()).collect();
        new_keys.extend(original_key.clone());
        let image = NewImage {
            event_id,
            file_name: file_name.clone(),
            source_sha256: received.sha256.clone(),
            source_bytes: received.bytes as i64,
            source_format: probe.format.extension().to_string(),
            width: probe.width as i32,
            height: probe.height as i32,
            original_key: original_key.clone(),
            watermark_version: watermark.version.clone(),
        };
        // Held while written and recorded, so a cleanup on any server cannot delete a shared
        // content-addressed file between our write and our commit.
        let store = state.store.as_ref();
        let mut conn = state.pool.get().map_err(|e| AppError::internal(format!("pool: {e}")))?;
        let write = |conn: &mut DbConn| -> Result<Vec<String>, AppError> {
            if let Some(key) = &original_key {
                store.put_file(key, &received.temp)?;
            }
            for (row, encoded) in
                rows.iter().zip([&made.master, &made.proof, &made.middle, &made.thumb])
            {
                store.put_bytes(&row.store_key, &encoded.bytes)?;
            }
            Ok(record(conn, image, rows.clone())?)
        };
        let replaced_keys = leases::writing(&mut conn, store, &new_keys, &image_uses, write)?;
        delete_unreferenced(&mut conn, state.store.as_ref(), replaced_keys)?;
        Ok::<_, AppError>((
            UploadResult {
                name: file_name,
                sha256: received.sha256,
                outcome: UploadOutcome::Stored,
                width: probe.width as i32,
                height: probe.height as i32,
            },
            watermark.version,
        ))
    })
    .await
    .map_err(|e| AppError::internal(format!("ingest task: {e}")))??;
    // The watermark may have changed while this image was being made.
    let current = db::run(&state.pool, studio::watermark_version).await?;
    if current != recorded_version {
        super::rerender::start(state.clone(), gallery.clone());
    }
    Ok(result)
}

impl NewDerivative {
    /// The row for `encoded`, under its content-addressed key.
    fn of(kind: Derivative, encoded: &Encoded) -> Self {
        let sha256 = sha256_hex(&encoded.bytes);
        NewDerivative {
            kind,
            store_key: content_key("derivatives", &sha256, "jpg"),
            sha256,
            bytes: encoded.bytes.len() as i64,
            width: encoded.width as i32,
            height: encoded.height as i32,
        }
    }
}

/// Inserts or replaces the image row and its derivatives; returns the store keys the old
/// version used, for cleanup once nothing refers to them.
///
/// Two uploads of one file name may finish at once (a retried request whose first try still
/// arrived, on PostgreSQL): both find no row, and the second insert breaks the unique name. It
/// tries again, finds the first one's row and replaces it, as if they had come in turn.
fn record(
    conn: &mut DbConn,
    image: NewImage,
    derivatives: Vec<NewDerivative>,
) -> db::Result<Vec<String>> {
    let mut tries = 0;
    loop {
        tries += 1;
        match record_once(conn, image.clone(), &derivatives) {
            Err(db::Error::Query(e)) if db::is_unique_violation(&e) && tries < 3 => continue,
            recorded => return recorded,
        }
    }
}

fn record_once(
    conn: &mut DbConn,
    image: NewImage,
    derivatives: &[NewDerivative],
) -> db::Result<Vec<String>> {
    crate::db::write_transaction(conn, |conn| {
        let now = db::now();
        let existing: Option<ImageRow> = images::table
            .filter(images::event_id.eq(&image.event_id))
            .filter(images::file_name.eq(&image.file_name))
            .select(ImageRow::as_select())
            .first(conn)
            .optional()?;
        let mut old_keys = Vec::new();
        // A replaced image keeps its id, so links to it keep working; new content gives new
        // file URLs.
        let (id, created_at) = existing
            .as_ref()
            .map_or_else(|| (ImageId::new(), now), |o| (o.id.clone(), o.created_at));
        if let Some(old) = existing {
            old_keys = image_derivatives::table
                .filter(image_derivatives::image_id.eq(&old.id))
                .select(image_derivatives::store_key)
                .load(conn)?;
            old_keys.extend(old.original_key);
            diesel::delete(
                image_derivatives::table.filter(image_derivatives::image_id.eq(&old.id)),
            )
            .execute(conn)?;
            diesel::delete(images::table.find(&old.id)).execute(conn)?;
        }
        let image = image.into_row(id, created_at, now);
        diesel::insert_into(images::table).values(&image).execute(conn)?;
        // One at a time: batch inserts are not available through the MultiConnection enum.
        for d in derivatives {
            diesel::insert_into(image_derivatives::table).values(d.row(&image.id)).execute(conn)?;
        }
        Ok(old_keys)
    })
}

/// Whether an image row refers to the stored file `key` (a derivative or an original).
pub fn image_uses(conn: &mut DbConn, key: &str) -> db::Result<bool> {
    let derivative_refs: i64 = image_derivatives::table
        .filter(image_derivatives::store_key.eq(key))
        .count()
        .get_result(conn)?;
    let original_refs: i64 =
        images::table.filter(images::original_key.eq(key)).count().get_result(conn)?;
    Ok(derivative_refs + original_refs > 0)
}

/// Deletes files no image refers to any more (content-addressed files can be shared), as
/// decided in the database ([`leases`]): never one another server is about to record.
pub fn delete_unreferenced(
    conn: &mut DbConn,
    store: &dyn Store,
    keys: Vec<String>,
) -> Result<(), AppError> {
    leases::delete_unreferenced(conn, store, &keys, &image_uses)?;
    Ok(())
}

/// Removes an event's uploaded images whose file names are not `wanted`; returns their store
/// keys, to delete after commit.
pub fn drop_images_not_in(
    conn: &mut DbConn,
    event_id: &EventId,
    wanted: &std::collections::HashSet<&str>,
) -> db::Result<Vec<String>> {
    let held: Vec<(ImageId, String)> = images::table
        .filter(images::event_id.eq(event_id))
        .select((images::id, images::file_name))
        .load(conn)?;
    let mut keys = Vec::new();
    for (image_id, name) in held {
        if !wanted.contains(name.as_str()) {
            keys.extend(image_keys(conn, &image_id)?);
            diesel::delete(images::table.find(&image_id)).execute(conn)?;
        }
    }
    Ok(keys)
}

/// Removes all of an event's images (a take-down); returns their store keys. Done before the
/// event itself: SQLite's cascades need foreign_keys=ON, PostgreSQL's are implicit.
pub fn delete_event_images(conn: &mut DbConn, event_id: &EventId) -> db::Result<Vec<String>> {
    let keys = event_keys(conn, event_id)?;
    diesel::delete(images::table.filter(images::event_id.eq(event_id))).execute(conn)?;
    Ok(keys)
}

/// How many images each event has online (events without any are absent).
pub fn image_counts(conn: &mut DbConn) -> db::Result<std::collections::HashMap<EventId, i64>> {
    use diesel::dsl::count_star;
    Ok(images::table
        .group_by(images::event_id)
        .select((images::event_id, count_star()))
        .load::<(EventId, i64)>(conn)?
        .into_iter()
        .collect())
}

/// All store keys an event's images use, for take-down.
fn event_keys(conn: &mut DbConn, event_id: &EventId) -> db::Result<Vec<String>> {
    let mut keys: Vec<String> = image_derivatives::table
        .inner_join(images::table)
        .filter(images::event_id.eq(event_id))
        .select(image_derivatives::store_key)
        .load(conn)?;
    let originals: Vec<Option<String>> = images::table
        .filter(images::event_id.eq(event_id))
        .select(images::original_key)
        .load(conn)?;
    keys.extend(originals.into_iter().flatten());
    Ok(keys)
}

/// The store keys one image uses.
pub fn image_keys(conn: &mut DbConn, image_id: &ImageId) -> db::Result<Vec<String>> {
    let mut keys: Vec<String> = image_derivatives::table
        .filter(image_derivatives::image_id.eq(image_id))
        .select(image_derivatives::store_key)
        .load(conn)?;
    let original: Option<Option<String>> =
        images::table.find(image_id).select(images::original_key).first(conn).optional()?;
    keys.extend(original.flatten());
    Ok(keys)
}

/// Whether the event's uploads keep their original: the studio keeps every original, or the
/// event gives files away or its price list sells them (downloads are made from originals).
pub fn wants_originals(conn: &mut DbConn, event_id: &EventId) -> db::Result<bool> {
    if studio::load(conn)?.is_some_and(|s| s.keep_originals) {
        return Ok(true);
    }
    let Some(event) = crate::events::access::load_event(conn, event_id)? else { return Ok(false) };
    if !event.free_downloads().is_none() {
        return Ok(true);
    }
    match &event.price_list_id {
        Some(list) => crate::price_lists::sells_files(conn, list),
        None => Ok(false),
    }
}

/// A file held for an event, as the connector's diff needs it.
pub struct HeldFile {
    pub name: String,
    pub sha256: String,
    pub bytes: i64,
    /// The event wants originals and this image has none: it must be uploaded again.
    pub original_missing: bool,
}

/// The files held for an event.
pub fn held_files(conn: &mut DbConn, event_id: &EventId) -> db::Result<Vec<HeldFile>> {
    let wanted = wants_originals(conn, event_id)?;
    let rows: Vec<(String, String, i64, Option<String>)> = images::table
        .filter(images::event_id.eq(event_id))
        .order(images::file_name)
        .select((
            images::file_name,
            images::source_sha256,
            images::source_bytes,
            images::original_key,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(name, sha256, bytes, original)| HeldFile {
            name,
            sha256,
            bytes,
            original_missing: wanted && original.is_none(),
        })
        .collect())
}

/// The width and height of the image `name` when the very file `sha256` is held for it (with
/// its original, when the event wants one): nothing to read again.
pub fn held_size(
    conn: &mut DbConn,
    event_id: &EventId,
    name: &str,
    sha256: &str,
) -> db::Result<Option<(i32, i32)>> {
    let held: Option<(i32, i32, Option<String>)> = images::table
        .filter(images::event_id.eq(event_id))
        .filter(images::file_name.eq(name))
        .filter(images::source_sha256.eq(sha256))
        .select((images::width, images::height, images::original_key))
        .first(conn)
        .optional()?;
    match held {
        Some((_, _, None)) if wants_originals(conn, event_id)? => Ok(None),
        Some((width, height, _)) => Ok(Some((width, height))),
        None => Ok(None),
    }
}

/// Removes the image `name` of an event; returns its store keys, or `None` when it has none.
pub fn delete_image_named(
    conn: &mut DbConn,
    event_id: &EventId,
    name: &str,
) -> db::Result<Option<Vec<String>>> {
    let image: Option<ImageId> = images::table
        .filter(images::event_id.eq(event_id))
        .filter(images::file_name.eq(name))
        .select(images::id)
        .first(conn)
        .optional()?;
    let Some(image_id) = image else { return Ok(None) };
    let keys = image_keys(conn, &image_id)?;
    diesel::delete(images::table.find(&image_id)).execute(conn)?;
    Ok(Some(keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn decodes_share_one_budget_and_an_image_needing_more_than_all_of_it_is_refused() {
        let budget = DecodeBudget::new(100 * MIB);
        let first = budget.reserve(60 * MIB).await.unwrap();
        let second = budget.reserve(60 * MIB);
        tokio::pin!(second);
        assert!(futures_util::poll!(&mut second).is_pending(), "waits while the first decodes");
        drop(first);
        let _second = second.await.unwrap();
        let refused = budget.reserve(100 * MIB + 1).await.unwrap_err();
        assert_eq!((refused.status.as_u16(), refused.code), (413, "image_too_large_to_decode"));
    }
}
