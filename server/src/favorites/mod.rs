//! Hearts and notes on images, per person per event, kept for the studio. Owns `favorites`.

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::browser_session::Person;
use crate::db::schema::favorites;
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::feed;
use crate::gallery::acting::{Acting, ClientOption, image_of_event};
use crate::site::{self, base_context};
use crate::web::State;
use crate::web::format::display_date;

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
    let marked: Vec<(ImageId, Option<String>, chrono::NaiveDateTime)> =
        db::run(&state.pool, move |conn| -> db::Result<_> {
            Ok(favorites::table
                .filter(favorites::event_id.eq(&event))
                .filter(favorites::person_id.eq(person.person_id()))
                .select((favorites::image_id, favorites::note, favorites::created_at))
                .load(conn)?)
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
            since: display_date(since.date()),
        })
        .collect();
    let mut context = base_context(&req, &state, session, &acting.studio).await?;
    context.insert("event_url", &format!("/events/{}", acting.event.id));
    context.insert("description", &acting.event.description);
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
