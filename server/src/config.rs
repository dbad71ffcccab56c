//! Server configuration: a TOML file, then `PROOFROOM_*` environment variables over it.
//!
//! The environment is passed in rather than read globally, so tests build configs side by side.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on; 0 picks a free one (tests).
    pub port: u16,
    /// Where files (derivatives, branding, originals) and the default SQLite database live.
    pub data_dir: PathBuf,
    /// `sqlite://path` or `postgres://…`; defaults to `sqlite://<data_dir>/proofroom.db`.
    pub database_url: Option<String>,
    pub max_db_connections: u32,
    /// HTTP workers; defaults to the number of cores.
    pub workers: Option<usize>,
    /// Largest upload accepted, answered 413 before the body is read.
    pub max_upload_bytes: u64,
    /// Largest image accepted, in pixels, checked from the header before decoding.
    pub max_pixels: u64,
    /// Most memory one decode may allocate.
    pub max_decode_bytes: u64,
    /// Images processed at once; each holds a decoded image in memory.
    pub ingest_jobs: Option<usize>,
    /// Most memory all decodes at once may take: each waits for its estimated need (from the
    /// header, before decoding) to be free; an image needing more than all of it is refused.
    pub max_ingest_memory: u64,
    /// Memory for image bytes kept to serve again (thumbnails and proofs).
    pub image_cache_bytes: u64,
    /// Memory for rendered gallery pages kept to serve again to the same browser session.
    pub page_cache_bytes: u64,
    /// Mark cookies Secure even when the request does not say it came over TLS.
    pub secure_cookies: bool,
    /// A reverse proxy in front sets X-Forwarded-For / Forwarded: trust it for client addresses.
    pub trust_proxy: bool,
    /// The proxies whose forwarding headers are believed (addresses or CIDRs, as a TOML list or
    /// a comma-separated string): the client is the rightmost forwarded address not among them.
    #[serde(deserialize_with = "cidr_list")]
    pub trusted_proxies: Vec<Cidr>,
    /// Guest registrations one event takes per hour, from all addresses together: each costs
    /// a password hash and an email. Raise it for a school or a large public event.
    pub registrations_per_event_hour: u32,
    /// How often expired browser sessions are deleted (also once at start); 0 never.
    pub session_cleanup_seconds: u64,
    /// How often to look for gallery emails due (images online, expiry reminders).
    pub notice_seconds: u64,
    /// Where email goes: `smtp://host:port`, `smtps://user:password@host` or
    /// `smtp://host:587?tls=required`. Without one, messages are written to
    /// `<data_dir>/outbox/` as `.eml` files, so nothing is lost.
    pub smtp_url: Option<String>,
    /// The sender of the site's email, e.g. `Maple Lane Photography <orders@maplelane.example>`.
    pub mail_from: String,
    /// The site's address as clients reach it, for every absolute link the site makes (invites,
    /// email); defaults to `http://<host>:<port>`. Never taken from a request's `Host` or
    /// `X-Forwarded-Host`: whoever sends the request chooses those.
    pub public_url: Option<String>,
    /// Stripe's secret key (`sk_…`); card payment is offered only with all three Stripe keys.
    pub stripe_secret_key: Option<String>,
    /// Stripe's publishable key (`pk_…`), given to Stripe.js in the payment page.
    pub stripe_publishable_key: Option<String>,
    /// The signing secret of the webhook endpoint (`whsec_…`) that sends
    /// `payment_intent.succeeded` and `payment_intent.payment_failed` to `/stripe/webhook`.
    pub stripe_webhook_secret: Option<String>,
    /// Stripe's API, e.g. a local stand-in for tests.
    pub stripe_api_url: String,
    /// Where the payment page loads Stripe.js from.
    pub stripe_js_url: String,
    /// How long a download link on the downloads page works, in seconds. Each opening of the
    /// page makes new ones; a file or ZIP that started in time finishes however long it takes.
    pub download_link_seconds: u64,
    /// Where image files live: `files` (under `data_dir`, one server) or `s3` (an
    /// S3-compatible bucket, set in `[s3]`, that several servers share).
    pub store: StoreKind,
    /// The bucket when `store = "s3"`.
    pub s3: S3Config,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    #[default]
    Files,
    S3,
}

/// An S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, Garage, MinIO, Ceph).
///
/// Credentials come, first found: `access_key_id` and `secret_access_key` here (or as
/// `PROOFROOM_S3_ACCESS_KEY_ID`, …), then the usual `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (as the AWS tools take them: the
/// environment before the file), then `credentials_file` (AWS's INI format, `profile`'s
/// section). Secrets are never printed, not even in a debug dump of the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    /// The service's address when it is not AWS, e.g. `https://<account>.r2.cloudflarestorage.com`
    /// or `http://127.0.0.1:3900`; plain `http:` only when given so.
    pub endpoint: Option<String>,
    /// Path-style addresses (`endpoint/bucket/key`) rather than `bucket.endpoint/key`: Garage,
    /// MinIO and most self-hosted servers want this; R2 and B2 take either.
    pub path_style: bool,
    /// Keys go under this prefix, so one bucket can hold several sites.
    pub prefix: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
    pub credentials_file: Option<PathBuf>,
    pub profile: String,
    /// When above 0, a request for image bytes (after its access check) is answered with a
    /// redirect to an address on the bucket signed for this many seconds (at most an hour), so
    /// the bytes go from the bucket to browsers rather than through the servers. 0 (the
    /// default): the servers send the bytes. The bucket must be reachable by browsers.
    pub signed_url_seconds: u64,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            bucket: String::new(),
            region: "us-east-1".into(),
            endpoint: None,
            path_style: false,
            prefix: String::new(),
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            credentials_file: None,
            profile: "default".into(),
            signed_url_seconds: 0,
        }
    }
}

/// A key that must not reach a log: its `Debug` says only that there is one.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

/// The keys an S3 store signs its requests with.
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

impl S3Config {
    /// The credentials to use, or what is missing.
    pub fn credentials(&self) -> Result<S3Credentials, String> {
        if let (Some(id), Some(secret)) = (&self.access_key_id, &self.secret_access_key) {
            return Ok(S3Credentials {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
                session_token: self.session_token.clone(),
            });
        }
        let Some(file) = &self.credentials_file else {
            return Err("store = \"s3\" needs credentials: set AWS_ACCESS_KEY_ID and \
                        AWS_SECRET_ACCESS_KEY, or [s3] credentials_file"
                .into());
        };
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("[s3] credentials_file {}: {e}", file.display()))?;
        let values = ini_section(&text, &self.profile);
        let value = |name: &str| values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        match (value("aws_access_key_id"), value("aws_secret_access_key")) {
            (Some(id), Some(secret)) => Ok(S3Credentials {
                access_key_id: id,
                secret_access_key: Secret(secret),
                session_token: value("aws_session_token").map(Secret),
            }),
            _ => Err(format!(
                "[s3] credentials_file {}: no aws_access_key_id and aws_secret_access_key in \
                 [{}]",
                file.display(),
                self.profile
            )),
        }
    }
}

/// The `key = value` lines of `[section]` in an AWS credentials file.
fn ini_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut found = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
        } else if inside && let Some((key, value)) = line.split_once('=') {
            found.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    found
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            data_dir: PathBuf::from("data"),
            database_url: None,
            max_db_connections: 16,
            workers: None,
            max_upload_bytes: 80_000_000,
            max_pixels: 120_000_000,
            max_decode_bytes: 512 * 1024 * 1024,
            ingest_jobs: None,
            max_ingest_memory: 1024 * 1024 * 1024,
            image_cache_bytes: 256 * 1024 * 1024,
            page_cache_bytes: 64 * 1024 * 1024,
            secure_cookies: false,
            trust_proxy: false,
            trusted_proxies: vec![Cidr::LOOPBACK_V4, Cidr::LOOPBACK_V6],
            registrations_per_event_hour: 300,
            session_cleanup_seconds: 3600,
            notice_seconds: 60,
            smtp_url: None,
            mail_from: "Proofroom <proofroom@localhost>".into(),
            public_url: None,
            stripe_secret_key: None,
            stripe_publishable_key: None,
            stripe_webhook_secret: None,
            stripe_api_url: "https://api.stripe.com".into(),
            stripe_js_url: "https://js.stripe.com/v3/".into(),
            download_link_seconds: 6 * 3600,
            store: StoreKind::Files,
            s3: S3Config::default(),
        }
    }
}

impl Config {
    /// Reads `file` (if given) and applies `PROOFROOM_<FIELD>` variables from `env` on top.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, String> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
                text.parse::<toml::Table>().map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => toml::Table::new(),
        };
        let mut aws = toml::Table::new();
        for (key, value) in env {
            if let Some(field) = AWS_VARIABLES.iter().find(|(name, _)| *name == key).map(|(_, f)| f)
            {
                aws.insert(field.to_string(), toml::Value::String(value));
                continue;
            }
            let Some(field) = key.strip_prefix("PROOFROOM_") else { continue };
            let field = field.to_ascii_lowercase();
            if let Some(s3_field) = field.strip_prefix("s3_") {
                if S3_FIELDS.contains(&s3_field) {
                    // Text stays text: a bucket or prefix may be all digits.
                    let value = if matches!(s3_field, "path_style" | "signed_url_seconds") {
                        env_value(&value)
                    } else {
                        toml::Value::String(value)
                    };
                    s3_table(&mut table).insert(s3_field.to_string(), value);
                }
                continue;
            }
            if !KNOWN_FIELDS.contains(&field.as_str()) {
                continue;
            }
            table.insert(field, env_value(&value));
        }
        // AWS's own variables count only where nothing in Proofroom's config says otherwise,
        // and a key pair comes whole from one place: never an id from here, a secret from there.
        let s3 = s3_table(&mut table);
        let own_keys = s3.contains_key("access_key_id") || s3.contains_key("secret_access_key");
        for (field, value) in aws {
            let is_key =
                matches!(field.as_str(), "access_key_id" | "secret_access_key" | "session_token");
            if !(is_key && own_keys) {
                s3.entry(field).or_insert(value);
            }
        }
        let source = file.map(|p| p.display().to_string()).unwrap_or_else(|| "environment".into());
        Config::deserialize(table).map_err(|e| format!("configuration ({source}): {e}"))
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("proofroom.db").display()))
    }

    /// How often expired sessions are deleted; `None` when never.
    pub fn session_cleanup_every(&self) -> Option<std::time::Duration> {
        (self.session_cleanup_seconds > 0)
            .then(|| std::time::Duration::from_secs(self.session_cleanup_seconds))
    }

    /// The site's address for links in email, without a trailing slash.
    pub fn public_url(&self, bound_port: u16) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}:{bound_port}", self.host),
        }
    }

    /// How long signed image addresses on the bucket work, when image requests are answered
    /// with them (`store = "s3"` and `[s3] signed_url_seconds` above 0).
    pub fn signed_image_links(&self) -> Option<std::time::Duration> {
        (self.store == StoreKind::S3 && self.s3.signed_url_seconds > 0)
            .then(|| std::time::Duration::from_secs(self.s3.signed_url_seconds))
    }

    /// Card payment is possible: every Stripe key is set.
    pub fn takes_cards(&self) -> bool {
        [&self.stripe_secret_key, &self.stripe_publishable_key, &self.stripe_webhook_secret]
            .iter()
            .all(|k| k.as_deref().is_some_and(|k| !k.trim().is_empty()))
    }
}

const KNOWN_FIELDS: &[&str] = &[
    "host",
    "port",
    "data_dir",
    "database_url",
    "max_db_connections",
    "workers",
    "max_upload_bytes",
    "max_pixels",
    "max_decode_bytes",
    "ingest_jobs",
    "max_ingest_memory",
    "image_cache_bytes",
    "page_cache_bytes",
    "secure_cookies",
    "trust_proxy",
    "trusted_proxies",
    "registrations_per_event_hour",
    "session_cleanup_seconds",
    "notice_seconds",
    "smtp_url",
    "mail_from",
    "public_url",
    "stripe_secret_key",
    "stripe_publishable_key",
    "stripe_webhook_secret",
    "stripe_api_url",
    "stripe_js_url",
    "download_link_seconds",
    "store",
];

/// `PROOFROOM_S3_<FIELD>` sets `[s3] <field>`.
const S3_FIELDS: &[&str] = &[
    "bucket",
    "region",
    "endpoint",
    "path_style",
    "prefix",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "credentials_file",
    "profile",
    "signed_url_seconds",
];

/// The AWS tools' variables, read for `[s3]` like the AWS SDKs read them.
const AWS_VARIABLES: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "access_key_id"),
    ("AWS_SECRET_ACCESS_KEY", "secret_access_key"),
    ("AWS_SESSION_TOKEN", "session_token"),
    ("AWS_REGION", "region"),
    ("AWS_ENDPOINT_URL", "endpoint"),
];

fn s3_table(table: &mut toml::Table) -> &mut toml::Table {
    let entry = table.entry("s3").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !entry.is_table() {
        *entry = toml::Value::Table(toml::Table::new());
    }
    entry.as_table_mut().expect("made a table above")
}

/// An address block such as `10.0.0.0/8` or `::1/128`; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub const LOOPBACK_V4: Cidr =
        Cidr { network: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), prefix: 8 };
    pub const LOOPBACK_V6: Cidr = Cidr { network: IpAddr::V6(Ipv6Addr::LOCALHOST), prefix: 128 };

    pub fn contains(&self, address: IpAddr) -> bool {
        // An IPv4 client reaching an IPv6 socket shows as ::ffff:a.b.c.d.
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                prefix_matches(&net.octets(), &a.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                prefix_matches(&net.octets(), &a.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_matches(network: &[u8], address: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    network[..full] == address[..full]
        && (rest == 0 || (network[full] ^ address[full]) & (0xff << (8 - rest)) == 0)
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("\"{text}\" is not an address or CIDR (e.g. 10.0.0.0/8)"))?;
        let most = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => most,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= most)
                .ok_or_else(|| format!("\"{text}\": the prefix length must be 0 to {most}"))?,
        };
        Ok(Cidr { network, prefix })
    }
}

/// `trusted_proxies` as a list (`["10.0.0.0/8", "::1"]`) or, from the environment, one string
/// with commas.
fn cidr_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<Cidr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Listed {
        One(String),
        Many(Vec<String>),
    }
    let items = match Listed::deserialize(deserializer)? {
        Listed::One(text) => text.split(',').map(str::to_string).collect(),
        Listed::Many(items) => items,
    };
    items
        .iter()
        .filter(|item| !item.trim().is_empty())
        .map(|item| item.parse().map_err(serde::de::Error::custom))
        .collect()
}

/// Environment values are strings; numbers and booleans are recognised so they deserialize.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(n) = raw.parse::<i64>() {
        toml::Value::Integer(n)
    } else if let Ok(b) = raw.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(raw.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("proofroom.toml");
        std::fs::write(&file, "port = 9000\ndata_dir = \"/srv/proofroom\"\n").unwrap();
        let env = [
            ("PROOFROOM_PORT".to_string(), "9100".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ];
        let config = Config::load(Some(&file), env).unwrap();
        assert_eq!(config.port, 9100);
        assert_eq!(config.data_dir, PathBuf::from("/srv/proofroom"));
        assert_eq!(config.database_url(), "sqlite:///srv/proofroom/proofroom.db");
    }

    #[test]
    fn trusted_proxies_come_as_a_list_or_a_comma_separated_string() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("proofroom.toml");
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/8\", \"2001:db8::1\"]\n").unwrap();
        let config = Config::load(Some(&file), []).unwrap();
        let net: Cidr = "10.0.0.0/8".parse().unwrap();
        assert_eq!(config.trusted_proxies, [net, "2001:db8::1/128".parse().unwrap()]);
        assert!(net.contains("10.200.3.4".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.1.2.3".parse().unwrap()));
        let env = [("PROOFROOM_TRUSTED_PROXIES".to_string(), "192.168.1.0/24, ::1".to_string())];
        let config = Config::load(None, env).unwrap();
        assert!(config.trusted_proxies[0].contains("192.168.1.77".parse().unwrap()));
        assert!(!config.trusted_proxies[0].contains("192.168.2.1".parse().unwrap()));
        assert!(config.trusted_proxies[1].contains("::1".parse().unwrap()));
        let odd: Cidr = "172.16.0.0/12".parse().unwrap();
        assert!(odd.contains("172.31.255.255".parse().unwrap()));
        assert!(!odd.contains("172.32.0.0".parse().unwrap()));
        let env = [("PROOFROOM_TRUSTED_PROXIES".to_string(), "10.0.0.0/40".to_string())];
        let err = Config::load(None, env).unwrap_err();
        assert!(err.contains("10.0.0.0/40"), "{err}");
        assert!(Config::default().trusted_proxies[0].contains("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn an_s3_store_takes_its_keys_from_the_config_the_file_or_aws_variables_and_never_shows_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("proofroom.toml");
        std::fs::write(&file, "store = \"s3\"\n[s3]\nbucket = \"photos\"\npath_style = true\n")
            .unwrap();
        let env = [
            ("AWS_ACCESS_KEY_ID".to_string(), "AKIDFROMENV".to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), "very-secret".to_string()),
            ("PROOFROOM_S3_ENDPOINT".to_string(), "http://127.0.0.1:3900".to_string()),
            ("PROOFROOM_S3_SIGNED_URL_SECONDS".to_string(), "300".to_string()),
        ];
        let config = Config::load(Some(&file), env).unwrap();
        assert_eq!(config.store, StoreKind::S3);
        assert_eq!(config.s3.bucket, "photos");
        assert!(config.s3.path_style);
        assert_eq!(config.s3.signed_url_seconds, 300);
        assert_eq!(config.s3.endpoint.as_deref(), Some("http://127.0.0.1:3900"));
        let keys = config.s3.credentials().unwrap();
        assert_eq!(
            (keys.access_key_id.as_str(), keys.secret_access_key.expose()),
            ("AKIDFROMENV", "very-secret")
        );
        assert!(!format!("{config:?}").contains("very-secret"), "the secret is never printed");

        // Proofroom's own keys win over AWS's variables, and come as a pair from one place.
        let env = [
            ("AWS_ACCESS_KEY_ID".to_string(), "AKIDFROMENV".to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), "x".to_string()),
            ("AWS_SESSION_TOKEN".to_string(), "token".to_string()),
            ("PROOFROOM_S3_ACCESS_KEY_ID".to_string(), "AKIDOWN".to_string()),
            ("PROOFROOM_S3_SECRET_ACCESS_KEY".to_string(), "own".to_string()),
        ];
        let config = Config::load(Some(&file), env).unwrap();
        let keys = config.s3.credentials().unwrap();
        assert_eq!(
            (keys.access_key_id.as_str(), keys.secret_access_key.expose()),
            ("AKIDOWN", "own")
        );
        assert!(keys.session_token.is_none(), "AWS's token does not go with other keys");
        let half = [
            ("AWS_SECRET_ACCESS_KEY".to_string(), "x".to_string()),
            ("PROOFROOM_S3_ACCESS_KEY_ID".to_string(), "AKIDOWN".to_string()),
        ];
        assert!(
            Config::load(Some(&file), half).unwrap().s3.credentials().is_err(),
            "no mixed pair"
        );

        let keys = dir.path().join("credentials");
        std::fs::write(
            &keys,
            "[default]\naws_access_key_id = A\naws_secret_access_key = B\n\n[studio]\n\
             aws_access_key_id = AKIDSTUDIO\naws_secret_access_key = S\n",
        )
        .unwrap();
        let env = [
            ("PROOFROOM_S3_CREDENTIALS_FILE".to_string(), keys.display().to_string()),
            ("PROOFROOM_S3_PROFILE".to_string(), "studio".to_string()),
            ("PROOFROOM_S3_PREFIX".to_string(), "2026".to_string()),
        ];
        let config = Config::load(Some(&file), env).unwrap();
        assert_eq!(config.s3.credentials().unwrap().access_key_id, "AKIDSTUDIO");
        assert_eq!(config.s3.prefix, "2026", "digits stay text");
        let config = Config::load(Some(&file), []).unwrap();
        let missing = config.s3.credentials().err().unwrap();
        assert!(missing.contains("AWS_ACCESS_KEY_ID"), "{missing}");
    }

    #[test]
    fn a_typo_in_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("proofroom.toml");
        std::fs::write(&file, "prot = 9000\n").unwrap();
        let err = Config::load(Some(&file), []).unwrap_err();
        assert!(err.contains("prot"), "{err}");
    }
}
