//! One user's CalDAV/CardDAV account: libdav's requests sent through reqwest (the connector's
//! one HTTP stack: its TLS, its timeouts), signed in with the user's password or OAuth2 token,
//! and tried again with backoff like every studio API call.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use libdav::caldav::{FindCalendarHomeSet, FindCalendars};
use libdav::carddav::{FindAddressBookHomeSet, FindAddressBooks};
use libdav::dav::{FoundCollection, WebDavClient};
use reqwest::Url;

use crate::retry::{RetryPolicy, retry_after, retryable_status};

/// How requests are signed.
#[derive(Clone)]
pub enum Credentials {
    Basic {
        user_name: String,
        password: String,
    },
    /// An OAuth2 access token.
    Bearer(String),
}

/// A tower service libdav sends its requests through.
#[derive(Clone)]
pub struct DavHttp {
    client: reqwest::Client,
    credentials: Arc<Credentials>,
    retry: RetryPolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum DavHttpError {
    #[error("{0}")]
    Request(String),
}

impl DavHttp {
    pub fn new(credentials: Credentials, retry: RetryPolicy) -> Result<Self, DavHttpError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("proofroom-connector/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DavHttpError::Request(e.to_string()))?;
        Ok(Self { client, credentials: Arc::new(credentials), retry })
    }
}

type Answer = http::Response<Full<Bytes>>;

impl tower_service::Service<http::Request<String>> for DavHttp {
    type Response = Answer;
    type Error = DavHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<Answer, DavHttpError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), DavHttpError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<String>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.send(request).await })
    }
}

impl DavHttp {
    /// Sends one request, again after a pause when there is no answer or the answer says
    /// "later" (every DAV request the sync makes is safe to repeat: PUTs carry If-Match or
    /// If-None-Match).
    async fn send(&self, request: http::Request<String>) -> Result<Answer, DavHttpError> {
        let (parts, body) = request.into_parts();
        let mut tried = 0;
        loop {
            tried += 1;
            let mut builder = self.client.request(parts.method.clone(), parts.uri.to_string());
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            builder = match &*self.credentials {
                Credentials::Basic { user_name, password } => {
                    builder.basic_auth(user_name, Some(password))
                }
                Credentials::Bearer(token) => builder.bearer_auth(token),
            };
            let last = tried >= self.retry.attempts;
            match builder.body(body.clone()).send().await {
                Ok(response) if retryable_status(response.status()) && !last => {
                    let wait = retry_after(response.headers());
                    tokio::time::sleep(self.retry.delay(tried, wait)).await;
                }
                Ok(response) => return into_answer(response).await,
                Err(e) if !last && (e.is_connect() || e.is_timeout() || e.is_request()) => {
                    tokio::time::sleep(self.retry.delay(tried, None)).await;
                }
                Err(e) => return Err(DavHttpError::Request(crate::api::error_chain(&e))),
            }
        }
    }
}

async fn into_answer(response: reqwest::Response) -> Result<Answer, DavHttpError> {
    let mut answer = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body =
        response.bytes().await.map_err(|e| DavHttpError::Request(crate::api::error_chain(&e)))?;
    answer.body(Full::new(body)).map_err(|e| DavHttpError::Request(e.to_string()))
}

pub type Dav = WebDavClient<DavHttp>;

/// A client for the account at `url`.
pub fn client(url: &Url, http: DavHttp) -> Result<Dav, String> {
    let uri: http::Uri = url.as_str().parse().map_err(|e| format!("{url}: {e}"))?;
    Ok(WebDavClient::new(uri, http))
}

/// Which kind of collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Calendar,
    Contacts,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Calendar => "calendar",
            Kind::Contacts => "contacts",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Calendar => "calendar",
            Kind::Contacts => "address book",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Calendar => "ics",
            Kind::Contacts => "vcf",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Calendar => "text/calendar; charset=utf-8",
            Kind::Contacts => "text/vcard; charset=utf-8",
        }
    }
}

/// The collection to sync with: the one named `wanted` (its display name or the last part of
/// its address), or the account's first. Found from the account's principal and home set.
pub async fn find_collection(
    dav: &Dav,
    kind: Kind,
    wanted: Option<&str>,
) -> Result<FoundCollection, String> {
    let principal = dav.find_current_user_principal().await.map_err(|e| {
        let e = e.to_string();
        if e.contains("401") {
            "the server refused the user name and password (401)".to_string()
        } else {
            format!("cannot find the account: {e}")
        }
    })?;
    let principal =
        principal.map_or_else(|| dav.base_url().path().to_string(), |p| p.path().to_string());
    let mut found = Vec::new();
    match kind {
        Kind::Calendar => {
            let homes = dav
                .request(FindCalendarHomeSet::new(&principal))
                .await
                .map_err(|e| format!("cannot find the calendars of {principal}: {e}"))?;
            for home in homes.home_sets {
                let list = dav
                    .request(FindCalendars::new(home.path()))
                    .await
                    .map_err(|e| format!("cannot list the calendars in {}: {e}", home.path()))?;
                found.extend(list.calendars);
            }
        }
        Kind::Contacts => {
            let homes = dav
                .request(FindAddressBookHomeSet::new(&principal))
                .await
                .map_err(|e| format!("cannot find the address books of {principal}: {e}"))?;
            for home in homes.home_sets {
                let list = dav.request(FindAddressBooks::new(home.path())).await.map_err(|e| {
                    format!("cannot list the address books in {}: {e}", home.path())
                })?;
                found.extend(list.addressbooks);
            }
        }
    }
    found.sort_by(|a, b| a.href.cmp(&b.href));
    let name_of = |c: &FoundCollection| -> String {
        display_name(c).unwrap_or_else(|| last_segment(&c.href).to_string())
    };
    let chosen = match wanted {
        None => found.first().cloned(),
        Some(want) => found
            .iter()
            .find(|c| display_name(c).as_deref() == Some(want) || last_segment(&c.href) == want)
            .cloned(),
    };
    chosen.ok_or_else(|| {
        let names: Vec<String> = found.iter().map(|c| format!("\"{}\"", name_of(c))).collect();
        match wanted {
            Some(want) => format!(
                "the account has no {} \"{want}\"; it has {}",
                kind.noun(),
                if names.is_empty() { "none".into() } else { names.join(", ") }
            ),
            None => format!("the account has no {}", kind.noun()),
        }
    })
}

fn display_name(c: &FoundCollection) -> Option<String> {
    c.properties
        .iter()
        .find(|(name, _)| **name == libdav::names::DISPLAY_NAME)
        .and_then(|(_, value)| value.clone())
        .filter(|v| !v.trim().is_empty())
}

fn last_segment(href: &str) -> &str {
    href.trim_end_matches('/').rsplit('/').next().unwrap_or(href)
}
