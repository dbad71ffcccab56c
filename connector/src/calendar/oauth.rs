//! OAuth2 for accounts without passwords (Google): `calendar authorize USER` signs the user in
//! once — in a browser that comes back to a loopback address, or on another device with a
//! code — and keeps the refresh token in `.proofroom/oauth/<user>.json` (readable by the
//! studio's account only). Each sync trades it for an access token when the last one is about
//! to expire.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::accounts::{OAuthClient, User};
use crate::state::STATE_DIR;

/// What is kept of a user's authorization.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tokens {
    refresh_token: String,
    access_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

/// A token endpoint's answer (RFC 6749 §5.1, §5.2; RFC 8628 §3.5).
#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    error: Option<String>,
    error_description: Option<String>,
}

fn token_file(library: &Path, user: &str) -> PathBuf {
    library.join(STATE_DIR).join("oauth").join(format!("{user}.json"))
}

fn http() -> Result<reqwest::Client, String> {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().map_err(|e| e.to_string())
}

fn client_secret(client: &OAuthClient) -> Result<Option<String>, String> {
    match &client.client_secret_file {
        None => Ok(None),
        Some(file) => std::fs::read_to_string(file)
            .map(|s| Some(s.trim().to_string()))
            .map_err(|e| format!("cannot read client_secret_file {}: {e}", file.display())),
    }
}

/// POSTs `form` (with the client's id and secret) to the token endpoint.
async fn token_request(client: &OAuthClient, form: &[(&str, &str)]) -> Result<TokenAnswer, String> {
    let secret = client_secret(client)?;
    let mut form: Vec<(&str, &str)> = form.to_vec();
    form.push(("client_id", &client.client_id));
    if let Some(secret) = &secret {
        form.push(("client_secret", secret));
    }
    let response = http()?
        .post(client.token_url.clone())
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("cannot reach the token endpoint {}: {e}", client.token_url))?;
    let status = response.status();
    let answer: TokenAnswer = response
        .json()
        .await
        .map_err(|e| format!("the token endpoint answered {status} without a token: {e}"))?;
    Ok(answer)
}

fn save(library: &Path, user: &str, tokens: &Tokens) -> Result<(), String> {
    let path = token_file(library, user);
    let dir = path.parent().expect("a folder");
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let temporary = dir.join(format!(".{user}.json.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temporary)
        .map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
    let text = serde_json::to_vec_pretty(tokens).map_err(|e| e.to_string())?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// An access token for `user`: the kept one while it has more than a minute left, else a new
/// one from the refresh token.
pub async fn access_token(
    library: &Path,
    user: &User,
    client: &OAuthClient,
) -> Result<String, String> {
    let path = token_file(library, &user.id);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        format!(
            "not authorized yet: run `proofroom-connector calendar authorize {} --library {}` once",
            user.id,
            library.display()
        )
    })?;
    let mut tokens: Tokens =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let fresh = tokens.expires_at.is_some_and(|at| at - chrono::Duration::seconds(60) > Utc::now());
    if let (Some(token), true) = (&tokens.access_token, fresh) {
        return Ok(token.clone());
    }
    let answer = token_request(
        client,
        &[("grant_type", "refresh_token"), ("refresh_token", &tokens.refresh_token)],
    )
    .await?;
    let Some(access) = answer.access_token else {
        let error = answer.error.unwrap_or_else(|| "no access token".into());
        return Err(if error == "invalid_grant" {
            format!(
                "the account no longer accepts the studio's authorization (invalid_grant): run `proofroom-connector calendar authorize {}` again",
                user.id
            )
        } else {
            format!(
                "the token endpoint refused: {error} {}",
                answer.error_description.unwrap_or_default()
            )
        });
    };
    tokens.access_token = Some(access.clone());
    tokens.expires_at =
        Some(Utc::now() + chrono::Duration::seconds(answer.expires_in.unwrap_or(3600)));
    if let Some(rotated) = answer.refresh_token {
        tokens.refresh_token = rotated;
    }
    save(library, &user.id, &tokens)?;
    Ok(access)
}

/// Keeps what a successful authorization answered.
fn keep(library: &Path, user: &User, answer: TokenAnswer) -> Result<(), String> {
    let refresh_token = answer.refresh_token.ok_or(
        "the account answered without a refresh token (for Google, remove the studio's access in the account's security settings and authorize again)",
    )?;
    let tokens = Tokens {
        refresh_token,
        access_token: answer.access_token,
        expires_at: answer.expires_in.map(|s| Utc::now() + chrono::Duration::seconds(s)),
    };
    save(library, &user.id, &tokens)
}

fn random_word() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// The loopback flow (RFC 8252): prints the address to open, waits for the browser to come
/// back to 127.0.0.1 with a code, and trades it (with the PKCE verifier) for tokens.
pub async fn authorize_in_browser(
    library: &Path,
    user: &User,
    client: &OAuthClient,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let redirect = format!("http://127.0.0.1:{port}/");
    let verifier = random_word();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let state = random_word();
    let mut url = client.auth_url.clone();
    url.query_pairs_mut()
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", &redirect)
        .append_pair("response_type", "code")
        .append_pair("scope", &client.scopes.join(" "))
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", &state);
    println!("Open this address in a browser and sign in as {}:\n\n  {url}\n", user.user_name);
    println!("Waiting for the browser to come back to {redirect} …");
    let code = loop {
        let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        BufReader::new(read).read_line(&mut line).await.map_err(|e| e.to_string())?;
        let target = line.split_whitespace().nth(1).unwrap_or("/");
        let query =
            reqwest::Url::parse(&format!("http://127.0.0.1{target}")).map_err(|e| e.to_string())?;
        let get =
            |key: &str| query.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.to_string());
        let (page, outcome) = match (get("code"), get("state"), get("error")) {
            (Some(code), Some(s), _) if s == state => {
                ("Proofroom is authorized. You can close this window.", Some(Ok(code)))
            }
            (_, _, Some(error)) => (
                "The authorization was refused. You can close this window.",
                Some(Err(format!("the account refused: {error}"))),
            ),
            _ => ("Not the answer Proofroom waits for.", None),
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = write.write_all(response.as_bytes()).await;
        if let Some(outcome) = outcome {
            break outcome?;
        }
    };
    let answer = token_request(
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await?;
    if let Some(error) = &answer.error {
        return Err(format!("the token endpoint refused the code: {error}"));
    }
    keep(library, user, answer)
}

#[derive(Debug, Deserialize)]
struct DeviceAnswer {
    device_code: String,
    user_code: String,
    #[serde(alias = "verification_uri")]
    verification_url: String,
    interval: Option<u64>,
    expires_in: Option<u64>,
}

/// The device flow (RFC 8628), for a studio computer without a browser: prints an address and
/// a code to enter on any device, and waits until the user has.
pub async fn authorize_on_device(
    library: &Path,
    user: &User,
    client: &OAuthClient,
) -> Result<(), String> {
    let device_url = client
        .device_url
        .clone()
        .ok_or("this account has no device_url in [users.oauth]; authorize in a browser instead")?;
    let scopes = client.scopes.join(" ");
    let response = http()?
        .post(device_url.clone())
        .form(&[("client_id", client.client_id.as_str()), ("scope", scopes.as_str())])
        .send()
        .await
        .map_err(|e| format!("cannot reach {device_url}: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| format!("{device_url}: {e}"))?;
    let device: DeviceAnswer = serde_json::from_str(&text).map_err(|_| {
        // Google answers e.g. {"error": "invalid_scope"} for a client or scope it does not
        // take on devices: say what it said.
        format!("{device_url} refused ({status}): {}", text.trim())
    })?;
    println!(
        "On any device, open {} and enter the code {} (signed in as {}).",
        device.verification_url, device.user_code, user.user_name
    );
    let mut interval = Duration::from_secs(device.interval.unwrap_or(5).max(1));
    let deadline =
        std::time::Instant::now() + Duration::from_secs(device.expires_in.unwrap_or(900));
    loop {
        tokio::time::sleep(interval).await;
        let answer = token_request(
            client,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", &device.device_code),
            ],
        )
        .await?;
        match answer.error.as_deref() {
            None => return keep(library, user, answer),
            Some("authorization_pending") => {}
            Some("slow_down") => interval += Duration::from_secs(5),
            Some(error) => return Err(format!("the authorization was not given: {error}")),
        }
        if std::time::Instant::now() > deadline {
            return Err("the code expired before it was entered; run authorize again".into());
        }
    }
}
