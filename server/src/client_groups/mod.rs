//! Groups a client or guest makes of an event's images ("for grandma", "wall prints"). Owns
//! `person_groups` and `person_group_images`.

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{person_group_images, person_groups};
use crate::db::{self, DbConn, EventId, GroupId};
use crate::error::AppError;
use crate::gallery::acting::{Acting, ClientOption, image_of_event};
use crate::site;
use crate::web::State;

const MAX_NAME_CHARS: usize = 80;

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    back: String,
}

fn checked_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(AppError::unprocessable(
            "invalid_group_name",
            format!("Give the group a name of up to {MAX_NAME_CHARS} characters."),
        ));
    }
    Ok(name.to_string())
}

/// Whether the person already has another group of this name in the event.
fn name_taken(
    conn: &mut DbConn,
    event: &EventId,
    person_id: &str,
    name: &str,
    except: Option<&GroupId>,
) -> db::Result<bool> {
    let mut query = person_groups::table
        .filter(person_groups::event_id.eq(event))
        .filter(person_groups::person_id.eq(person_id))
        .filter(person_groups::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(person_groups::id.ne(id));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

fn taken() -> AppError {
    AppError::conflict("group_name_taken", "You already have a group with that name.")
}

fn back(form_back: &str, acting: &Acting) -> String {
    site::local_path(Some(form_back)).unwrap_or_else(|| format!("/events/{}", acting.event.id))
}

pub async fn create_group(
    req: HttpRequest,
    state: State,
    acting: Acting,
    form: web::Form<GroupForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    acting.allows(ClientOption::ClientGroups)?;
    let name = checked_name(&form.name)?;
    let id = GroupId::new();
    let (gid, event, person, n) =
        (id.clone(), acting.event.id.clone(), acting.person.clone(), name.clone());
    let created = db::run(&state.pool, move |conn| -> db::Result<_> {
        if name_taken(conn, &event, person.person_id(), &n, None)? {
            return Ok(false);
        }
        diesel::insert_into(person_groups::table)
            .values((
                person_groups::id.eq(&gid),
                person_groups::event_id.eq(&event),
                person_groups::person_id.eq(person.person_id()),
                person_groups::person_kind.eq(person.kind()),
                person_groups::name.eq(&n),
                person_groups::created_at.eq(db::now()),
            ))
            .execute(conn)?;
        Ok(true)
    })
    .await?;
    if !created {
        return Err(taken());
    }
    Ok(site::done(
        &req,
        &back(&form.back, &acting),
        serde_json::json!({ "id": id.to_string(), "name": name }),
    ))
}

/// The group, checked to be the person's own in this event.
async fn own_group(state: &State, acting: &Acting, group_id: &str) -> Result<GroupId, AppError> {
    let missing = || AppError::not_found("group_not_found", "There is no such group.");
    let id = GroupId::parse(group_id).ok_or_else(missing)?;
    let (gid, event, person) = (id.clone(), acting.event.id.clone(), acting.person.clone());
    let found: i64 = db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok(person_groups::table
            .filter(person_groups::id.eq(&gid))
            .filter(person_groups::event_id.eq(&event))
            .filter(person_groups::person_id.eq(person.person_id()))
            .count()
            .get_result(conn)?)
    })
    .await?;
    if found == 0 {
        return Err(missing());
    }
    Ok(id)
}

pub async fn rename_group(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<GroupForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    acting.allows(ClientOption::ClientGroups)?;
    let (_, group_id) = path.into_inner();
    let group = own_group(&state, &acting, &group_id).await?;
    let name = checked_name(&form.name)?;
    let (event, person, n, gid) =
        (acting.event.id.clone(), acting.person.clone(), name.clone(), group.clone());
    let renamed = db::run(&state.pool, move |conn| -> db::Result<_> {
        if name_taken(conn, &event, person.person_id(), &n, Some(&gid))? {
            return Ok(false);
        }
        diesel::update(person_groups::table.find(&gid))
            .set(person_groups::name.eq(&n))
            .execute(conn)?;
        Ok(true)
    })
    .await?;
    if !renamed {
        return Err(taken());
    }
    Ok(site::done(&req, &back(&form.back, &acting), serde_json::json!({ "name": name })))
}

pub async fn delete_group(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<GroupForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    acting.allows(ClientOption::ClientGroups)?;
    let (_, group_id) = path.into_inner();
    let group = own_group(&state, &acting, &group_id).await?;
    db::run(&state.pool, move |conn| -> db::Result<_> {
        diesel::delete(person_groups::table.find(&group)).execute(conn)?;
        Ok(())
    })
    .await?;
    let back = site::local_path(Some(&form.back))
        .filter(|b| !b.contains(&group_id))
        .unwrap_or_else(|| format!("/events/{}", acting.event.id));
    Ok(site::done(&req, &back, serde_json::json!({ "deleted": true })))
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    image_id: String,
    /// "add" or "remove".
    action: String,
    #[serde(default)]
    back: String,
}

pub async fn change_members(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<MemberForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    acting.allows(ClientOption::ClientGroups)?;
    let (_, group_id) = path.into_inner();
    let group = own_group(&state, &acting, &group_id).await?;
    let image = image_of_event(&state, &acting.event, &form.image_id).await?;
    let add = match form.action.as_str() {
        "add" => true,
        "remove" => false,
        _ => return Err(AppError::bad_request("invalid_form", "Say action=add or action=remove.")),
    };
    db::run(&state.pool, move |conn| -> db::Result<_> {
        let key = person_group_images::table.find((&group, &image));
        if add {
            let exists: i64 = key.count().get_result(conn)?;
            if exists == 0 {
                diesel::insert_into(person_group_images::table)
                    .values((
                        person_group_images::group_id.eq(&group),
                        person_group_images::image_id.eq(&image),
                        person_group_images::added_at.eq(db::now()),
                    ))
                    .execute(conn)?;
            }
        } else {
            diesel::delete(key).execute(conn)?;
        }
        Ok(())
    })
    .await?;
    Ok(site::done(&req, &back(&form.back, &acting), serde_json::json!({ "in_group": add })))
}

/// A person's groups (id, name) and what is in them (group id, image id).
pub type GroupsWithMembers = (Vec<(String, String)>, Vec<(String, crate::db::ImageId)>);

/// A person's own groups in an event, oldest first, and what is in them — in one query: the
/// gallery page reads both on every load.
pub fn of_person_with_members(
    conn: &mut DbConn,
    event: &EventId,
    person_id: &str,
) -> db::Result<GroupsWithMembers> {
    let rows: Vec<(String, String, Option<crate::db::ImageId>)> = person_groups::table
        .left_join(person_group_images::table)
        .filter(person_groups::event_id.eq(event))
        .filter(person_groups::person_id.eq(person_id))
        .order((person_groups::created_at, person_groups::id))
        .select((person_groups::id, person_groups::name, person_group_images::image_id.nullable()))
        .load(conn)?;
    let (mut groups, mut members): (Vec<(String, String)>, Vec<_>) = (Vec::new(), Vec::new());
    for (id, name, image) in rows {
        if groups.last().is_none_or(|(last, _)| *last != id) {
            groups.push((id.clone(), name));
        }
        if let Some(image) = image {
            members.push((id, image));
        }
    }
    Ok((groups, members))
}
