//! `connector.toml` `[[users]]`: the studio's photographers and staff, each with the calendar
//! and address book account the calendar sync keeps in step with the studio.
//!
//! ```toml
//! [[users]]
//! id = "anna"                       # the id sessions and appointments name in `staff`
//! name = "Anna Berg"
//! url = "https://caldav.fastmail.com/"
//! user_name = "anna@fastmail.com"
//! password_file = "secrets/anna.password"
//! calendar = "Work"                 # a calendar's name; the account's first when not given
//! contacts_group = "weddings-2026"
//! warnings_to = "anna@maplelane.example"
//! ```
//!
//! Secrets stay in files (`password_file`, or the OAuth2 refresh token the connector keeps under
//! `.proofroom/`); they are read when a user's sync starts, so one user's missing file stops
//! only that user.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use reqwest::Url;
use serde::Deserialize;
use toml::Spanned;

use crate::ItemError;
use crate::manifest::Manifest;

/// One `[[users]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub name: String,
    /// The CalDAV account's address (a server's root or the user's principal).
    pub url: Url,
    /// The CardDAV account's address when it is not `url` (iCloud and Google keep them apart).
    pub contacts_url: Url,
    pub user_name: String,
    pub login: Login,
    /// A calendar's display name or the last part of its address; none: the first calendar.
    pub calendar: Option<String>,
    /// An address book's display name or the last part of its address; none: the first.
    pub address_book: Option<String>,
    /// Events made on the phone come back to the studio's inbox.
    pub send_back_calendar: bool,
    /// Contacts made on the phone come back to the studio's inbox.
    pub send_back_contacts: bool,
    /// Tentative events made on the phone come back too.
    pub include_tentative: bool,
    /// The client group (`clients/*.toml` `groups`) that goes to this user's address book.
    pub contacts_group: Option<String>,
    /// Where warnings about this user's sync go (a bad password, a server down, a clash).
    pub warnings_to: Option<String>,
    /// Where a report of every sync goes, when wanted.
    pub report_to: Option<String>,
}

/// How the connector signs in to a user's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// HTTP basic auth over HTTPS, the password in a file (Fastmail, iCloud with an app
    /// password, Nextcloud, Radicale…).
    Password { file: PathBuf },
    /// OAuth2 (Google): a refresh token kept under `.proofroom/`, access tokens fetched with it.
    OAuth(Box<OAuthClient>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret_file: Option<PathBuf>,
    pub auth_url: Url,
    pub token_url: Url,
    pub device_url: Option<Url>,
    pub scopes: Vec<String>,
}

pub const GOOGLE_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
pub const GOOGLE_DEVICE_URL: &str = "https://oauth2.googleapis.com/device/code";
pub const GOOGLE_SCOPES: [&str; 2] =
    ["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/carddav"];

/// `[smtp]`: the mail server the calendar sync's warnings and reports go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    /// `smtp://host:587?tls=required`, `smtps://host:465`, or `smtp://127.0.0.1:25` (lettre's
    /// form); no credentials in it.
    pub url: String,
    pub user_name: Option<String>,
    pub password_file: Option<PathBuf>,
    /// `Maple Lane Photography <studio@maplelane.example>`.
    pub from: String,
}

#[derive(Deserialize, Default)]
struct RawFile {
    #[serde(default)]
    users: Vec<RawUser>,
    smtp: Option<Spanned<RawSmtp>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    url: String,
    user_name: Option<String>,
    password_file: Option<String>,
    from: String,
}

/// `[smtp]` of `<library>/connector.toml`, when there is one.
pub fn load_smtp(library: &Path) -> Result<Option<Smtp>, ItemError> {
    let text = match fs::read_to_string(library.join("connector.toml")) {
        Ok(text) => text,
        Err(_) => return Ok(None),
    };
    let manifest = Manifest::new("connector.toml", &text);
    let raw: RawFile = manifest.parse()?;
    let Some(smtp) = raw.smtp else { return Ok(None) };
    let span = smtp.span();
    let smtp = smtp.into_inner();
    if !smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://") {
        return Err(manifest.error(
            span,
            "smtp.url",
            "expected an address like \"smtp://mail.example.com:587?tls=required\"",
        ));
    }
    if !smtp.from.contains('@') {
        return Err(manifest.error(
            span,
            "smtp.from",
            "expected a sender like \"Studio <studio@example.com>\"",
        ));
    }
    Ok(Some(Smtp {
        url: smtp.url.trim().to_string(),
        user_name: nonempty(smtp.user_name),
        password_file: smtp.password_file.map(|f| library.join(f)),
        from: smtp.from.trim().to_string(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    id: Spanned<String>,
    name: Option<String>,
    url: Spanned<String>,
    contacts_url: Option<Spanned<String>>,
    user_name: Spanned<String>,
    password_file: Option<Spanned<String>>,
    oauth: Option<Spanned<RawOAuth>>,
    calendar: Option<String>,
    address_book: Option<String>,
    #[serde(default = "yes")]
    send_back_calendar: bool,
    #[serde(default = "yes")]
    send_back_contacts: bool,
    #[serde(default)]
    include_tentative: bool,
    contacts_group: Option<String>,
    warnings_to: Option<String>,
    report_to: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOAuth {
    client_id: String,
    client_secret_file: Option<String>,
    auth_url: Option<String>,
    token_url: Option<String>,
    device_url: Option<String>,
    scopes: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

/// The users of `<library>/connector.toml`; none when the file or its `[[users]]` are missing.
pub fn load_users(library: &Path) -> Result<Vec<User>, Vec<ItemError>> {
    let text = match fs::read_to_string(library.join("connector.toml")) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(vec![ItemError::new("connector.toml", format!("cannot read: {e}"))]),
    };
    let manifest = Manifest::new("connector.toml", &text);
    let raw: RawFile = manifest.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut users = Vec::new();
    let mut ids = BTreeSet::new();
    let mut accounts = BTreeSet::new();
    for (n, raw) in raw.users.into_iter().enumerate() {
        let field = |name: &str| format!("users[{n}].{name}");
        let mut fail = |span: std::ops::Range<usize>, name: &str, message: String| {
            errors.push(manifest.error(span, &field(name), message));
        };
        let id = raw.id.get_ref().trim().to_string();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            fail(raw.id.span(), "id", format!("expected a short id like \"anna\", found \"{id}\""));
            continue;
        }
        if !ids.insert(id.clone()) {
            fail(raw.id.span(), "id", format!("\"{id}\" is used twice"));
            continue;
        }
        let url = match account_url(raw.url.get_ref()) {
            Ok(url) => url,
            Err(reason) => {
                fail(raw.url.span(), "url", reason);
                continue;
            }
        };
        let contacts_url = match &raw.contacts_url {
            None => url.clone(),
            Some(u) => match account_url(u.get_ref()) {
                Ok(url) => url,
                Err(reason) => {
                    fail(u.span(), "contacts_url", reason);
                    continue;
                }
            },
        };
        let user_name = raw.user_name.get_ref().trim().to_string();
        if user_name.is_empty() {
            fail(raw.user_name.span(), "user_name", "must not be empty".into());
            continue;
        }
        // Two users on one account would each take the other's events for the phone's own.
        let account = (url.host_str().unwrap_or("").to_ascii_lowercase(), user_name.to_lowercase());
        if let Some(other) = accounts.iter().find(|(a, _)| *a == account).map(|(_, id)| id) {
            fail(
                raw.user_name.span(),
                "user_name",
                format!(
                    "{user_name} on {} is already user \"{other}\"'s account; each user syncs to an account of their own",
                    account.0
                ),
            );
            continue;
        }
        accounts.insert((account, id.clone()));
        let login = match (&raw.password_file, raw.oauth) {
            (Some(file), None) => Login::Password { file: library.join(file.get_ref()) },
            (None, Some(oauth)) => match oauth_client(library, oauth.get_ref()) {
                Ok(client) => Login::OAuth(Box::new(client)),
                Err(reason) => {
                    fail(oauth.span(), "oauth", reason);
                    continue;
                }
            },
            (Some(file), Some(_)) => {
                fail(
                    file.span(),
                    "password_file",
                    "give `password_file` or `[users.oauth]`, not both".into(),
                );
                continue;
            }
            (None, None) => {
                fail(
                    raw.user_name.span(),
                    "password_file",
                    "needed: a file with the account's (app) password, or `[users.oauth]` for Google".into(),
                );
                continue;
            }
        };
        users.push(User {
            name: raw
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or(id.clone()),
            id,
            url,
            contacts_url,
            user_name,
            login,
            calendar: nonempty(raw.calendar),
            address_book: nonempty(raw.address_book),
            send_back_calendar: raw.send_back_calendar,
            send_back_contacts: raw.send_back_contacts,
            include_tentative: raw.include_tentative,
            contacts_group: nonempty(raw.contacts_group),
            warnings_to: nonempty(raw.warnings_to),
            report_to: nonempty(raw.report_to),
        });
    }
    if errors.is_empty() { Ok(users) } else { Err(errors) }
}

fn nonempty(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// An `http(s)://` account address; a path ends with `/`, as collections do.
fn account_url(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text.trim()).map_err(|e| {
        format!("\"{text}\" is not an address like \"https://dav.example.com/\": {e}")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{text}\" is not an address like \"https://dav.example.com/\""));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn oauth_client(library: &Path, raw: &RawOAuth) -> Result<OAuthClient, String> {
    let parse = |value: &Option<String>, default: &str| -> Result<Url, String> {
        let text = value.as_deref().unwrap_or(default);
        Url::parse(text).map_err(|e| format!("\"{text}\" is not an address: {e}"))
    };
    if raw.client_id.trim().is_empty() {
        return Err("client_id must not be empty".into());
    }
    Ok(OAuthClient {
        client_id: raw.client_id.trim().to_string(),
        client_secret_file: raw.client_secret_file.as_ref().map(|f| library.join(f)),
        auth_url: parse(&raw.auth_url, GOOGLE_AUTH_URL)?,
        token_url: parse(&raw.token_url, GOOGLE_TOKEN_URL)?,
        device_url: match (&raw.device_url, &raw.token_url) {
            (Some(_), _) | (None, None) => Some(parse(&raw.device_url, GOOGLE_DEVICE_URL)?),
            (None, Some(_)) => None,
        },
        scopes: raw
            .scopes
            .clone()
            .unwrap_or_else(|| GOOGLE_SCOPES.iter().map(|s| s.to_string()).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(toml: &str) -> Result<Vec<User>, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("connector.toml"), toml).unwrap();
        load_users(dir.path()).map_err(|e| e.iter().map(ToString::to_string).collect())
    }

    const ANNA: &str = "[[users]]\nid = \"anna\"\nurl = \"https://dav.example.com/anna\"\nuser_name = \"anna@example.com\"\npassword_file = \"secrets/anna\"\n";

    #[test]
    fn a_user_reads_with_its_defaults() {
        let found = users(ANNA).unwrap();
        assert_eq!(found.len(), 1);
        let anna = &found[0];
        assert_eq!(anna.url.as_str(), "https://dav.example.com/anna/", "a collection ends with /");
        assert_eq!(anna.contacts_url, anna.url);
        assert!(anna.send_back_calendar && anna.send_back_contacts && !anna.include_tentative);
        assert_eq!(anna.name, "anna");
        assert!(matches!(&anna.login, Login::Password { file } if file.ends_with("secrets/anna")));
        assert!(users("server = \"https://x\"\n").unwrap().is_empty());
    }

    #[test]
    fn two_users_on_one_account_are_refused() {
        let twice = format!("{ANNA}\n{}", ANNA.replace("\"anna\"", "\"ben\""));
        let e = users(&twice).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("connector.toml:10: users[1].user_name: anna@example.com on dav.example.com is already user \"anna\"'s account"),
            "{e:?}"
        );
        let e = users(&format!("{ANNA}\n{ANNA}")).unwrap_err();
        assert!(e[0].contains("users[1].id: \"anna\" is used twice"), "{e:?}");
    }

    #[test]
    fn a_user_needs_a_way_to_sign_in() {
        let e = users(&ANNA.replace("password_file = \"secrets/anna\"\n", "")).unwrap_err();
        assert!(e[0].contains("users[0].password_file: needed"), "{e:?}");
        let e =
            users(&ANNA.replace("https://dav.example.com/anna", "dav.example.com")).unwrap_err();
        assert!(e[0].contains("users[0].url: \"dav.example.com\" is not an address"), "{e:?}");
        let google = ANNA.replace(
            "password_file = \"secrets/anna\"\n",
            "[users.oauth]\nclient_id = \"abc.apps.googleusercontent.com\"\n",
        );
        let found = users(&google).unwrap();
        let Login::OAuth(client) = &found[0].login else { panic!("OAuth2") };
        assert_eq!(client.token_url.as_str(), GOOGLE_TOKEN_URL);
    }
}
