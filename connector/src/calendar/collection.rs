//! One user's collection — their calendar or their address book — both ways. First what
//! changed on the phone since the last sync (the server's sync token, so an unchanged
//! collection costs one request), then the studio's resources out, each under a UID and address
//! that never change: a sync cut short and run again finds its own resource where it left it
//! and updates it instead of adding a second.

use std::collections::{BTreeMap, BTreeSet};

use libdav::FetchedResource;
use libdav::caldav::GetCalendarResources;
use libdav::carddav::GetAddressBookResources;
use libdav::dav::{Delete, GetEtag, ListResources, PutResource, SyncCollection, WebDavError};
use sha2::{Digest, Sha256};

use super::dav::{Dav, DavHttpError, Kind};
use crate::state::{DavItem, Origin, State, StateError};

/// Resources fetched per multiget request.
const FETCH_BATCH: usize = 200;

/// A resource of the studio's, as it goes out. Its text is made only when it is sent: a sync
/// with nothing to send compares hashes and makes none.
pub trait Outbound {
    fn uid(&self) -> &str;
    /// `session/<id>`, `calendar/<id>`, `client/<id>`.
    fn source(&self) -> String;
    /// What the content hashes to, without anything that changes on its own (DTSTAMP).
    fn content_hash(&self) -> String;
    fn body(&self) -> String;
}

/// A resource read from the phone's collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub uid: String,
    pub data: String,
    /// Seen before (a change), not new.
    pub known: bool,
}

/// What one sync of one collection did.
#[derive(Debug, Default)]
pub struct Round {
    pub sent: usize,
    pub updated: usize,
    pub removed: usize,
    /// The studio's own resources, changed on the phone since they were sent.
    pub changed_ours: Vec<Fetched>,
    /// Resources made on the phone, new or changed, and wanted.
    pub theirs: Vec<Fetched>,
    /// Resources made on the phone and deleted there since (their UIDs).
    pub deleted_theirs: Vec<String>,
}

/// How the caller reads the phone's resources, and which of the studio's stay there.
pub struct Rules<'a> {
    /// The resource's UID, or none when it is not one of this collection's kind.
    pub uid: &'a dyn Fn(&str) -> Option<String>,
    /// Whether a resource made on the phone comes back (tentative, too old…).
    pub wanted: &'a dyn Fn(&str) -> bool,
    /// Sources (`session/<id>`…) not sent this time that stay on the phone all the same: ended
    /// before the populate window, or in a file with a mistake until it is fixed.
    pub keep: &'a BTreeSet<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Dav(String),
    #[error(transparent)]
    State(#[from] StateError),
}

fn dav_error(what: &str, e: WebDavError<DavHttpError>) -> SyncError {
    let detail = match &e {
        WebDavError::BadStatusCode(s) if s.as_u16() == 401 => {
            "the server refused the user name and password (401)".to_string()
        }
        WebDavError::BadStatusCode(s) if s.as_u16() == 403 => {
            "the server refused access (403)".to_string()
        }
        _ => e.to_string(),
    };
    SyncError::Dav(format!("{what}: {detail}"))
}

fn status_is(e: &WebDavError<DavHttpError>, code: u16) -> bool {
    match e {
        WebDavError::BadStatusCode(s) => s.as_u16() == code,
        WebDavError::PreconditionFailed(_) => code == 412,
        _ => false,
    }
}

/// Where what came back goes (the inbox) before the sync remembers having read it: a sync
/// killed after reading and before writing reads it again next time.
pub type Deliver<'a> = dyn FnMut(&Round) -> std::io::Result<()> + 'a;

/// Syncs `user`'s `collection` of `kind` with `outbound`, the studio's resources for them.
/// `settings` are the user's switches: when they change, the whole collection is read again.
/// What came back is handed to `deliver` first; only then is it remembered, and only then do
/// the studio's resources go out.
#[allow(clippy::too_many_arguments)]
pub async fn sync_collection<R: Outbound>(
    dav: &Dav,
    state: &mut State,
    user: &str,
    kind: Kind,
    collection: &str,
    settings: &str,
    outbound: &[R],
    rules: &Rules<'_>,
    deliver: &mut Deliver<'_>,
) -> Result<Round, SyncError> {
    let key = kind.as_str();
    let mut round = Round::default();
    let mut links: BTreeMap<String, DavItem> =
        state.dav_items(user, key)?.into_iter().map(|i| (i.uid.clone(), i)).collect();
    let ours: BTreeMap<&str, String> = outbound.iter().map(|o| (o.uid(), o.source())).collect();

    // Back: what changed on the phone.
    let token = state.dav_collection(user, key)?.and_then(|(href, token, was)| {
        (href == collection && was == settings).then_some(token).flatten()
    });
    let (changed, deleted, new_token) = changes(dav, collection, token.as_deref(), &links).await?;
    let known_etag: BTreeMap<&str, Option<&str>> =
        links.values().map(|l| (l.href.as_str(), l.etag.as_deref())).collect();
    let to_fetch: Vec<String> = changed
        .into_iter()
        .filter(|(href, etag)| known_etag.get(href.as_str()) != Some(&etag.as_deref()))
        .map(|(href, _)| href)
        .collect();
    let mut saves = Vec::new();
    for batch in to_fetch.chunks(FETCH_BATCH) {
        for resource in fetch(dav, kind, collection, batch).await? {
            came_back(resource, &mut links, &ours, rules, &mut round, &mut saves);
        }
    }
    let mut forgets = Vec::new();
    for href in deleted {
        let Some(link) = links.values().find(|l| l.href == href).cloned() else { continue };
        links.remove(&link.uid);
        forgets.push(link.uid.clone());
        if link.origin == Origin::Remote {
            round.deleted_theirs.push(link.uid);
        }
    }
    deliver(&round).map_err(|e| SyncError::Dav(format!("cannot write the inbox: {e}")))?;
    for item in &saves {
        state.save_dav_item(user, key, item)?;
    }
    for uid in &forgets {
        state.forget_dav_item(user, key, uid)?;
    }

    // Out: the studio's resources.
    for resource in outbound {
        let uid = resource.uid();
        let hash = resource.content_hash();
        let link = links.get(uid);
        if link.is_some_and(|l| l.origin == Origin::Studio && l.content_hash == hash) {
            continue;
        }
        let href = link.map_or_else(|| item_href(collection, uid, kind), |l| l.href.clone());
        let etag =
            put(dav, kind, &href, &resource.body(), link.and_then(|l| l.etag.clone())).await?;
        if link.is_some() {
            round.updated += 1
        } else {
            round.sent += 1
        }
        let item = DavItem {
            uid: uid.to_string(),
            href,
            etag,
            origin: Origin::Studio,
            source: Some(resource.source()),
            content_hash: hash,
            data: None,
        };
        state.save_dav_item(user, key, &item)?;
        links.insert(item.uid.clone(), item);
    }
    let gone: Vec<DavItem> = links
        .values()
        .filter(|l| l.origin == Origin::Studio && !ours.contains_key(l.uid.as_str()))
        .filter(|l| l.source.as_ref().is_none_or(|s| !rules.keep.contains(s)))
        .cloned()
        .collect();
    for link in gone {
        remove(dav, &link).await?;
        state.forget_dav_item(user, key, &link.uid)?;
        round.removed += 1;
    }
    state.set_dav_collection(user, key, collection, new_token.as_deref(), settings)?;
    Ok(round)
}

async fn fetch(
    dav: &Dav,
    kind: Kind,
    collection: &str,
    hrefs: &[String],
) -> Result<Vec<FetchedResource>, SyncError> {
    let what = format!("cannot read the {}", kind.noun());
    Ok(match kind {
        Kind::Calendar => {
            dav.request(GetCalendarResources::new(collection).with_hrefs(hrefs))
                .await
                .map_err(|e| dav_error(&what, e))?
                .resources
        }
        Kind::Contacts => {
            dav.request(GetAddressBookResources::new(collection).with_hrefs(hrefs))
                .await
                .map_err(|e| dav_error(&what, e))?
                .resources
        }
    })
}

type Changes = (Vec<(String, Option<String>)>, Vec<String>, Option<String>);

/// The resources changed (address, ETag) and deleted since `token`, and the new token. Without a
/// usable token (first sync, a server that forgot it, or one without sync-collection): every
/// resource, and as deleted every linked one no longer there.
async fn changes(
    dav: &Dav,
    collection: &str,
    token: Option<&str>,
    links: &BTreeMap<String, DavItem>,
) -> Result<Changes, SyncError> {
    if let Some(token) = token {
        match dav.request(SyncCollection::new(collection).with_sync_token(token)).await {
            Ok(r) => {
                let changed = r.changed.into_iter().map(|c| (c.href, c.etag)).collect();
                return Ok((changed, r.deleted, Some(r.new_sync_token)));
            }
            Err(e) if status_is(&e, 412) || status_is(&e, 403) => {} // the token is stale
            Err(e) => return Err(dav_error("cannot ask what changed", e)),
        }
    }
    let (listed, new_token) = match dav.request(SyncCollection::new(collection)).await {
        Ok(r) => (
            r.changed.into_iter().map(|c| (c.href, c.etag)).collect::<Vec<_>>(),
            Some(r.new_sync_token),
        ),
        Err(_) => {
            let r = dav
                .request(ListResources::new(collection))
                .await
                .map_err(|e| dav_error("cannot list what is there", e))?;
            let listed = r
                .resources
                .into_iter()
                .filter(|r| !r.resource_type.is_collection)
                .map(|r| (r.href, r.etag))
                .collect();
            (listed, None)
        }
    };
    let present: BTreeSet<&str> = listed.iter().map(|(h, _)| h.as_str()).collect();
    let deleted = links
        .values()
        .filter(|l| !present.contains(l.href.as_str()))
        .map(|l| l.href.clone())
        .collect();
    Ok((listed, deleted, new_token))
}

/// One resource fetched from the phone: one of the studio's (changed there, or found again
/// after a sync cut short), or one made there. What to remember of it goes to `saves`.
fn came_back(
    resource: FetchedResource,
    links: &mut BTreeMap<String, DavItem>,
    ours: &BTreeMap<&str, String>,
    rules: &Rules<'_>,
    round: &mut Round,
    saves: &mut Vec<DavItem>,
) {
    let Ok(content) = resource.content else { return };
    let Some(uid) = (rules.uid)(&content.data) else { return };
    let etag = Some(content.etag.clone());
    let link = links.get(&uid).cloned();
    let studio_link = link.as_ref().is_some_and(|l| l.origin == Origin::Studio);
    if let Some(source) = ours.get(uid.as_str()).filter(|_| link.is_none() || studio_link) {
        if link.is_some() {
            round.changed_ours.push(Fetched {
                uid: uid.clone(),
                data: content.data.clone(),
                known: true,
            });
        }
        let item = DavItem {
            uid: uid.clone(),
            href: resource.href,
            etag,
            origin: Origin::Studio,
            source: Some(source.clone()),
            // Not known as sent when found again: the step out sends it once more.
            content_hash: link.map(|l| l.content_hash).unwrap_or_default(),
            data: None,
        };
        saves.push(item.clone());
        links.insert(uid, item);
        return;
    }
    if studio_link {
        return; // the studio's, no longer in the library: the step out removes it
    }
    if !(rules.wanted)(&content.data) {
        return;
    }
    let hash = hex::encode(Sha256::digest(content.data.as_bytes()));
    if link.as_ref().is_none_or(|l| l.content_hash != hash) {
        let known = link.is_some();
        round.theirs.push(Fetched { uid: uid.clone(), data: content.data.clone(), known });
    }
    let item = DavItem {
        uid: uid.clone(),
        href: resource.href,
        etag,
        origin: Origin::Remote,
        source: None,
        content_hash: hash,
        data: Some(content.data),
    };
    saves.push(item.clone());
    links.insert(uid, item);
}

/// The address of a new resource: the collection and its UID, made safe for a path.
fn item_href(collection: &str, uid: &str, kind: Kind) -> String {
    let name: String = uid
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.@".contains(c) { c } else { '_' })
        .collect();
    format!("{}/{name}.{}", collection.trim_end_matches('/'), kind.extension())
}

/// Writes a resource at `href`: an update when its ETag is known, else a create; either way it
/// ends up there once, with the new ETag answered.
async fn put(
    dav: &Dav,
    kind: Kind,
    href: &str,
    body: &str,
    etag: Option<String>,
) -> Result<Option<String>, SyncError> {
    let media = kind.media_type();
    let written = match &etag {
        Some(etag) => dav.request(PutResource::new(href).update(body, media, etag.clone())).await,
        None => dav.request(PutResource::new(href).create(body, media)).await,
    };
    let cannot = |e| dav_error(&format!("cannot write {href}"), e);
    let written = match written {
        Ok(r) => r,
        // Changed there since (update), or there already (a create after a sync cut short):
        // the studio's version wins. A change made on the phone since this sync read the
        // collection is overwritten unread; one made before was read back as a proposed change.
        Err(e) if status_is(&e, 412) => {
            let current = dav
                .request(GetEtag::new(href))
                .await
                .map_err(|e| dav_error(&format!("cannot read {href}"), e))?;
            dav.request(PutResource::new(href).update(body, media, current.etag))
                .await
                .map_err(cannot)?
        }
        Err(e) if status_is(&e, 404) && etag.is_some() => {
            dav.request(PutResource::new(href).create(body, media)).await.map_err(cannot)?
        }
        Err(e) => return Err(cannot(e)),
    };
    match written.etag {
        Some(etag) => Ok(Some(etag)),
        None => Ok(dav.request(GetEtag::new(href)).await.ok().map(|r| r.etag)),
    }
}

/// Deletes a studio resource that left the library (gone already is fine).
async fn remove(dav: &Dav, link: &DavItem) -> Result<(), SyncError> {
    let result = match &link.etag {
        Some(etag) => dav.request(Delete::new(&link.href).with_etag(etag.clone())).await,
        None => dav.request(Delete::new(&link.href).force()).await,
    };
    let cannot = |e| dav_error(&format!("cannot delete {}", link.href), e);
    match result {
        Ok(_) => Ok(()),
        Err(e) if status_is(&e, 404) => Ok(()),
        Err(e) if status_is(&e, 412) => {
            dav.request(Delete::new(&link.href).force()).await.map(|_| ()).map_err(cannot)
        }
        Err(e) => Err(cannot(e)),
    }
}
