//! The `downloads` table: one row per file served (a ZIP: one per photo in it), and the counts
//! the studio reads through `GET /api/v1/downloads` and the connector's `status`.

use std::collections::BTreeMap;

use diesel::prelude::*;
use proofroom_wire::downloads::{DownloadCounts, DownloadSize, PhotoDownloads, SessionDownloads};

use crate::auth::browser_session::Person;
use crate::db::schema::downloads;
use crate::db::{self, DbConn, EventId};
use crate::events;

/// One file about to be served.
pub struct Served<'a> {
    pub image_id: &'a str,
    pub file_name: &'a str,
    pub bought: bool,
    pub size: DownloadSize,
}

/// Records the files served to `person`, all at once (a ZIP's are one transaction).
pub fn record(
    conn: &mut DbConn,
    event_id: &EventId,
    person: &Person,
    files: &[Served<'_>],
    in_zip: bool,
) -> db::Result<()> {
    let now = db::now();
    db::write_transaction(conn, |conn| {
        for file in files {
            diesel::insert_into(downloads::table)
                .values((
                    downloads::id.eq(uuid::Uuid::new_v4().to_string()),
                    downloads::event_id.eq(event_id),
                    downloads::image_id.eq(file.image_id),
                    downloads::file_name.eq(file.file_name),
                    downloads::person_id.eq(person.person_id()),
                    downloads::person_kind.eq(person.kind()),
                    downloads::bought.eq(file.bought),
                    downloads::size.eq(file.size.as_str()),
                    downloads::in_zip.eq(in_zip),
                    downloads::downloaded_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Every session with downloads: files in all, people, and each photo's count (most first,
/// then by name).
pub fn counts(conn: &mut DbConn) -> db::Result<DownloadCounts> {
    use diesel::dsl::{count, count_star};
    let per_photo: Vec<(String, String, i64)> = downloads::table
        .group_by((downloads::event_id, downloads::file_name))
        .select((downloads::event_id, downloads::file_name, count_star()))
        .load(conn)?;
    let people: BTreeMap<String, i64> = downloads::table
        .group_by(downloads::event_id)
        .select((downloads::event_id, count(downloads::person_id).aggregate_distinct()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let mut by_event: BTreeMap<String, Vec<PhotoDownloads>> = BTreeMap::new();
    for (event, name, count) in per_photo {
        by_event.entry(event).or_default().push(PhotoDownloads { name, count });
    }
    let mut sessions = Vec::with_capacity(by_event.len());
    for (event_id, mut photos) in by_event {
        let Some(event) =
            events::access::load_event(conn, &EventId::from_stored(event_id.clone()))?
        else {
            continue;
        };
        photos.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        sessions.push(SessionDownloads {
            session: event.studio_session_id,
            description: event.description,
            files: photos.iter().map(|p| p.count).sum(),
            people: people.get(&event_id).copied().unwrap_or(0),
            photos,
        });
    }
    sessions.sort_by(|a, b| a.session.cmp(&b.session));
    Ok(DownloadCounts { sessions })
}
