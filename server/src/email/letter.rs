//! Email that speaks as the studio: the sender's name, where replies go, and the HTML part.
//!
//! Every message keeps its plain text; [`Letterhead::style`] adds the rest from a [`Letter`] —
//! a heading, paragraphs, lines set apart (an order's items), thumbnails, one button to the
//! page the message is about. The HTML is `templates/email/letter.html`, rendered by this
//! module's own tera (background jobs queue email too, without the app's state), which escapes
//! every value.
//!
//! Images in an email are loaded by the reader's mail client, signed in nowhere: the logo
//! (`/branding/…`) is public, a gallery's images are served only to those who may see the
//! event. So callers put thumbnails only of images anyone may load (a public event's), never
//! a way around the access check.

use std::sync::OnceLock;

use serde::Serialize;

/// Who the site's email speaks as: the studio.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The studio's name: the sender's display name (the address stays `mail_from`'s, so SPF
    /// and DKIM still pass) and the top of the letter when there is no logo.
    pub studio: String,
    /// The studio's email: where replies go.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The studio's logo, a path on the site (`/branding/logo/….png`), public.
    pub logo_path: Option<String>,
    /// The site's address as clients reach it (`public_url`), which every path is put on.
    pub site_url: String,
    /// How the studio's amounts and dates read.
    pub locale: proofroom_wire::locale::Locale,
}

/// What one message says, for its HTML part.
#[derive(Debug, Default)]
pub struct Letter {
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// Lines set apart in a box: an order's items and totals, how to sign in.
    pub details: Vec<String>,
    /// Paths on the site of thumbnails anyone may load (see the module's doc); four at most
    /// are shown.
    pub thumbnails: Vec<String>,
    /// The one button: what it says and the page it opens (an absolute URL).
    pub button: Option<Button>,
    /// Smaller print after the button.
    pub after: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Button {
    pub label: String,
    pub url: String,
}

impl Button {
    pub fn new(label: impl Into<String>, url: impl Into<String>) -> Self {
        Self { label: label.into(), url: url.into() }
    }
}

/// What [`Letterhead::style`] adds to a plain-text message.
#[derive(Debug, Clone, Default)]
pub struct Styled {
    /// The sender's display name.
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    /// The HTML alternative; `None` only if rendering failed (logged): the text still goes.
    pub html: Option<String>,
}

/// The most thumbnails a letter shows: one row, wide enough on a phone.
pub const MAX_THUMBNAILS: usize = 4;

#[derive(Serialize)]
struct Context<'a> {
    subject: &'a str,
    studio: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    logo_url: Option<String>,
    heading: &'a str,
    paragraphs: &'a [String],
    details: &'a [String],
    thumbnails: Vec<String>,
    button: Option<&'a Button>,
    after: &'a [String],
}

impl Letterhead {
    /// From the studio's name, Reply-To its email, and `letter` as HTML under `subject`.
    pub fn style(&self, subject: &str, letter: &Letter) -> Styled {
        let html = match self.render(subject, letter) {
            Ok(html) => Some(html),
            Err(e) => {
                tracing::error!("the email's HTML part: {e:?}; sent as plain text");
                None
            }
        };
        Styled { from_name: Some(self.studio.clone()), reply_to: self.email.clone(), html }
    }

    /// `letter` as the HTML part of a message.
    pub fn render(&self, subject: &str, letter: &Letter) -> Result<String, tera::Error> {
        let context = Context {
            subject,
            studio: &self.studio,
            email: self.email.as_deref(),
            phone: self.phone.as_deref(),
            logo_url: self.logo_path.as_deref().map(|p| self.absolute(p)),
            heading: &letter.heading,
            paragraphs: &letter.paragraphs,
            details: &letter.details,
            thumbnails: letter
                .thumbnails
                .iter()
                .take(MAX_THUMBNAILS)
                .map(|p| self.absolute(p))
                .collect(),
            button: letter.button.as_ref(),
            after: &letter.after,
        };
        templates()?.render(TEMPLATE, &tera::Context::from_serialize(context)?)
    }

    fn absolute(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.site_url.trim_end_matches('/'))
        }
    }
}

const TEMPLATE: &str = "email/letter.html";

/// The letter's template, compiled once.
fn templates() -> Result<&'static tera::Tera, tera::Error> {
    static TERA: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    TERA.get_or_init(|| {
        let mut tera = tera::Tera::default();
        tera.add_raw_template(TEMPLATE, include_str!("../../../templates/email/letter.html"))
            .map_err(|e| format!("{e:?}"))?;
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape_html);
        Ok(tera)
    })
    .as_ref()
    .map_err(|e| tera::Error::msg(e.clone()))
}

/// `& < > " '` escaped, `/` left alone so links read as written. The site's pages escape with
/// this too (`web` re-exports it: this floor is below `web`, which holds the mailer).
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(logo: Option<&str>) -> Letterhead {
        Letterhead {
            studio: "Park & <Lane> \"Photo\"".into(),
            email: Some("hello@park.example".into()),
            phone: Some("+1 555 0100".into()),
            logo_path: logo.map(str::to_string),
            site_url: "https://photos.park.example/".into(),
            locale: Default::default(),
        }
    }

    fn letter() -> Letter {
        Letter {
            heading: "Hello <b>Ann</b> & Bo".into(),
            paragraphs: vec!["Your order from \"Smith <script>\" is ready.".into()],
            details: vec!["2 × 5×7 print — $28.00".into(), "Total: $30.03".into()],
            thumbnails: (1..=6).map(|i| format!("/images/{i}/thumb/abc.jpg")).collect(),
            button: Some(Button::new("See your order", "https://photos.park.example/orders/K7MX")),
            after: vec!["Questions? Reply to this email.".into()],
        }
    }

    #[test]
    fn the_letter_is_escaped_and_has_one_button_to_the_page() {
        let styled = head(None).style("Your order & more", &letter());
        assert_eq!(styled.from_name.as_deref(), Some("Park & <Lane> \"Photo\""));
        assert_eq!(styled.reply_to.as_deref(), Some("hello@park.example"));
        let html = styled.html.expect("rendered");
        assert!(html.contains("Park &amp; &lt;Lane&gt; &quot;Photo&quot;"), "{html}");
        assert!(html.contains("Hello &lt;b&gt;Ann&lt;/b&gt; &amp; Bo"), "{html}");
        assert!(html.contains("&quot;Smith &lt;script&gt;&quot;"), "{html}");
        assert!(!html.contains("<script>") && !html.contains("<b>") && !html.contains("<Lane>"));
        assert!(html.contains("<title>Your order &amp; more</title>"), "{html}");
        assert_eq!(html.matches("<a href=").count(), 2, "the button and the studio's email");
        assert!(html.contains("<a href=\"https://photos.park.example/orders/K7MX\""), "{html}");
        assert!(html.contains(">See your order</a>"));
        assert!(html.contains("2 × 5×7 print — $28.00<br>Total: $30.03"), "{html}");
        assert!(html.contains("href=\"mailto:hello@park.example\""));
        // No logo: the studio's name in text at the top; no more than four thumbnails, each
        // an absolute URL on the site.
        assert!(!html.contains("/branding/"));
        assert_eq!(html.matches("<img ").count(), MAX_THUMBNAILS, "{html}");
        assert!(html.contains("src=\"https://photos.park.example/images/1/thumb/abc.jpg\""));
        assert!(!html.contains("/images/5/"));
        assert!(html.contains("max-width:600px"));
    }

    #[test]
    fn the_logo_is_an_absolute_url_and_a_letter_may_have_no_thumbnails_or_button() {
        let bare = Letter { heading: "Hi".into(), ..Letter::default() };
        let html = head(Some("/branding/logo/0123456789abcdef.png")).render("Hi", &bare).unwrap();
        assert!(
            html.contains(
                "<img src=\"https://photos.park.example/branding/logo/0123456789abcdef.png\" \
                 alt=\"Park &amp; &lt;Lane&gt; &quot;Photo&quot;\""
            ),
            "{html}"
        );
        assert_eq!(html.matches("<img ").count(), 1);
        assert!(!html.contains("<a href=\"http"), "no button");
        let plain = Letterhead { email: None, ..head(None) }.style("Hi", &bare);
        assert_eq!(plain.reply_to, None);
    }
}
