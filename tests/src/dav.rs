//! Real CalDAV/CardDAV servers for the calendar stories — Radicale and Xandikos, from PyPI —
//! started on a free port with their storage in a temporary folder, and a phone's view of them:
//! put an event or a card as a phone app would, list what the server holds.

use std::process::Child;

use reqwest::Method;
use tempfile::TempDir;

use crate::python;

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Radicale,
    Xandikos,
}

impl Peer {
    pub const ALL: [Peer; 2] = [Peer::Radicale, Peer::Xandikos];

    fn module(self) -> &'static str {
        match self {
            Peer::Radicale => "radicale",
            Peer::Xandikos => "xandikos",
        }
    }
}

/// The password every user of a test server has.
pub const PASSWORD: &str = "correct horse";

pub struct DavServer {
    child: Child,
    pub port: u16,
    pub peer: Peer,
    dir: TempDir,
    http: reqwest::Client,
}

impl Drop for DavServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl DavServer {
    /// Starts `peer` with a calendar and an address book for each of `users` (Xandikos serves
    /// one user, whatever the name). None, with a warning, when the server is not installed (a
    /// failure under CI=true).
    pub async fn start(peer: Peer, users: &[&str]) -> Option<Self> {
        if !python::available(peer.module(), "the calendar stories") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let (child, port) = match peer {
            Peer::Radicale => {
                let users_file = root.join("users");
                let lines: String = users.iter().map(|u| format!("{u}:{PASSWORD}\n")).collect();
                std::fs::write(&users_file, lines).unwrap();
                python::start_on_free_port("radicale", |port| {
                    vec![
                        "-m".into(),
                        "radicale".into(),
                        "--server-hosts".into(),
                        format!("127.0.0.1:{port}"),
                        "--storage-filesystem-folder".into(),
                        root.join("collections").display().to_string(),
                        "--auth-type".into(),
                        "htpasswd".into(),
                        "--auth-htpasswd-filename".into(),
                        users_file.display().to_string(),
                        "--auth-htpasswd-encryption".into(),
                        "plain".into(),
                    ]
                })
            }
            Peer::Xandikos => python::start_on_free_port("xandikos", |port| {
                vec![
                    "-m".into(),
                    "xandikos.web".into(),
                    "--defaults".into(),
                    "-d".into(),
                    root.join("collections").display().to_string(),
                    "--state-dir".into(),
                    root.join("state").display().to_string(),
                    "-l".into(),
                    "127.0.0.1".into(),
                    "-p".into(),
                    port.to_string(),
                ]
            }),
        };
        let server = Self { child, port, peer, dir, http: reqwest::Client::new() };
        for user in users.iter().filter(|_| peer == Peer::Radicale) {
            // What a new account has: one calendar and one address book.
            let calendar = server.calendar_href(user);
            let made = server.request("MKCALENDAR", user, &calendar, None).await;
            assert!(made.0.is_success(), "MKCALENDAR {calendar}: {made:?}");
            let body = r#"<?xml version="1.0"?><mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><set><prop><resourcetype><collection/><C:addressbook/></resourcetype><displayname>Contacts</displayname></prop></set></mkcol>"#;
            let contacts = server.contacts_href(user);
            let made = server.request("MKCOL", user, &contacts, Some(("text/xml", body))).await;
            assert!(made.0.is_success(), "MKCOL {contacts}: {made:?}");
        }
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Where the server keeps its collections (to watch it from outside).
    pub fn folder(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn calendar_href(&self, user: &str) -> String {
        match self.peer {
            Peer::Radicale => format!("/{user}/calendar/"),
            Peer::Xandikos => "/user/calendars/calendar/".into(),
        }
    }

    pub fn contacts_href(&self, user: &str) -> String {
        match self.peer {
            Peer::Radicale => format!("/{user}/contacts/"),
            Peer::Xandikos => "/user/contacts/addressbook/".into(),
        }
    }

    /// The `[[users]]` entry of connector.toml for `user` on this server, its password in
    /// `secrets/<user>.password` (written by the caller with [`PASSWORD`]).
    pub fn user_toml(&self, user: &str, extra: &str) -> String {
        format!(
            "[[users]]\nid = \"{user}\"\nname = \"{user} (phone)\"\nurl = \"{}\"\nuser_name = \"{user}\"\npassword_file = \"secrets/{user}.password\"\n{extra}\n",
            self.url()
        )
    }

    pub async fn request(
        &self,
        method: &str,
        user: &str,
        href: &str,
        body: Option<(&str, &str)>,
    ) -> (reqwest::StatusCode, String) {
        let mut request = self
            .http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("http://127.0.0.1:{}{href}", self.port),
            )
            .basic_auth(user, Some(PASSWORD));
        if method == "PROPFIND" {
            request = request.header("Depth", "1");
        }
        if let Some((content_type, body)) = body {
            request = request.header("Content-Type", content_type).body(body.to_string());
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {href} on {}: {e}", self.port));
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    /// Puts `data` at `<collection>/<name>` as a phone app would.
    pub async fn put(
        &self,
        user: &str,
        collection: &str,
        name: &str,
        content_type: &str,
        data: &str,
    ) {
        let href = format!("{collection}{name}");
        let (status, body) = self.request("PUT", user, &href, Some((content_type, data))).await;
        assert!(status.is_success(), "PUT {href}: {status} {body}");
    }

    /// Every resource of a collection: (address, content), sorted by address.
    pub async fn resources(&self, user: &str, collection: &str) -> Vec<(String, String)> {
        let (status, listing) = self.request("PROPFIND", user, collection, None).await;
        assert!(status.is_success(), "PROPFIND {collection}: {status} {listing}");
        let mut found = Vec::new();
        for href in hrefs(&listing) {
            if !href.starts_with('/') && !href.starts_with("http") {
                continue; // not a resource's address (Radicale lists a urn:uuid too)
            }
            let path = href.split("://").nth(1).map_or(href.clone(), |rest| {
                rest.find('/').map_or("/".into(), |i| rest[i..].to_string())
            });
            if path.trim_end_matches('/') == collection.trim_end_matches('/') || path.ends_with('/')
            {
                continue;
            }
            let (status, data) = self.request("GET", user, &path, None).await;
            assert!(status.is_success(), "GET {path}: {status}");
            found.push((path, data));
        }
        found.sort();
        found
    }

    pub async fn events(&self, user: &str) -> Vec<(String, String)> {
        self.resources(user, &self.calendar_href(user)).await
    }

    pub async fn cards(&self, user: &str) -> Vec<(String, String)> {
        self.resources(user, &self.contacts_href(user)).await
    }
}

/// The text of every `…href>` element of a multistatus answer, whatever its namespace prefix.
fn hrefs(xml: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("href>") {
        let after = &rest[i + 5..];
        let is_open = rest[..i].rfind('<').is_some_and(|lt| !rest[lt..i].starts_with("</"));
        if let Some(end) = after.find("</")
            && is_open
        {
            found.push(after[..end].trim().to_string());
        }
        rest = after;
    }
    found
}

/// A phone's iCalendar event: `starts`/`ends` like `20261220T190000` in `zone`.
pub fn phone_event(
    uid: &str,
    title: &str,
    zone: &str,
    starts: &str,
    ends: &str,
    extra: &str,
) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Phone//Calendar//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T120000Z\r\nDTSTART;TZID={zone}:{starts}\r\nDTEND;TZID={zone}:{ends}\r\nSUMMARY:{title}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}
