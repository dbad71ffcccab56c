//! Studio libraries for tests: a studio, a price list and sessions, written to a temp folder.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// The zone `STUDIO_TOML` sets, so a test can write dates into a library before the server has it.
pub const STUDIO_ZONE: chrono_tz::Tz = chrono_tz::America::Chicago;

/// Today where the test studio is: a date written before the first push means the studio's day,
/// which near midnight UTC is not the server's default (UTC) day.
pub fn studio_today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&STUDIO_ZONE).date_naive()
}

pub const STUDIO_TOML: &str = r#"name = "Maple Lane Photography"
email = "hello@maplelane.example"
phone = "+1 555 0100"
time_zone = "America/Chicago"
currency = "USD"

[watermark]
text = "PROOF"
position = "center"
opacity = 0.5

[[tax_rates]]
name = "Sales tax"
percent = "7.25"
applies_to_shipping = false

[[shipping_methods]]
id = "pickup"
name = "Pick up at the studio"
price = "0.00"
"#;

pub const PRICE_LIST_TOML: &str = r#"name = "Portrait 2026"

[[items]]
sku = "P8X10"
name = "8x10 print"
category = "Prints"
price = "24.00"
images = 1
taxable = true
"#;

/// A library being built. Sessions are added with [`LibraryBuilder::session`].
pub struct LibraryBuilder {
    dir: TempDir,
}

impl Default for LibraryBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl LibraryBuilder {
    /// A library with the studio profile and the `portrait-2026` price list.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let lib = Self { dir };
        lib.write("studio.toml", STUDIO_TOML);
        lib.write("price-lists/portrait-2026.toml", PRICE_LIST_TOML);
        lib
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.file(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
        self
    }

    pub fn remove(&self, relative: &str) -> &Self {
        std::fs::remove_file(self.file(relative)).expect("remove");
        self
    }

    /// Starts a session folder; `public` events need no code.
    pub fn session(&self, id: &str) -> SessionBuilder<'_> {
        SessionBuilder {
            library: self,
            id: id.to_string(),
            event_type: "public".into(),
            event_code: None,
            price_list: Some("portrait-2026".into()),
            images: Vec::new(),
            extra: String::new(),
            settings: String::new(),
            client: ("C-1042", "Ann", "Smith", "ann.smith@example.com").into(),
            date: "2026-04-12".into(),
        }
    }
}

pub struct SessionBuilder<'a> {
    library: &'a LibraryBuilder,
    id: String,
    event_type: String,
    event_code: Option<String>,
    price_list: Option<String>,
    images: Vec<(String, Vec<u8>)>,
    extra: String,
    settings: String,
    client: Client,
    date: String,
}

/// The session's client: id, first name, last name, email.
pub struct Client(String, String, String, String);

impl From<(&str, &str, &str, &str)> for Client {
    fn from((id, first, last, email): (&str, &str, &str, &str)) -> Self {
        Self(id.into(), first.into(), last.into(), email.into())
    }
}

impl SessionBuilder<'_> {
    pub fn event_type(mut self, event_type: &str) -> Self {
        self.event_type = event_type.into();
        self
    }

    pub fn event_code(mut self, code: &str) -> Self {
        self.event_code = Some(code.into());
        self
    }

    pub fn price_list(mut self, id: Option<&str>) -> Self {
        self.price_list = id.map(str::to_string);
        self
    }

    pub fn image(mut self, name: &str, bytes: Vec<u8>) -> Self {
        self.images.push((name.into(), bytes));
        self
    }

    /// The session's client: `(id, first name, last name, email)`.
    pub fn client(mut self, client: (&str, &str, &str, &str)) -> Self {
        self.client = client.into();
        self
    }

    /// The session date (`YYYY-MM-DD`).
    pub fn date(mut self, date: &str) -> Self {
        self.date = date.into();
        self
    }

    /// Top-level manifest keys (e.g. `yearbook_selection = true`).
    pub fn setting(mut self, line: &str) -> Self {
        self.settings.push_str(line);
        self.settings.push('\n');
        self
    }

    /// Extra TOML appended to the manifest (e.g. an `[images]` table).
    pub fn manifest(mut self, extra: &str) -> Self {
        self.extra.push_str(extra);
        self
    }

    pub fn write(self) {
        let mut toml = format!(
            "description = \"Session {id}\"\ndate = \"{date}\"\ndays_active = 30\n\
             publish = true\nevent_type = \"{event_type}\"\n{settings}",
            id = self.id,
            date = self.date,
            event_type = self.event_type,
            settings = self.settings,
        );
        if let Some(code) = &self.event_code {
            toml.push_str(&format!("event_code = \"{code}\"\n"));
        }
        if let Some(list) = &self.price_list {
            toml.push_str(&format!("price_list = \"{list}\"\n"));
        }
        let Client(id, first, last, email) = &self.client;
        toml.push_str(&format!(
            "\n[client]\nid = {id:?}\nfirst_name = {first:?}\nlast_name = {last:?}\nemail = {email:?}\n"
        ));
        toml.push_str(&self.extra);
        let dir = format!("sessions/{}", self.id);
        self.library.write(&format!("{dir}/session.toml"), toml);
        for (name, bytes) in &self.images {
            self.library.write(&format!("{dir}/{name}"), bytes);
        }
    }
}
