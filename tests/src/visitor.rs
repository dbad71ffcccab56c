//! A person with a browser-like cookie jar, driving the site over HTTP: pages, forms with their
//! CSRF token, images. Redirects are not followed, so tests see where each answer points.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};

pub struct Visitor {
    base: String,
    http: reqwest::Client,
    /// The CSRF token of the last page that had a form.
    csrf: Option<String>,
}

/// An answer: status, where it redirects, the body, and the raw Set-Cookie headers.
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub set_cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// A header's value, or "" without one.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The path of the newest link on an event's invites page (`/invite/<token>`).
    pub fn newest_invite(&self) -> String {
        let link = self.first_quoted_after("value=\"", "/invite/");
        link[link.find("/invite/").unwrap()..].to_string()
    }

    /// The form action on an event's invites page that withdraws the newest invite.
    pub fn newest_revoke(&self) -> String {
        self.first_quoted_after("action=\"", "/revoke")
    }

    /// The first value of `attr` (written with its opening quote) that contains `containing`.
    fn first_quoted_after(&self, attr: &str, containing: &str) -> String {
        let value =
            self.body.split(attr).find(|v| v.split('"').next().unwrap().contains(containing));
        value.expect(containing).split('"').next().unwrap().to_string()
    }

    /// The `href`/`src`/`data-proof` values of the page that start with `prefix`.
    pub fn links(&self, prefix: &str) -> Vec<String> {
        let mut found = Vec::new();
        for attr in ["href=\"", "src=\"", "data-proof=\""] {
            for part in self.body.split(attr).skip(1) {
                let value = part.split('"').next().unwrap_or_default();
                if value.starts_with(prefix) && !found.contains(&value.to_string()) {
                    found.push(value.to_string());
                }
            }
        }
        found
    }
}

impl Visitor {
    pub fn new(base: &str) -> Self {
        Self::from_address(base, None)
    }

    /// A visitor whose requests leave from `local_address` (a 127.x.y.z on Linux), to stand for
    /// a different computer.
    pub fn from_address(base: &str, local_address: Option<std::net::IpAddr>) -> Self {
        Self::build(base, local_address, reqwest::header::HeaderMap::new())
    }

    /// A visitor whose every request carries these headers as well (`X-Forwarded-Host`, …): a
    /// client, or a proxy in between, that says what it likes.
    pub fn with_headers(base: &str, headers: &[(&str, &str)]) -> Self {
        let headers = headers
            .iter()
            .map(|(name, value)| {
                (
                    reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    reqwest::header::HeaderValue::from_str(value).unwrap(),
                )
            })
            .collect();
        Self::build(base, None, headers)
    }

    fn build(
        base: &str,
        local_address: Option<std::net::IpAddr>,
        headers: reqwest::header::HeaderMap,
    ) -> Self {
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            // Under the server's 5 s keep-alive: a connection it may be closing is never reused
            // (that race shows as "IncompleteMessage" when many visitors wait, then send).
            .pool_idle_timeout(std::time::Duration::from_secs(3));
        if let Some(address) = local_address {
            builder = builder.local_address(address);
        }
        Self { base: base.to_string(), http: builder.build().unwrap(), csrf: None }
    }

    /// A visitor behind the site's proxy: every request carries `X-Forwarded-For: forwarded`,
    /// as the proxy passes it on (what the client wrote, then the address the proxy saw).
    pub fn forwarded_for(base: &str, forwarded: &str) -> Self {
        Self::with_headers(base, &[("x-forwarded-for", forwarded)])
    }

    /// A visitor on a computer of their own: each call takes the next 127.x.y.z address, so
    /// stories with many people are not held to one address's limits.
    pub fn elsewhere(base: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // 127.2.0.1 upwards: clear of the 127.0.x.y and 127.1.x.y that stories pick by hand.
        let address = [127, 2 + (n >> 16) as u8, (n >> 8) as u8, n as u8];
        Self::from_address(base, Some(address.into()))
    }

    /// The same browser (its cookies), sending its requests to `base` instead: one server of
    /// a site of several, reached directly. Cookies go by host, not port, so they all follow.
    pub fn same_browser_at(&self, base: &str) -> Self {
        Self { base: base.to_string(), http: self.http.clone(), csrf: self.csrf.clone() }
    }

    async fn answer(&mut self, response: reqwest::Response) -> Answer {
        let answer = Self::read(response).await;
        if let Some(token) = answer
            .body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        {
            self.csrf = Some(token.to_string());
        }
        answer
    }

    async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let location =
            response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        let set_cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Answer { status, location, body, set_cookies, headers }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        self.answer(response).await
    }

    /// Status and bytes of an image (or any file).
    pub async fn fetch(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = response.status();
        (status, response.bytes().await.unwrap().to_vec())
    }

    /// A GET asking for JSON back, as a script would: errors come as `{"error", "message"}`.
    /// A `HEAD` request: its status and headers.
    pub async fn head(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap) {
        let response = self.http.head(format!("{}{path}", self.base)).send().await.unwrap();
        (response.status(), response.headers().clone())
    }

    pub async fn get_json(&self, path: &str) -> Answer {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .unwrap();
        Self::read(response).await
    }

    /// A file download: status, headers and the bytes as they came.
    pub async fn download(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(String, String)> =
            fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if let Some(token) = &self.csrf {
            form.push(("csrf".into(), token.clone()));
        }
        let response =
            self.http.post(format!("{}{path}", self.base)).form(&form).send().await.unwrap();
        self.answer(response).await
    }

    /// Posts a form with the CSRF token of the last page seen, as the pages' own script does:
    /// asking for JSON back.
    pub async fn post_json(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(token) = &self.csrf {
            form.push(("csrf", token));
        }
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .unwrap();
        Self::read(response).await
    }

    /// Posts a form with the CSRF token already held, without taking a new one from the answer:
    /// from `&self`, so that many can be sent at once.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(token) = &self.csrf {
            form.push(("csrf", token));
        }
        let response =
            self.http.post(format!("{}{path}", self.base)).form(&form).send().await.unwrap();
        Self::read(response).await
    }

    /// Posts `body` exactly as written, as `content_type`; a form body gets the CSRF token of the
    /// last page seen appended. For bytes a browser would not send (`%FF`, `%00`, half escapes).
    pub async fn post_body(&mut self, path: &str, content_type: &str, body: &str) -> Answer {
        let mut body = body.to_string();
        if content_type == "application/x-www-form-urlencoded"
            && let Some(token) = &self.csrf
        {
            body.push_str(if body.is_empty() { "csrf=" } else { "&csrf=" });
            body.push_str(token);
        }
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// Posts a `multipart/form-data` form with the CSRF token of the last page seen, and a file
    /// part (`name`, file name, bytes, type) if given, as a browser sends a form with a file.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>, &str)>,
    ) -> Answer {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        if let Some(token) = &self.csrf {
            form = form.text("csrf", token.clone());
        }
        if let Some((name, file_name, bytes, content_type)) = file {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(file_name.to_string())
                .mime_str(content_type)
                .unwrap();
            form = form.part(name.to_string(), part);
        }
        let response =
            self.http.post(format!("{}{path}", self.base)).multipart(form).send().await.unwrap();
        self.answer(response).await
    }

    /// Posts a form exactly as given: no CSRF token added.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let response =
            self.http.post(format!("{}{path}", self.base)).form(fields).send().await.unwrap();
        self.answer(response).await
    }

    /// Signs in through the sign-in page.
    pub async fn sign_in(&mut self, user_name: &str, password: &str) -> Answer {
        self.get("/login").await;
        self.post("/login", &[("user_name", user_name), ("password", password)]).await
    }

    /// Enters an event code in the home page's box.
    pub async fn enter_code(&mut self, code: &str) -> Answer {
        self.get("/").await;
        self.post("/unlock", &[("code", code)]).await
    }
}
