//! `connector.toml` and its overrides: the server's URL and the studio's API token.
//!
//! Precedence: a command-line flag, then the environment (`PROOFROOM_TOKEN`, token only), then
//! `connector.toml` (`server`; the token read from `token_file`, relative to the library).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use reqwest::Url;
use serde::Deserialize;
use toml::Spanned;

use crate::manifest::{Manifest, Minutes};
use crate::{ItemError, PushOptions};

/// The environment variable that holds the token when no `--token` is given.
pub const TOKEN_ENV: &str = "PROOFROOM_TOKEN";
pub const DEFAULT_INTERVAL_MINUTES: u32 = 15;

/// Where the connector sends what and as whom.
#[derive(Clone)]
pub struct Config {
    /// The server's base URL without a trailing slash, e.g. `https://proofroom.example`.
    pub server: String,
    pub token: String,
    pub token_source: TokenSource,
    /// Minutes between two syncs of `run` (not used by `push`).
    pub interval_minutes: u32,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("token", &"<redacted>")
            .field("token_source", &self.token_source)
            .field("interval_minutes", &self.interval_minutes)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Flag,
    Env,
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    File(ItemError),
    #[error("no server: set `server` in connector.toml or pass --server URL")]
    NoServer,
    #[error("{origin}: {url:?} is not a server URL like \"https://proofroom.example\": {reason}")]
    BadServer { origin: String, url: String, reason: String },
    #[error(
        "no token: pass --token, set the {TOKEN_ENV} environment variable, or set `token_file` in connector.toml"
    )]
    NoToken,
    #[error("{}: {message}", path.display())]
    TokenFile { path: PathBuf, message: String },
    #[error("the token given by {origin} is empty")]
    EmptyToken { origin: String },
    #[error("the token given by {origin} holds spaces or control characters; a token is one word")]
    BadToken { origin: String },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    server: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    interval_minutes: Option<Minutes>,
    /// The calendar sync's users and mail server: read by `accounts`, not needed here.
    #[serde(rename = "users", default)]
    _users: Option<serde::de::IgnoredAny>,
    #[serde(rename = "smtp", default)]
    _smtp: Option<serde::de::IgnoredAny>,
}

/// The configuration of a command's options: `--server`/`--token`, then `PROOFROOM_TOKEN`,
/// then the library's `connector.toml`.
pub(crate) fn for_options(options: &PushOptions) -> Result<Config, ConfigError> {
    let env_token = std::env::var(TOKEN_ENV).ok();
    load_config(
        &options.library,
        options.server.as_deref(),
        options.token.as_deref(),
        env_token.as_deref(),
    )
}

/// Reads `<library>/connector.toml` (optional when the flags give server and token) and applies
/// the overrides. `env_token` is the value of `PROOFROOM_TOKEN`, passed in so callers decide
/// whether the environment counts.
pub fn load_config(
    library: &Path,
    server_flag: Option<&str>,
    token_flag: Option<&str>,
    env_token: Option<&str>,
) -> Result<Config, ConfigError> {
    let path = library.join("connector.toml");
    let text = match fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(ConfigError::File(ItemError::new(
                "connector.toml",
                format!("cannot read: {e}"),
            )));
        }
    };
    let manifest = text.as_deref().map(|t| Manifest::new("connector.toml", t));
    let raw: RawConfig = match &manifest {
        Some(m) => m.parse().map_err(ConfigError::File)?,
        None => RawConfig::default(),
    };

    let server = match (server_flag, &raw.server) {
        (Some(flag), _) => normalize_server(flag).map_err(|reason| ConfigError::BadServer {
            origin: "--server".into(),
            url: flag.into(),
            reason,
        })?,
        (None, Some(s)) => normalize_server(s.get_ref()).map_err(|reason| {
            let m = manifest.as_ref().expect("server came from the file");
            ConfigError::File(m.error(
                s.span(),
                "server",
                format!(
                    "{:?} is not a server URL like \"https://proofroom.example\": {reason}",
                    s.get_ref()
                ),
            ))
        })?,
        (None, None) => return Err(ConfigError::NoServer),
    };

    let env_token = env_token.filter(|t| !t.is_empty());
    let (token, token_source) = if let Some(t) = token_flag {
        (t.trim().to_string(), TokenSource::Flag)
    } else if let Some(t) = env_token {
        (t.trim().to_string(), TokenSource::Env)
    } else if let Some(file) = &raw.token_file {
        let token_path = library.join(file.get_ref());
        let t = fs::read_to_string(&token_path).map_err(|e| {
            let m = manifest.as_ref().expect("token_file came from the file");
            ConfigError::File(m.error(
                file.span(),
                "token_file",
                format!("cannot read {}: {e}", token_path.display()),
            ))
        })?;
        (t.trim().to_string(), TokenSource::File(token_path))
    } else {
        return Err(ConfigError::NoToken);
    };
    if token.is_empty() {
        return Err(match token_source {
            TokenSource::File(path) => {
                ConfigError::TokenFile { path, message: "the file is empty".into() }
            }
            TokenSource::Flag => ConfigError::EmptyToken { origin: "--token".into() },
            TokenSource::Env => ConfigError::EmptyToken { origin: TOKEN_ENV.into() },
        });
    }
    if token.contains(|c: char| c.is_control() || c == ' ') {
        let origin = match &token_source {
            TokenSource::Flag => "--token".to_string(),
            TokenSource::Env => TOKEN_ENV.to_string(),
            TokenSource::File(p) => p.display().to_string(),
        };
        return Err(ConfigError::BadToken { origin });
    }

    Ok(Config {
        server,
        token,
        token_source,
        interval_minutes: raw.interval_minutes.map_or(DEFAULT_INTERVAL_MINUTES, |m| m.0 as u32),
    })
}

/// Checks an `http(s)://` base URL and drops a trailing slash.
pub fn normalize_server(s: &str) -> Result<String, String> {
    let s = s.trim();
    let url = Url::parse(s).map_err(|e| e.to_string())?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err("it must start with http:// or https://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("it must not have a ?query or #fragment".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn reads_the_file_and_the_token_file() {
        let dir = lib(&[
            (
                "connector.toml",
                "server = \"http://127.0.0.1:8080/\"\ntoken_file = \"studio.token\"\n",
            ),
            ("studio.token", "  tok-file\n"),
        ]);
        let c = load_config(dir.path(), None, None, None).unwrap();
        assert_eq!(c.server, "http://127.0.0.1:8080");
        assert_eq!(c.token, "tok-file");
        assert_eq!(c.token_source, TokenSource::File(dir.path().join("studio.token")));
        assert_eq!(c.interval_minutes, 15);
        assert!(!format!("{c:?}").contains("tok-file"));
    }

    #[test]
    fn flag_beats_env_beats_file() {
        let dir = lib(&[
            (
                "connector.toml",
                "server = \"https://a.example\"\ntoken_file = \"t\"\ninterval_minutes = 5\n",
            ),
            ("t", "from-file"),
        ]);
        let c = load_config(
            dir.path(),
            Some("https://b.example/x/"),
            Some("from-flag"),
            Some("from-env"),
        )
        .unwrap();
        assert_eq!((c.server.as_str(), c.token.as_str()), ("https://b.example/x", "from-flag"));
        assert_eq!(c.interval_minutes, 5);
        let c = load_config(dir.path(), None, None, Some("from-env")).unwrap();
        assert_eq!((c.token.as_str(), c.token_source), ("from-env", TokenSource::Env));
        let c = load_config(dir.path(), None, None, Some("")).unwrap();
        assert_eq!(c.token, "from-file");
    }

    #[test]
    fn no_file_needs_flags() {
        let dir = lib(&[]);
        assert!(matches!(
            load_config(dir.path(), None, Some("t"), None),
            Err(ConfigError::NoServer)
        ));
        assert!(matches!(
            load_config(dir.path(), Some("http://x"), None, None),
            Err(ConfigError::NoToken)
        ));
        assert!(load_config(dir.path(), Some("http://x"), None, Some("t")).is_ok());
        assert!(matches!(
            load_config(dir.path(), Some("ftp://x"), Some("t"), None),
            Err(ConfigError::BadServer { .. })
        ));
    }

    #[test]
    fn file_errors_name_the_line() {
        let dir =
            lib(&[("connector.toml", "server = \"http://x\"\ntoken_file = \"missing.token\"\n")]);
        let e = load_config(dir.path(), None, None, None).unwrap_err().to_string();
        assert!(e.starts_with("connector.toml:2: token_file: cannot read "), "{e}");
        let dir = lib(&[("connector.toml", "server = \"http://x\"\ninterval = 5\n")]);
        let e = load_config(dir.path(), None, Some("t"), None).unwrap_err().to_string();
        assert!(e.starts_with("connector.toml:2: interval: unknown field"), "{e}");
        let dir = lib(&[("connector.toml", "server = \"localhost:8080\"\n")]);
        let e = load_config(dir.path(), None, Some("t"), None).unwrap_err().to_string();
        assert!(
            e.starts_with("connector.toml:1: server: \"localhost:8080\" is not a server URL"),
            "{e}"
        );
        let dir =
            lib(&[("connector.toml", "server = \"http://x\"\ntoken_file = \"t\"\n"), ("t", "\n")]);
        let e = load_config(dir.path(), None, None, None).unwrap_err().to_string();
        assert!(e.ends_with("t: the file is empty"), "{e}");
    }
}
