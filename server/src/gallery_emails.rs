//! Email to a gallery's client: "your images are online" once its photos are up, a reminder
//! a studio-set number of days (`expiry_reminder_days`) before it expires, and one
//! [`CHOOSE_REMINDER_DAYS`] before the photos are to be chosen (`choose_by`) when the client
//! has not sent their favorites yet. Never a password:
//! the email says which user name to sign in with and whether the password is their last name
//! or the one they chose.
//!
//! A background task looks every `notice_seconds` (one server of several, by a claim). "Online" waits until every image the
//! session lists has arrived, or the newest arrived ten minutes ago (an upload that stopped
//! short), so the client does not open a half-filled gallery. Each message is queued with a key
//! (`images-online:<event>`, `expiry-reminder:<event>:<expiry date>`), so it goes once — and
//! again for a new expiry date after `extend`.
//!
//! The same round queues the contracts' reminders ([`crate::contracts::emails`]) and the
//! albums' ([`crate::albums::emails`]).
//!
//! A job of its own above events and the gallery: it asks events which galleries wait, the
//! gallery what has arrived, auth who the client is, and email to queue the message.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::people::{self, ClientRow, sign_in_help};
use crate::db::{self, DbConn, Pool};
use crate::email::letter::{Button, Letter, Letterhead, MAX_THUMBNAILS};
use crate::email::{self, Mailer, NewEmail};
use crate::events::listing;
use crate::events::models::EventRow;
use crate::favorites;
use crate::gallery::view::{arrival_times, image_count, public_thumbs};
use crate::site;
use crate::studio;

/// How many days before `choose_by` a client who has not sent their favorites is reminded.
pub const CHOOSE_REMINDER_DAYS: u64 = 3;

/// An upload whose newest image is this old is taken as finished.
const UPLOAD_QUIET_MINUTES: i64 = 10;

/// Looks for galleries to tell their clients about until dropped.
pub fn start(pool: Pool, mailer: Arc<Mailer>, site_url: String, every: Duration) -> NoticeTask {
    NoticeTask(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Of several servers, the one holding the claim does each round; another takes over
        // only when it has missed two.
        let hold = every * 2;
        loop {
            ticks.tick().await;
            let url = site_url.clone();
            let round = db::run(&pool, move |conn| {
                if !crate::jobs::claim(conn, "gallery-notices", hold)? {
                    return Ok(0);
                }
                queue_due(conn, &url)
            });
            match round.await {
                Ok(0) => {}
                Ok(_) => mailer.wake(),
                Err(e) => tracing::warn!("gallery emails: {e}; will look again"),
            }
        }
    }))
}

/// The running task of [`start`]; dropping it stops the task.
pub struct NoticeTask(tokio::task::JoinHandle<()>);

impl Drop for NoticeTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Queues every notice due now; answers how many were queued.
pub fn queue_due(conn: &mut DbConn, site_url: &str) -> db::Result<usize> {
    let Some(studio) = studio::load(conn)? else { return Ok(0) };
    let head = site::letterhead(conn, site_url)?;
    let today = studio.today();
    let mut queued = crate::contracts::emails::queue_reminders(conn, &head, today)?;
    queued += crate::albums::emails::queue_reminders(conn, &head, studio.album_remind_after_days)?;

    let waiting = listing::awaiting_online_notice(conn)?;
    for event in waiting {
        if event.is_expired(today) {
            listing::mark_online_notice_sent(conn, &event.id)?;
            continue;
        }
        let arrived = arrival_times(conn, &event.id)?;
        let Some(newest) = arrived.iter().max().copied() else { continue };
        let wanted = listing::listed_image_count(conn, &event.id)?;
        let quiet = db::now() - newest > chrono::Duration::minutes(UPLOAD_QUIET_MINUTES);
        if (arrived.len() as i64) < wanted && !quiet {
            continue;
        }
        db::write_transaction(conn, |conn| {
            let client = client_of(conn, &event)?;
            let thumbs = public_thumbs(conn, &event.id, &[], MAX_THUMBNAILS)?;
            let message = online_email(&head, &event, &client, arrived.len(), thumbs);
            if email::enqueue(conn, message)? {
                queued += 1;
            }
            listing::mark_online_notice_sent(conn, &event.id)
        })?;
    }

    let choose_sent: HashSet<String> = email::keys_starting(conn, "choose-reminder:")?;
    let choosing =
        listing::choosing_due(conn, today, today + chrono::Days::new(CHOOSE_REMINDER_DAYS))?;
    for event in choosing {
        let (Some(count), Some(by)) = (event.choose_count, event.choose_by) else { continue };
        let key = format!("choose-reminder:{}:{by}", event.id);
        if choose_sent.contains(&key)
            || event.is_expired(today)
            || favorites::sent(conn, &event.id, event.client_id.as_str())?.is_some()
        {
            continue;
        }
        let client = client_of(conn, &event)?;
        let chosen = favorites::count_of(conn, &event.id, event.client_id.as_str())?;
        let asks = format!(
            "{} asks you to choose {count} photos from \"{}\" by {}. You have {chosen} so far: \
             heart the ones you want, then press \"Send my favorites to the studio\" on your \
             favorites page.",
            studio.name,
            event.description,
            head.locale.date(by),
        );
        let url = format!("{site_url}/events/{}/favorites", event.id);
        let subject = format!("Choose your {count} photos by {}", head.locale.date(by));
        let letter = Letter {
            heading: subject.clone(),
            paragraphs: vec![format!("Hello {},", client.first_name), asks.clone()],
            details: lines(&sign_in_help(site_url, &client)),
            thumbnails: public_thumbs(conn, &event.id, &[], MAX_THUMBNAILS)?,
            button: Some(Button::new("Choose your favorites", &url)),
            after: Vec::new(),
        };
        let message = NewEmail {
            dedupe_key: key,
            to: &client.email,
            body: format!(
                "Hello {},\n\n{asks}\n\n{}\nYour favorites: {url}\n\n{}\n",
                client.first_name,
                sign_in_help(site_url, &client),
                studio.name,
            ),
            styled: head.style(&subject, &letter),
            subject,
        };
        if email::enqueue(conn, message)? {
            queued += 1;
        }
    }

    let days = i64::from(studio.expiry_reminder_days);
    if days <= 0 {
        return Ok(queued);
    }
    let sent: HashSet<String> = email::keys_starting(conn, "expiry-reminder:")?;
    let expiring = listing::told_expiring(conn, today, today + chrono::Days::new(days as u64))?;
    for event in expiring {
        if sent.contains(&reminder_key(&event)) {
            continue;
        }
        let has_images = image_count(conn, &event.id)?;
        if has_images == 0 {
            continue;
        }
        let client = client_of(conn, &event)?;
        let left = (event.expires_on - today).num_days();
        let thumbs = public_thumbs(conn, &event.id, &[], MAX_THUMBNAILS)?;
        if email::enqueue(conn, reminder_email(&head, &event, &client, left, thumbs))? {
            queued += 1;
        }
    }
    Ok(queued)
}

fn client_of(conn: &mut DbConn, event: &EventRow) -> db::Result<ClientRow> {
    people::client(conn, &event.client_id)
}

fn reminder_key(event: &EventRow) -> String {
    format!("expiry-reminder:{}:{}", event.id, event.expires_on)
}

/// Text's lines for a letter's box.
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn online_email<'a>(
    head: &Letterhead,
    event: &EventRow,
    client: &'a ClientRow,
    photos: usize,
    thumbnails: Vec<String>,
) -> NewEmail<'a> {
    let (studio, site_url) = (&head.studio, &head.site_url);
    let url = format!("{site_url}/events/{}", event.id);
    let online = format!(
        "{photos} photos from \"{}\" are online for you to see, choose favorites and order prints.",
        event.description
    );
    let until = format!("It is online until {}.", head.locale.date(event.expires_on));
    let subject = format!("Your photos from {} are online", event.description);
    let letter = Letter {
        heading: "Your photos are online".into(),
        paragraphs: vec![format!("Hello {},", client.first_name), online.clone(), until.clone()],
        details: lines(&sign_in_help(site_url, client)),
        thumbnails,
        button: Some(Button::new("See your photos", &url)),
        after: Vec::new(),
    };
    NewEmail {
        dedupe_key: format!("images-online:{}", event.id),
        to: &client.email,
        body: format!(
            "Hello {},\n\n{online}\n\n{}\nYour gallery: {url}\n{until}\n\n{studio}\n",
            client.first_name,
            sign_in_help(site_url, client),
        ),
        styled: head.style(&subject, &letter),
        subject,
    }
}

fn reminder_email<'a>(
    head: &Letterhead,
    event: &EventRow,
    client: &'a ClientRow,
    days_left: i64,
    thumbnails: Vec<String>,
) -> NewEmail<'a> {
    let (studio, site_url) = (&head.studio, &head.site_url);
    let when = match days_left {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    };
    let url = format!("{site_url}/events/{}", event.id);
    let closes = format!(
        "Your gallery \"{}\" is online until {} — {when}. Pick your favorites and order prints \
         before then.",
        event.description,
        head.locale.date(event.expires_on),
    );
    let subject = format!("Your gallery \"{}\" closes {when}", event.description);
    let letter = Letter {
        heading: format!("Your gallery closes {when}"),
        paragraphs: vec![format!("Hello {},", client.first_name), closes.clone()],
        details: lines(&sign_in_help(site_url, client)),
        thumbnails,
        button: Some(Button::new("Open your gallery", &url)),
        after: Vec::new(),
    };
    NewEmail {
        dedupe_key: reminder_key(event),
        to: &client.email,
        body: format!(
            "Hello {},\n\n{closes}\n\n{}\nYour gallery: {url}\n\n{studio}\n",
            client.first_name,
            sign_in_help(site_url, client),
        ),
        styled: head.style(&subject, &letter),
        subject,
    }
}
