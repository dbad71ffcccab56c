//! Email about albums, to the session's client: "ready for review" when a revision goes online,
//! and one reminder when it has waited `[albums] remind_after_days` without an answer. Each is
//! queued with a key, so it goes once.

use diesel::prelude::*;

use super::{AlbumRow, RevisionRow};
use crate::auth::people::{self, ClientRow, sign_in_help};
use crate::db::schema::{album_revisions, albums};
use crate::db::{self, DbConn};
use crate::email::letter::{Button, Letter, Letterhead};
use crate::email::{self, NewEmail};
use crate::events::models::EventRow;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn title(album: &AlbumRow) -> String {
    if album.description.is_empty() { "your album".into() } else { album.description.clone() }
}

fn letter<'a>(
    head: &Letterhead,
    client: &'a ClientRow,
    subject: String,
    said: String,
    url: &str,
    dedupe_key: String,
) -> NewEmail<'a> {
    let letter = Letter {
        heading: subject.clone(),
        paragraphs: vec![format!("Hello {},", client.first_name), said.clone()],
        details: lines(&sign_in_help(&head.site_url, client)),
        button: Some(Button::new("Review the album", url)),
        ..Letter::default()
    };
    NewEmail {
        dedupe_key,
        to: &client.email,
        body: format!(
            "Hello {},\n\n{said}\n\n{}\nThe album: {url}\n\n{}\n",
            client.first_name,
            sign_in_help(&head.site_url, client),
            head.studio
        ),
        styled: head.style(&subject, &letter),
        subject,
    }
}

/// "Your album is ready for review": queued when a revision's pages are all online.
/// `after_comments`: the client sent comments on the revision before this one (else the studio
/// moved on without them, and the email does not thank them for comments never sent).
pub fn ready<'a>(
    head: &Letterhead,
    album: &AlbumRow,
    revision: &RevisionRow,
    after_comments: bool,
    event: &EventRow,
    client: &'a ClientRow,
) -> NewEmail<'a> {
    let url = format!("{}{}", head.site_url, super::album_path(&event.id, &album.id));
    let subject = if revision.number > 1 {
        format!("Revision {} of {} is ready for review", revision.number, title(album))
    } else {
        format!("{} is ready for review", capitalised(&title(album)))
    };
    let said = format!(
        "{} has laid out {} for \"{}\"{}. Look through the pages, put a note where you want \
         something changed, and send your comments — or approve it as it is.",
        head.studio,
        title(album),
        event.description,
        if revision.number > 1 && after_comments {
            format!(" again (revision {}), with your comments on the last one", revision.number)
        } else if revision.number > 1 {
            format!(" again (revision {})", revision.number)
        } else {
            String::new()
        }
    );
    letter(head, client, subject, said, &url, format!("album-ready:{}", revision.id))
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Queues the reminders due: revisions online and unanswered for `after_days` days since they
/// went online, each reminded once. `after_days` 0 sends none.
pub fn queue_reminders(conn: &mut DbConn, head: &Letterhead, after_days: i32) -> db::Result<usize> {
    if after_days <= 0 {
        return Ok(0);
    }
    let before = db::now() - chrono::Duration::days(i64::from(after_days));
    let due: Vec<(RevisionRow, AlbumRow)> = album_revisions::table
        .inner_join(albums::table)
        .filter(album_revisions::decision.is_null())
        .filter(album_revisions::reminded_at.is_null())
        .filter(album_revisions::ready_at.le(before))
        .select((RevisionRow::as_select(), AlbumRow::as_select()))
        .load(conn)?;
    let mut queued = 0;
    for (revision, album) in due {
        // Only the latest revision waits for the client; an older unanswered one was replaced.
        let latest: Option<i32> = album_revisions::table
            .filter(album_revisions::album_id.eq(&album.id))
            .select(diesel::dsl::max(album_revisions::number))
            .first(conn)?;
        let Some(event) = crate::events::access::load_event(conn, &album.event_id)? else {
            continue;
        };
        let client = people::client(conn, &event.client_id)?;
        db::write_transaction(conn, |conn| -> db::Result<()> {
            if latest == Some(revision.number) {
                let url = format!("{}{}", head.site_url, super::album_path(&event.id, &album.id));
                let subject = format!("Reminder: {} is waiting for your review", title(&album));
                let said = format!(
                    "{} for \"{}\" is still waiting for your comments or approval. {} can \
                     finish it once you answer.",
                    capitalised(&title(&album)),
                    event.description,
                    head.studio
                );
                let key = format!("album-reminder:{}", revision.id);
                if email::enqueue(conn, letter(head, &client, subject, said, &url, key))? {
                    queued += 1;
                }
            }
            diesel::update(album_revisions::table.find(&revision.id))
                .set(album_revisions::reminded_at.eq(db::now()))
                .execute(conn)?;
            Ok(())
        })?;
    }
    Ok(queued)
}
