//! Telling a site's other servers to forget what they keep in memory.
//!
//! Each server keeps recent answers in memory — browser sessions, access decisions, rendered
//! pages, where image files are — so that a gallery's dozens of image requests do not each ask
//! the database. When something changes (a logout, a revoked invite, a take-down, a new price
//! list), the server that made the change forgets its own copies at once; with several servers
//! on one PostgreSQL database, the others must forget theirs too, before the change is
//! answered. [`Changes::tell`] marks what kinds of copies are stale; a thread with a connection
//! of its own sends them with PostgreSQL's `NOTIFY` and listens with `LISTEN` for what the
//! others send, calling the forgetters [`Changes::on_change`] registered, and answering each
//! change it applied with an acknowledgement. Servers also say every second that they are
//! there. A request that changed something waits ([`Changes::heard`]) until every server heard
//! of lately has acknowledged it, so that the next request, on any server, finds the copies
//! gone; a server that does not answer within [`HEARD_WITHIN`] (one that died) is not waited
//! for longer.
//!
//! While the listening connection is down, nothing another server says is heard: the thread
//! then forgets everything at every turn, and again once it listens anew.
//!
//! SQLite is one server's database: there [`Changes::none`] tells nobody, and each cache's own
//! forgetting is all there is.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{DbConn, DbUrl};

/// Kinds of kept copies, as bits, so that several changes travel in one notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Kinds(u8);

impl Kinds {
    /// Browser sessions (a logout, a password changed).
    pub const SESSIONS: Kinds = Kinds(1);
    /// Who may see which event (a code, an invite, a sign-in, a take-down).
    pub const ACCESS: Kinds = Kinds(2);
    /// Rendered pages.
    pub const PAGES: Kinds = Kinds(4);
    /// Where image files are (images replaced, re-rendered, removed).
    pub const IMAGES: Kinds = Kinds(8);
    /// Everything: said when notifications may have been missed.
    pub const ALL: Kinds = Kinds(15);

    pub fn contains(self, other: Kinds) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Kinds {
    type Output = Kinds;
    fn bitor(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }
}

const CHANNEL: &str = "proofroom_changes";
/// How often the listening thread looks for notifications and for changes to send.
const POLL: Duration = Duration::from_millis(2);
/// How often a server says it is there.
const BEAT: Duration = Duration::from_secs(1);
/// A server not heard of for this long is taken as gone: changes do not wait for it.
const GONE_AFTER: Duration = Duration::from_millis(2500);
/// How long a change waits for the acknowledgements at most; past that, a server that has not
/// answered is dead or has lost its connection (and then forgets everything at each turn).
const HEARD_WITHIN: Duration = Duration::from_secs(2);

/// The handle the caches and the request pipeline share; cloning it is cheap.
#[derive(Clone, Default)]
pub struct Changes(Option<Arc<Shared>>);

type Forgetter = Box<dyn Fn(Kinds) + Send + Sync>;

struct Shared {
    /// This server's name in notifications: its own come back and are not applied twice.
    server: String,
    /// What is to be told, and the number of the last change marked.
    pending: Mutex<Pending>,
    wake: Condvar,
    /// The other servers heard of, and what each has acknowledged.
    peers: Mutex<Peers>,
    /// Bumped whenever an acknowledgement (or this server's own notification) comes back.
    progress: tokio::sync::watch::Sender<u64>,
    forgetters: RwLock<Vec<Forgetter>>,
    listening: AtomicBool,
}

#[derive(Default)]
struct Peers {
    /// The number of this server's last change whose own notification came back.
    echoed: u64,
    /// Each other server: when it was last heard of, and the last of this server's changes it
    /// acknowledged.
    seen: std::collections::HashMap<String, (std::time::Instant, u64)>,
}

impl Peers {
    /// Whether change `marked` was sent and every server heard of lately applied it.
    fn all_heard(&self, marked: u64) -> bool {
        self.echoed >= marked
            && self.seen.values().all(|(at, acked)| *acked >= marked || at.elapsed() > GONE_AFTER)
    }
}

#[derive(Default)]
struct Pending {
    kinds: Kinds,
    marked: u64,
}

impl Changes {
    /// For one server alone (SQLite): nothing to tell.
    pub fn none() -> Self {
        Self(None)
    }

    /// For a site on PostgreSQL, where several servers may share the database: starts the
    /// thread that sends and listens on its own connection. It ends when the last handle goes.
    pub fn start(url: &DbUrl) -> Self {
        if !matches!(url, DbUrl::Postgres(_)) {
            return Self::none();
        }
        let shared = Arc::new(Shared {
            server: uuid::Uuid::new_v4().simple().to_string(),
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            peers: Mutex::new(Peers::default()),
            progress: tokio::sync::watch::Sender::new(0),
            forgetters: RwLock::new(Vec::new()),
            listening: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&shared);
        let url = url.clone();
        std::thread::Builder::new()
            .name("changes".into())
            .spawn(move || listen(&url, &weak))
            .expect("starting the changes thread");
        Self(Some(shared))
    }

    /// Registers what to forget when another server tells of a change.
    pub fn on_change(&self, forget: impl Fn(Kinds) + Send + Sync + 'static) {
        if let Some(shared) = &self.0 {
            shared.forgetters.write().expect("forgetters").push(Box::new(forget));
        }
    }

    /// Marks `kinds` as changed here, to be told to the other servers. The caller has forgotten
    /// its own copies already, after the change was committed.
    pub fn tell(&self, kinds: Kinds) {
        let Some(shared) = &self.0 else { return };
        let mut pending = shared.pending.lock().expect("changes");
        pending.kinds = pending.kinds | kinds;
        pending.marked += 1;
        shared.wake.notify_one();
    }

    /// The number of the last change marked here, to pass to [`Changes::heard`] later.
    pub fn marked(&self) -> u64 {
        self.0.as_ref().map_or(0, |shared| shared.pending.lock().expect("changes").marked)
    }

    /// Waits until the changes marked up to `marked` have reached the other servers (see the
    /// module's doc). Returns at once when nothing was marked or nobody is told.
    pub async fn heard(&self, marked: u64) {
        let Some(shared) = &self.0 else { return };
        // Nothing comes back while this server's own connection is down (the others, if
        // theirs is too, forget everything at each turn).
        if marked == 0 || !shared.listening.load(Ordering::SeqCst) {
            return;
        }
        let mut progress = shared.progress.subscribe();
        let deadline = tokio::time::Instant::now() + HEARD_WITHIN;
        loop {
            if shared.peers.lock().expect("peers").all_heard(marked) {
                return;
            }
            match tokio::time::timeout_at(deadline, progress.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return,
                Err(_) => {
                    tracing::warn!("a change was not acknowledged by every server in time");
                    return;
                }
            }
        }
    }

    /// Whether this server is listening (false for one alone, and while the connection is down).
    pub fn listening(&self) -> bool {
        self.0.as_ref().is_some_and(|shared| shared.listening.load(Ordering::SeqCst))
    }
}

impl Shared {
    fn forget(&self, kinds: Kinds) {
        for forget in self.forgetters.read().expect("forgetters").iter() {
            forget(kinds);
        }
    }
}

/// The thread: connects, listens, sends what is pending, applies what comes; on a broken
/// connection forgets everything and connects again.
fn listen(url: &DbUrl, shared: &Weak<Shared>) {
    loop {
        let Some(alive) = shared.upgrade() else { return };
        let connected = url.connect().map_err(|e| e.to_string()).and_then(|mut conn| {
            conn.batch_execute(&format!("LISTEN {CHANNEL}")).map_err(|e| e.to_string())?;
            Ok(conn)
        });
        let mut conn = match connected {
            Ok(conn) => conn,
            Err(e) => {
                alive.listening.store(false, Ordering::SeqCst);
                alive.forget(Kinds::ALL);
                drop(alive);
                tracing::warn!("listening for other servers' changes: {e}; trying again");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        // Whatever was said while nobody listened is lost: forget it all once.
        alive.listening.store(true, Ordering::SeqCst);
        alive.forget(Kinds::ALL);
        drop(alive);
        if let Err(e) = serve(&mut conn, shared) {
            if let Some(alive) = shared.upgrade() {
                alive.listening.store(false, Ordering::SeqCst);
                alive.forget(Kinds::ALL);
            }
            tracing::warn!("the connection for other servers' changes broke: {e}; reconnecting");
            std::thread::sleep(Duration::from_millis(200));
        } else {
            return;
        }
    }
}

/// Sends and receives on a listening connection until it fails (`Err`) or the server has gone
/// (`Ok`). Notifications: `c <server> <number> <kinds>` a change, `a <server> <number> <by>` an
/// acknowledgement of one, `h <server>` a server saying it is there, `q <server>` a server that
/// just started listening asking who is.
fn serve(conn: &mut DbConn, shared: &Weak<Shared>) -> Result<(), String> {
    let DbConn::Postgres(pg) = conn else { return Ok(()) };
    let mut last_beat: Option<std::time::Instant> = None;
    loop {
        let Some(alive) = shared.upgrade() else { return Ok(()) };
        let me = alive.server.as_str();
        let mut outgoing = Vec::new();
        {
            let pending = alive.pending.lock().expect("changes");
            let (mut pending, _) = alive
                .wake
                .wait_timeout_while(pending, POLL, |p| p.kinds.is_empty())
                .expect("changes");
            if !pending.kinds.is_empty() {
                outgoing.push(format!("c {me} {} {}", pending.marked, pending.kinds.0));
                pending.kinds = Kinds::default();
            }
        }
        if last_beat.is_none() {
            // Just listening: the others say at once that they are there, so that this
            // server's first changes wait for them too.
            outgoing.push(format!("q {me}"));
        }
        if last_beat.is_none_or(|at| at.elapsed() >= BEAT) {
            outgoing.push(format!("h {me}"));
            last_beat = Some(std::time::Instant::now());
        }
        // A change is sent before what came is read: its acknowledgements come after it.
        for payload in outgoing.drain(..) {
            notify(pg, &payload).inspect_err(|_| {
                if let Some(kinds) = change_kinds(&payload) {
                    // Told again after reconnecting, with whatever comes meanwhile.
                    let mut pending = alive.pending.lock().expect("changes");
                    pending.kinds = pending.kinds | kinds;
                }
            })?;
        }
        let mut progressed = false;
        for notification in pg.notifications_iter() {
            let notification = notification.map_err(|e| e.to_string())?;
            let words: Vec<&str> = notification.payload.split(' ').collect();
            let mut peers = alive.peers.lock().expect("peers");
            match words.as_slice() {
                ["c", server, number, kinds] => {
                    let (Ok(number), Ok(kinds)) = (number.parse::<u64>(), kinds.parse::<u8>())
                    else {
                        continue;
                    };
                    if *server == me {
                        peers.echoed = peers.echoed.max(number);
                        progressed = true;
                    } else {
                        drop(peers);
                        alive.forget(Kinds(kinds));
                        outgoing.push(format!("a {server} {number} {me}"));
                    }
                }
                ["a", server, number, by] if *server == me => {
                    let Ok(number) = number.parse::<u64>() else { continue };
                    let entry =
                        peers.seen.entry(by.to_string()).or_insert((std::time::Instant::now(), 0));
                    *entry = (std::time::Instant::now(), entry.1.max(number));
                    progressed = true;
                }
                ["q", server] if *server != me => {
                    peers
                        .seen
                        .entry(server.to_string())
                        .or_insert((std::time::Instant::now(), 0))
                        .0 = std::time::Instant::now();
                    outgoing.push(format!("h {me}"));
                }
                ["h", server] if *server != me => {
                    let entry = peers
                        .seen
                        .entry(server.to_string())
                        .or_insert((std::time::Instant::now(), 0));
                    entry.0 = std::time::Instant::now();
                }
                _ => {}
            }
        }
        if progressed {
            alive.progress.send_modify(|n| *n += 1);
        }
        for payload in outgoing.drain(..) {
            notify(pg, &payload)?;
        }
    }
}

fn notify(pg: &mut diesel::PgConnection, payload: &str) -> Result<(), String> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(CHANNEL)
        .bind::<diesel::sql_types::Text, _>(payload)
        .execute(pg)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The kinds a change notification carries.
fn change_kinds(payload: &str) -> Option<Kinds> {
    let mut words = payload.split(' ');
    (words.next() == Some("c")).then_some(())?;
    words.nth(2)?.parse().ok().map(Kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_combine_and_are_found() {
        let both = Kinds::ACCESS | Kinds::PAGES;
        assert!(both.contains(Kinds::ACCESS) && both.contains(Kinds::PAGES));
        assert!(!both.contains(Kinds::SESSIONS));
        assert!(Kinds::ALL.contains(Kinds::IMAGES));
        assert!(Kinds::default().is_empty());
    }

    #[tokio::test]
    async fn alone_nothing_is_told_or_waited_for() {
        let changes = Changes::none();
        changes.tell(Kinds::ALL);
        assert_eq!(changes.marked(), 0);
        changes.heard(5).await;
        assert!(!changes.listening());
    }
}
