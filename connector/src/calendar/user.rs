//! One user's sync: sign in, find their calendar (and address book, when they take a client
//! group), and sync each; what came back read for the inbox.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::cards::{self, Contact};
use super::collection::{self, Round, Rules, SyncError};
use super::dav::{self, Credentials, DavHttp, Kind};
use super::events::{self, Outgoing, Remote};
use super::inbox;
use super::{oauth, outgoing};
use crate::accounts::{Login, User};
use crate::inbox::Inbox;
use crate::library::Library;
use crate::retry::RetryPolicy;
use crate::state::State;

/// What one user's calendar sync did.
#[derive(Debug, Default)]
pub struct CalendarCounts {
    pub sent: usize,
    pub updated: usize,
    pub removed: usize,
    /// Events made on the phone, new or changed: read, as fetched, and whether seen before.
    pub appointments: Vec<(Remote, String, bool)>,
    /// Events made on the phone and deleted there since (their UIDs).
    pub cancelled: Vec<String>,
    /// Studio events moved or renamed on the phone: (the studio's, the phone's).
    pub proposed: Vec<(Outgoing, Remote)>,
}

/// What one user's address book sync did.
#[derive(Debug, Default)]
pub struct ContactCounts {
    pub sent: usize,
    pub updated: usize,
    pub removed: usize,
    /// Contacts made on the phone, new or changed: read, as fetched, and whether seen before.
    pub new: Vec<(Contact, String, bool)>,
}

#[derive(Debug, Default)]
pub struct UserCounts {
    pub calendar: CalendarCounts,
    /// None when the user takes no client group.
    pub contacts: Option<ContactCounts>,
    /// The inbox files and folders written.
    pub written: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Account(String),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

pub async fn sync_user(
    state: &mut State,
    studio_inbox: &Inbox,
    lib: &Library,
    user: &User,
    zone: Tz,
    window_start: DateTime<Utc>,
) -> Result<UserCounts, UserError> {
    let credentials = match &user.login {
        Login::Password { file } => {
            let password = std::fs::read_to_string(file).map_err(|e| {
                UserError::Account(format!("cannot read password_file {}: {e}", file.display()))
            })?;
            Credentials::Basic {
                user_name: user.user_name.clone(),
                password: password.trim().to_string(),
            }
        }
        Login::OAuth(client) => Credentials::Bearer(
            oauth::access_token(&lib.root, user, client).await.map_err(UserError::Account)?,
        ),
    };
    let http = DavHttp::new(credentials, RetryPolicy::default())
        .map_err(|e| UserError::Account(e.to_string()))?;
    let mut counts = UserCounts::default();

    let client = dav::client(&user.url, http.clone()).map_err(UserError::Account)?;
    let calendar = dav::find_collection(&client, Kind::Calendar, user.calendar.as_deref())
        .await
        .map_err(|e| UserError::Account(format!("{}: {e}", user.url)))?
        .href;
    let outgoing = outgoing::for_user(lib, user, window_start);
    let wanted = |data: &str| {
        events::read_remote(data, zone).is_ok_and(|r| {
            user.send_back_calendar
                && (!r.tentative || user.include_tentative)
                && (r.ends_utc >= window_start || r.repeat.is_some())
        })
    };
    let uid = |data: &str| events::read_remote(data, zone).ok().map(|r| r.uid);
    let settings =
        format!("send_back={} tentative={}", user.send_back_calendar, user.include_tentative);
    let mut back = CalendarCounts::default();
    let mut written = Vec::new();
    let mut deliver = |round: &Round| {
        back = CalendarCounts {
            appointments: round
                .theirs
                .iter()
                .filter_map(|f| {
                    Some((events::read_remote(&f.data, zone).ok()?, f.data.clone(), f.known))
                })
                .collect(),
            cancelled: round.deleted_theirs.clone(),
            proposed: round
                .changed_ours
                .iter()
                .filter_map(|f| {
                    let ours = outgoing.iter().find(|o| o.uid == f.uid)?;
                    let theirs = events::read_remote(&f.data, zone).ok()?;
                    events::differs(ours, &theirs).then(|| (ours.clone(), theirs))
                })
                .collect(),
            ..Default::default()
        };
        written = inbox::write_calendar(studio_inbox, user, &back)?;
        Ok(())
    };
    let round = collection::sync_collection(
        &client,
        state,
        &user.id,
        Kind::Calendar,
        &calendar,
        &settings,
        &outgoing,
        &Rules { uid: &uid, wanted: &wanted, keep: &outgoing::kept_events(lib, user) },
        &mut deliver,
    )
    .await?;
    counts.calendar =
        CalendarCounts { sent: round.sent, updated: round.updated, removed: round.removed, ..back };
    counts.written = written;

    if let Some(group) = &user.contacts_group {
        let client = dav::client(&user.contacts_url, http).map_err(UserError::Account)?;
        let book = dav::find_collection(&client, Kind::Contacts, user.address_book.as_deref())
            .await
            .map_err(|e| UserError::Account(format!("{}: {e}", user.contacts_url)))?
            .href;
        let domain = outgoing::uid_domain(lib);
        let outbound: Vec<_> = lib
            .clients
            .iter()
            .filter(|c| c.groups.contains(group))
            .map(|c| cards::outbound(c, group, &domain))
            .collect();
        let wanted = |_: &str| user.send_back_contacts;
        let settings = format!("send_back={} group={group}", user.send_back_contacts);
        let mut new = Vec::new();
        let mut written = Vec::new();
        let mut deliver = |round: &Round| {
            new = round
                .theirs
                .iter()
                .filter_map(|f| Some((cards::read_contact(&f.data)?, f.data.clone(), f.known)))
                .collect();
            written = inbox::write_contacts(studio_inbox, user, &new)?;
            Ok(())
        };
        let round = collection::sync_collection(
            &client,
            state,
            &user.id,
            Kind::Contacts,
            &book,
            &settings,
            &outbound,
            &Rules { uid: &cards::uid, wanted: &wanted, keep: &outgoing::unreadable(lib) },
            &mut deliver,
        )
        .await?;
        counts.contacts = Some(ContactCounts {
            sent: round.sent,
            updated: round.updated,
            removed: round.removed,
            new,
        });
        counts.written.extend(written);
    }
    Ok(counts)
}
