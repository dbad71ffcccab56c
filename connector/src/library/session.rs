//! `sessions/<id>/session.toml` with its folder: the photo session's details, its client, its
//! videos, and which of the folder's images go online.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proofroom_wire::downloads::{DownloadSize, FreeDownloads};
use proofroom_wire::{EventType, Rating, SessionClient, SessionImage, SessionUpsert};
use serde::Deserialize;
use toml::Spanned;
use unicode_normalization::UnicodeNormalization;

use chrono_tz::Tz;

use super::albums::{Albums, RawAlbum, albums};
use super::check::Problems;
use super::contracts::{Contracts, RawContract, contracts};
use super::folder::{EntryKind, is_image_name, list_dir};
use super::schedule::{self, RawWhen, When};
use super::videos::{RawVideo, videos};
use crate::ItemError;
use crate::manifest::{Date, Days, LocalDateTime, Photos, key_text};

/// `sessions/<id>/session.toml` with its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The folder name.
    pub id: String,
    pub dir: PathBuf,
    /// `publish = true`: push puts it online; otherwise push leaves it alone.
    pub publish: bool,
    /// What goes to `PUT /api/v1/sessions/{id}`; `upsert.images` are the images that go online,
    /// sorted by name, each a file in `dir`.
    pub upsert: SessionUpsert,
    /// Image files in the folder that stay off the site (by rating, group or `online = false`).
    pub held_back: Vec<String>,
    /// Image files that cannot go online (a name the site refuses); the rest of the session
    /// still goes up.
    pub image_errors: Vec<ItemError>,
    /// `[[contracts]]`: those to send, every id listed, the problems of those held back.
    pub contracts: Contracts,
    /// `[[albums]]`: those ready to upload, those the studio is still working on, the
    /// problems of those held back.
    pub albums: Albums,
    /// `starts`/`ends`/`location`/`staff`: what the staff's calendars show; none without times.
    pub schedule: Option<Schedule>,
}

/// A session on the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub when: When,
    pub location: Option<String>,
    /// User ids of who works it (photographer, assistant).
    pub staff: Vec<String>,
    /// The UID of an appointment made on a phone that this session now is: the sync updates
    /// that calendar event instead of adding a second one.
    pub appointment: Option<String>,
}

impl Session {
    /// `sessions/<id>`.
    pub fn item(&self) -> String {
        format!("sessions/{}", self.id)
    }

    /// `sessions/<id>/session.toml`.
    pub fn manifest_item(&self) -> String {
        format!("sessions/{}/session.toml", self.id)
    }

    /// `sessions/<id>/<name>`.
    pub fn image_item(&self, name: &str) -> String {
        format!("sessions/{}/{name}", self.id)
    }

    pub fn image_path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    description: Spanned<String>,
    date: Date,
    price_list: Option<Spanned<String>>,
    days_active: Days,
    #[serde(default)]
    publish: bool,
    event_type: Option<Spanned<EventType>>,
    event_code: Option<Spanned<String>>,
    event_description: Option<String>,
    #[serde(default)]
    yearbook_selection: bool,
    upload: Option<Vec<Rating>>,
    upload_groups: Option<Vec<String>>,
    #[serde(default)]
    online_groups: Vec<String>,
    /// The image the gallery opens on.
    cover: Option<Spanned<String>>,
    /// How many photos the client chooses and sends, by when, and whether fewer will do.
    choose: Option<Spanned<Photos>>,
    choose_by: Option<Spanned<Date>>,
    #[serde(default)]
    choose_fewer: bool,
    /// Which photos anyone who may see the session downloads free, and how large.
    downloads: Option<Spanned<FreeDownloads>>,
    download_size: Option<Spanned<RawDownloadSize>>,
    client: RawClient,
    #[serde(default)]
    images: BTreeMap<Spanned<String>, RawImage>,
    #[serde(default)]
    videos: Vec<RawVideo>,
    #[serde(default)]
    contracts: Vec<RawContract>,
    #[serde(default)]
    albums: Vec<RawAlbum>,
    starts: Option<Spanned<LocalDateTime>>,
    ends: Option<Spanned<LocalDateTime>>,
    time_zone: Option<Spanned<String>>,
    location: Option<String>,
    #[serde(default)]
    staff: Vec<Spanned<String>>,
    appointment: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    id: Spanned<String>,
    #[serde(default)]
    first_name: String,
    last_name: Spanned<String>,
    email: Spanned<String>,
    phone: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImage {
    rating: Option<Rating>,
    #[serde(default)]
    groups: Vec<String>,
    online: Option<bool>,
}

/// Parses `sessions/<id>/session.toml` (its text given) and picks the images of `dir` that go
/// online. `price_lists` are the ids of the library's price lists; `studio_zone` is the zone of
/// times given without one.
pub fn parse_session(
    id: &str,
    dir: &Path,
    text: &str,
    price_lists: &BTreeSet<String>,
    studio_zone: Option<Tz>,
) -> Result<Session, Vec<ItemError>> {
    let mut p = Problems::new(format!("sessions/{id}/session.toml"), text);
    let raw: RawSession = p.parse()?;

    let description = p.required_text(&raw.description, "description");
    if let Some(list) = &raw.price_list
        && !price_lists.contains(list.get_ref())
    {
        p.add(
            list.span(),
            "price_list",
            format!("no price list \"{0}\" (price-lists/{0}.toml does not exist)", list.get_ref()),
        );
    }
    let (event_type, event_code) = event(&mut p, &raw);
    let client = client(&mut p, &raw.client);
    let videos = videos(&mut p, &raw.videos);
    let contracts = contracts(&mut p, id, dir, &raw.contracts);
    let albums = albums(&mut p, id, dir, &raw.albums);
    let (images, image_errors) = folder_images(&mut p, id, dir, &raw.images);
    let (online, held_back) = choose_online(&raw, images);
    if let Some(by) = &raw.choose_by
        && raw.choose.is_none()
    {
        p.add(by.span(), "choose_by", "needs `choose`: how many photos the client chooses");
    }
    if let Some(cover) = &raw.cover
        && !online.iter().any(|i| i.name == *cover.get_ref())
    {
        p.add(
            cover.span(),
            "cover",
            format!("\"{}\" is not one of this session's images that go online", cover.get_ref()),
        );
    }

    let download_size = download_size(&mut p, &raw);
    let schedule = schedule(&mut p, &raw, studio_zone);

    p.result(Session {
        id: id.to_string(),
        dir: dir.to_path_buf(),
        publish: raw.publish,
        upsert: SessionUpsert {
            description,
            date: raw.date.0,
            price_list: raw.price_list.map(Spanned::into_inner),
            days_active: raw.days_active.0 as i32,
            event_type,
            event_code,
            event_description: raw
                .event_description
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            yearbook_selection: raw.yearbook_selection,
            online_groups: raw.online_groups,
            client,
            images: online,
            videos,
            cover: raw.cover.map(Spanned::into_inner),
            choose: raw.choose.as_ref().map(|c| c.get_ref().0 as i32),
            choose_by: raw.choose_by.as_ref().map(|d| d.get_ref().0),
            choose_fewer: raw.choose_fewer,
            downloads: raw.downloads.map_or(FreeDownloads::None, Spanned::into_inner),
            download_size,
        },
        held_back,
        image_errors,
        contracts,
        albums,
        schedule,
    })
}

/// The session's place on the staff's calendars: its times, or nothing when it has none.
fn schedule(p: &mut Problems<'_>, raw: &RawSession, studio_zone: Option<Tz>) -> Option<Schedule> {
    let when = RawWhen {
        starts: raw.starts.as_ref(),
        ends: raw.ends.as_ref(),
        time_zone: raw.time_zone.as_ref(),
    };
    let when = schedule::when(p, when, studio_zone);
    let staff = schedule::staff(p, &raw.staff);
    let appointment = raw.appointment.as_ref().map(|uid| p.required_text(uid, "appointment"));
    if when.is_none() && (raw.starts.is_none() && raw.ends.is_none()) {
        if let Some(uid) = &raw.appointment {
            p.add(uid.span(), "appointment", "needs `starts` and `ends`: the session's times");
        }
        return None;
    }
    Some(Schedule {
        when: when?,
        location: schedule::text(raw.location.clone()),
        staff,
        appointment,
    })
}

/// `download_size = "original"` or `"2048"`; the number 2048 is taken as well.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDownloadSize {
    Text(String),
    Number(i64),
}

fn download_size(p: &mut Problems<'_>, raw: &RawSession) -> DownloadSize {
    let Some(size) = &raw.download_size else { return DownloadSize::Original };
    let parsed = match size.get_ref() {
        RawDownloadSize::Text(text) => DownloadSize::parse(text.trim()),
        RawDownloadSize::Number(2048) => Some(DownloadSize::Web),
        RawDownloadSize::Number(_) => None,
    };
    if raw.downloads.as_ref().is_none_or(|d| d.get_ref().is_none()) {
        p.add(size.span(), "download_size", "needs `downloads = \"favorites\"` or `\"all\"`");
    }
    parsed.unwrap_or_else(|| {
        p.add(size.span(), "download_size", "expected \"original\" or \"2048\"");
        DownloadSize::Original
    })
}

/// `event_type` and `event_code`: a code is one word, and a private event needs one.
fn event(p: &mut Problems<'_>, raw: &RawSession) -> (EventType, Option<String>) {
    let event_type = raw.event_type.as_ref().map_or(EventType::None, |t| *t.get_ref());
    let event_code = match &raw.event_code {
        Some(code) => {
            let c = code.get_ref().trim();
            if c.is_empty() || c.contains(char::is_whitespace) {
                p.add(
                    code.span(),
                    "event_code",
                    "expected a code without spaces, like \"SMITH26\"",
                );
            }
            Some(c.to_string())
        }
        None => {
            if event_type == EventType::Private {
                let span = raw.event_type.as_ref().map_or(0..0, |t| t.span());
                p.add(span, "event_code", "required when event_type = \"private\"");
            }
            None
        }
    };
    (event_type, event_code)
}

/// `[client]`: the login is the email and the last name.
fn client(p: &mut Problems<'_>, c: &RawClient) -> SessionClient {
    let id = p.required_text(&c.id, "client.id");
    let last_name = p.required_text(&c.last_name, "client.last_name");
    p.email(&c.email, "client.email");
    SessionClient {
        id,
        first_name: c.first_name.trim().to_string(),
        last_name,
        email: c.email.get_ref().trim().to_string(),
        phone: c.phone.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        address: c.address.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
    }
}

/// The image files of the session's folder, by their name in Unicode NFC (macOS writes file
/// names decomposed, NFD, while a manifest typed by hand is composed), and the errors of those
/// whose name the site refuses (held back alone). Each `[images]` key must name one of them.
fn folder_images(
    p: &mut Problems<'_>,
    id: &str,
    dir: &Path,
    entries: &BTreeMap<Spanned<String>, RawImage>,
) -> (BTreeMap<String, String>, Vec<ItemError>) {
    let mut folder_errors = Vec::new();
    let mut image_errors = Vec::new();
    let item = format!("sessions/{id}");
    let files = list_dir(dir, &item, &mut folder_errors, &mut image_errors, EntryKind::File);
    p.extend(folder_errors);
    let mut images = BTreeMap::new();
    for (name, _) in files.iter().filter(|(n, _)| is_image_name(n)) {
        if let Some(problem) = proofroom_wire::image_name_problem(name) {
            image_errors.push(ItemError::new(
                format!("{item}/{name}"),
                format!("the name {problem}; rename the file to put it online"),
            ));
        } else {
            images.insert(nfc(name), name.clone());
        }
    }
    for key in entries.keys() {
        let name = key.get_ref();
        if images.contains_key(&nfc(name)) {
            continue;
        }
        let message = if files.iter().any(|(n, _)| nfc(n) == nfc(name)) {
            format!("\"{name}\" is not an image (.jpg, .jpeg, .png or .webp)")
        } else if let Some(close) =
            images.values().find(|n| n.to_lowercase() == name.to_lowercase())
        {
            format!("no image \"{name}\" in {item}/ (did you mean \"{close}\"?)")
        } else {
            format!("no image \"{name}\" in {item}/")
        };
        p.add(key.span(), &format!("images.{}", key_text(name)), message);
    }
    (images, image_errors)
}

/// Of the folder's images (by NFC name), those that go online — not `online = false`, a rating
/// of `upload`, in a group of `upload_groups` when it is set — with the groups the client sees,
/// and the names of those held back.
fn choose_online(
    raw: &RawSession,
    images: BTreeMap<String, String>,
) -> (Vec<SessionImage>, Vec<String>) {
    let entries: BTreeMap<String, &RawImage> =
        raw.images.iter().map(|(k, v)| (nfc(k.get_ref()), v)).collect();
    let upload: Vec<Rating> = match &raw.upload {
        Some(ratings) => ratings.clone(),
        None => vec![Rating::Selected, Rating::NotSelected, Rating::Undecided],
    };
    let upload_groups: Option<BTreeSet<&str>> =
        raw.upload_groups.as_ref().map(|g| g.iter().map(String::as_str).collect());
    let online_groups: BTreeSet<&str> = raw.online_groups.iter().map(String::as_str).collect();

    let mut online = Vec::new();
    let mut held_back = Vec::new();
    for (key, name) in images {
        let entry = entries.get(&key).copied();
        let rating = entry.and_then(|e| e.rating).unwrap_or_default();
        let groups: Vec<String> = entry.map(|e| e.groups.clone()).unwrap_or_default();
        let wanted = entry.and_then(|e| e.online).unwrap_or(true)
            && upload.contains(&rating)
            && upload_groups
                .as_ref()
                .is_none_or(|want| groups.iter().any(|g| want.contains(g.as_str())));
        if wanted {
            // Only the groups the client sees go online.
            let groups =
                groups.into_iter().filter(|g| online_groups.contains(g.as_str())).collect();
            online.push(SessionImage { name, rating, groups });
        } else {
            held_back.push(name);
        }
    }
    (online, held_back)
}

fn nfc(name: &str) -> String {
    name.nfc().collect()
}
