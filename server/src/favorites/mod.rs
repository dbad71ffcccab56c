//! Hearts and notes on images, per person per event, kept for the studio, and "send my
//! favorites to the studio" when the person is done choosing. Owns `favorites` and
//! `favorites_sent`.

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::browser_session::Person;
use crate::auth::people;
use crate::db::schema::{favorites, favorites_sent};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::email::letter::{Button, Letter, MAX_THUMBNAILS, Styled};
use crate::email::{self, NewEmail};
use crate::error::AppError;
use crate::feed;
use crate::gallery::acting::{Acting, ClientOption, image_of_event};
use crate::gallery::view::public_thumbs;
use crate::site::{self, base_context};
use crate::web::State;

const MAX_NOTE_CHARS: usize = 1000;

#[derive(Deserialize)]
pub struct FavoriteForm {
    #[serde(default)]
    csrf: String,
    /// "1" to heart, "0" to take the heart away.
    on: String,
    #[serde(default)]
    back: String,
}

pub async fn set_favorite(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<FavoriteForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    acting.allows(ClientOption::Favorites)?;
    let (_, image_id) = path.into_inner();
    let image_id = image_of_event(&state, &acting.event, &image_id).await?;
    let on = match form.on.as_str() {
        "1" | "true" | "on" => true,
        "0" | "false" | "off" => false,
        _ => return Err(AppError::bad_request("invalid_form", "Say on=1 or on=0.")),
    };
    let person = acting.person.clone();
    let event = acting.event.id.clone();
    let iid = image_id.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if on {
                insert_favorite(conn, &iid, &person, &event, None)?;
            } else {
                diesel::delete(favorites::table.find((&iid, person.person_id()))).execute(conn)?;
            }
            feed::record(conn, feed::Kind::Favorites, event.as_str())
        })
    })
    .await?;
    let back = site::local_path(Some(&form.back))
        .unwrap_or_else(|| format!("/events/{}/photos/{image_id}", acting.event.id));
    Ok(site::done(&req, &back, serde_json::json!({ "favorite": on })))
}

/// Hearts an image for a person. Already hearted (a double click racing itself) is what was
/// asked, so it is not an error. The insert runs in a savepoint, so that on PostgreSQL the
/// refused insert does not abort the caller's transaction.
fn insert_favorite(
    conn: &mut DbConn,
    image: &ImageId,
    person: &Person,
    event: &EventId,
    note: Option<&str>,
) -> db::Result<()> {
    let now = db::now();
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(favorites::table)
            .values((
                favorites::image_id.eq(image),
                favorites::person_id.eq(person.person_id()),
                favorites::event_id.eq(event),
                favorites::person_kind.eq(person.kind()),
                favorites::note.eq(note),
                favorites::created_at.eq(now),
                favorites::updated_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    note: String,
    #[serde(default)]
    back: String,
}

/// A note on a favorite; writing one hearts the image too.
pub async fn set_note(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    acting.allows(ClientOption::Favorites)?;
    let (_, image_id) = path.into_inner();
    let image_id = image_of_event(&state, &acting.event, &image_id).await?;
    let note = form.note.trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS || note.contains('\0') {
        return Err(AppError::unprocessable(
            "note_too_long",
            format!("Keep the note under {MAX_NOTE_CHARS} characters."),
        ));
    }
    let note = (!note.is_empty()).then_some(note);
    let person = acting.person.clone();
    let event = acting.event.id.clone();
    let iid = image_id.clone();
    let saved = note.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            // Heart it if it is not yet, then set the note: both steps are safe to race.
            insert_favorite(conn, &iid, &person, &event, saved.as_deref())?;
            diesel::update(favorites::table.find((&iid, person.person_id())))
                .set((favorites::note.eq(&saved), favorites::updated_at.eq(db::now())))
                .execute(conn)?;
            feed::record(conn, feed::Kind::Favorites, event.as_str())
        })
    })
    .await?;
    let back = site::local_path(Some(&form.back))
        .unwrap_or_else(|| format!("/events/{}/photos/{image_id}", acting.event.id));
    Ok(site::done(&req, &back, serde_json::json!({ "favorite": true, "note": note })))
}

/// When the person last sent their favorites of an event to the studio, and how many.
pub fn sent(
    conn: &mut DbConn,
    event: &EventId,
    person_id: &str,
) -> db::Result<Option<(chrono::NaiveDateTime, i32)>> {
    Ok(favorites_sent::table
        .find((event, person_id))
        .select((favorites_sent::sent_at, favorites_sent::image_count))
        .first(conn)
        .optional()?)
}

/// Who sent favorites (`<event id>/<person id>`, a feed subject): their kind and when.
pub fn sent_record(
    conn: &mut DbConn,
    subject: &str,
) -> db::Result<Option<(EventId, String, String, chrono::NaiveDateTime)>> {
    let Some((event, person_id)) = subject.split_once('/') else { return Ok(None) };
    let found: Option<(String, chrono::NaiveDateTime)> = favorites_sent::table
        .find((event, person_id))
        .select((favorites_sent::person_kind, favorites_sent::sent_at))
        .first(conn)
        .optional()?;
    Ok(found
        .map(|(kind, at)| (EventId::from_stored(event.to_string()), kind, person_id.into(), at)))
}

/// How many favorites the person has in the event.
pub fn count_of(conn: &mut DbConn, event: &EventId, person_id: &str) -> db::Result<i64> {
    Ok(favorites::table
        .filter(favorites::event_id.eq(event))
        .filter(favorites::person_id.eq(person_id))
        .count()
        .get_result(conn)?)
}

/// "Send my favorites to the studio": the person says they are done choosing. Refused (422,
/// saying why) when their count is not what the session asks for (`choose`); otherwise the
/// studio gets a feed item — a line in its tasks.csv — and an email, and the page says when
/// they were sent. Sending again after a change sends the list as it is then.
pub async fn send_favorites(
    req: HttpRequest,
    state: State,
    acting: Acting,
    form: web::Form<crate::web::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    acting.allows(ClientOption::Favorites)?;
    let person = acting.person.clone();
    let event = acting.event.clone();
    let studio = acting.studio.clone();
    let site_url = state.site_url.clone();
    let sent = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        db::write_transaction(conn, |conn| {
            let count = count_of(conn, &event.id, person.person_id())?;
            event
                .may_send(count as usize)
                .map_err(|why| AppError::unprocessable("cannot_send_favorites", why))?;
            let now = db::now();
            diesel::delete(favorites_sent::table.find((&event.id, person.person_id())))
                .execute(conn)?;
            diesel::insert_into(favorites_sent::table)
                .values((
                    favorites_sent::event_id.eq(&event.id),
                    favorites_sent::person_id.eq(person.person_id()),
                    favorites_sent::person_kind.eq(person.kind()),
                    favorites_sent::image_count.eq(count as i32),
                    favorites_sent::sent_at.eq(now),
                ))
                .execute(conn)?;
            let subject = format!("{}/{}", event.id, person.person_id());
            feed::record(conn, feed::Kind::FavoritesSent, &subject)?;
            if let Some(to) = studio.email.as_deref() {
                let (_, name, address) = people::who(conn, person.kind(), person.person_id())?;
                let asked = event
                    .choose_count
                    .map(|n| format!(" of the {n} asked for"))
                    .unwrap_or_default();
                let url = format!("{site_url}/events/{}", event.id);
                let said = format!(
                    "{name} <{address}> is done choosing and sent {count} favorites{asked} from \
                     \"{}\".",
                    event.description
                );
                let inbox = "The list comes to your studio library's inbox with the next sync \
                             (inbox/favorites/, and a line in inbox/tasks.csv).";
                let title =
                    format!("{name} sent their favorites: {} ({count} photos)", event.description);
                let letter = Letter {
                    heading: format!("{name} sent their favorites"),
                    paragraphs: vec![said.clone(), inbox.to_string()],
                    thumbnails: public_thumbs(conn, &event.id, &[], MAX_THUMBNAILS)?,
                    button: Some(Button::new("See the gallery", &url)),
                    ..Letter::default()
                };
                // To the studio: a reply goes to the client who sent them.
                let head = site::letterhead_of(&studio, &site_url);
                let styled =
                    Styled { reply_to: Some(address.clone()), ..head.style(&title, &letter) };
                email::enqueue(
                    conn,
                    NewEmail {
                        dedupe_key: format!("favorites-sent:{subject}:{now}"),
                        to,
                        subject: title,
                        body: format!("{said}\n\n{inbox}\n\nSee the gallery: {url}\n"),
                        styled,
                    },
                )?;
            }
            Ok(count)
        })
    })
    .await?;
    state.mailer.wake();
    let page = format!("/events/{}/favorites", acting.event.id);
    Ok(site::done(&req, &page, serde_json::json!({ "sent": sent })))
}

#[derive(Serialize)]
struct FavoriteView {
    name: String,
    photo_url: String,
    thumb_url: String,
    note: String,
    since: String,
}

/// All of the viewer's favorites in an event, with notes.
pub async fn favorites_page(
    req: HttpRequest,
    state: State,
    acting: Acting,
) -> Result<HttpResponse, AppError> {
    let session = &acting.session;
    let gallery = match crate::gallery::view::load_gallery(&state, session, &acting.event.id)
        .await?
    {
        Ok(g) => g,
        Err(_) => return Err(AppError::not_found("event_not_found", "There is no such gallery.")),
    };
    let person = acting.person.clone();
    let event = acting.event.id.clone();
    let (marked, sent_at) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let marked: Vec<(ImageId, Option<String>, chrono::NaiveDateTime)> = favorites::table
            .filter(favorites::event_id.eq(&event))
            .filter(favorites::person_id.eq(person.person_id()))
            .select((favorites::image_id, favorites::note, favorites::created_at))
            .load(conn)?;
        Ok((marked, sent(conn, &event, person.person_id())?))
    })
    .await?;
    let items: Vec<FavoriteView> = gallery
        .images
        .iter()
        .filter_map(|i| {
            let (_, note, since) = marked.iter().find(|(id, _, _)| id.as_str() == i.id)?;
            Some((i, note, since))
        })
        .map(|(i, note, since)| FavoriteView {
            name: i.name.clone(),
            photo_url: i.photo_url.clone(),
            thumb_url: i.thumb_url.clone(),
            note: note.clone().unwrap_or_default(),
            since: acting.studio.locale.date(since.date()),
        })
        .collect();
    let mut context = base_context(&req, &state, session, &acting.studio).await?;
    context.insert("event_url", &format!("/events/{}", acting.event.id));
    context.insert("description", &acting.event.description);
    let e = &acting.event;
    context.insert("choose", &e.choose_count);
    let locale = acting.studio.locale;
    context.insert("choose_by", &e.choose_by.map(|by| locale.date(by)));
    context.insert("choose_fewer", &e.choose_fewer);
    context.insert("send_problem", &e.may_send(items.len()).err());
    context.insert(
        "sent",
        &sent_at
            .map(|(at, count)| serde_json::json!({ "on": locale.date(at.date()), "count": count })),
    );
    context.insert("favorites", &items);
    state.render("favorites.html", &context)
}

/// The person's favorites in an event, each with its note.
pub fn notes_of(
    conn: &mut DbConn,
    event: &EventId,
    person_id: &str,
) -> db::Result<std::collections::HashMap<ImageId, Option<String>>> {
    Ok(favorites::table
        .filter(favorites::event_id.eq(event))
        .filter(favorites::person_id.eq(person_id))
        .select((favorites::image_id, favorites::note))
        .load::<(ImageId, Option<String>)>(conn)?
        .into_iter()
        .collect())
}

/// A favorite as the studio's inbox records it: (person kind, person id, image, note).
pub type FavoriteRow = (String, String, ImageId, Option<String>);

/// Every favorite in an event, by person.
pub fn of_event(conn: &mut DbConn, event: &str) -> db::Result<Vec<FavoriteRow>> {
    Ok(favorites::table
        .filter(favorites::event_id.eq(event))
        .order((favorites::person_kind, favorites::person_id))
        .select((
            favorites::person_kind,
            favorites::person_id,
            favorites::image_id,
            favorites::note,
        ))
        .load(conn)?)
}
