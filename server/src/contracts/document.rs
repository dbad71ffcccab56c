//! A contract's document: the studio's Markdown with its merge fields filled, rendered to the
//! HTML the client reads. Rendered once, when the studio pushes it, and frozen with its hash.
//!
//! Nothing in the Markdown becomes markup of its own: raw HTML shows as the text it is, images
//! show their description, and a link goes only to `http`, `https` or `mailto` addresses (any
//! other keeps its words and loses the link).

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use sha2::{Digest, Sha256};

use proofroom_wire::contracts::{self, FieldAt};

/// What the merge fields stand for, for one contract.
#[derive(Debug, Clone, Default)]
pub struct MergeValues {
    pub client_first_name: String,
    pub client_last_name: String,
    pub client_email: String,
    /// The session's date as the studio's locale writes it.
    pub session_date: String,
    pub session_description: String,
    pub studio_name: String,
    pub studio_email: Option<String>,
    pub studio_phone: Option<String>,
    pub studio_signer: Option<String>,
}

impl MergeValues {
    fn value(&self, field: &str) -> Option<&str> {
        let value = match field {
            "client.first_name" => Some(self.client_first_name.as_str()),
            "client.last_name" => Some(self.client_last_name.as_str()),
            "client.email" => Some(self.client_email.as_str()),
            "session.date" => Some(self.session_date.as_str()),
            "session.description" => Some(self.session_description.as_str()),
            "studio.name" => Some(self.studio_name.as_str()),
            "studio.email" => self.studio_email.as_deref(),
            "studio.phone" => self.studio_phone.as_deref(),
            "studio.signer" => self.studio_signer.as_deref(),
            _ => None,
        };
        value.map(str::trim).filter(|v| !v.is_empty())
    }
}

/// Why a contract's text cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FillError {
    /// Fields that are no merge field (a typo?), with their lines.
    Unknown(Vec<FieldAt>),
    /// A field the studio has no value for (`studio.signer` without `signer` in studio.toml).
    Empty(Vec<FieldAt>),
}

impl FillError {
    /// `line 3: client.frist_name is not a merge field; line 9: …`
    pub fn describe(&self) -> String {
        let (fields, why) = match self {
            Self::Unknown(f) => (f, "is not a merge field"),
            Self::Empty(f) => (f, "has no value (studio.toml or the session's client lacks it)"),
        };
        fields
            .iter()
            .map(|f| format!("line {}: {} {why}", f.line, f.field))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The filled Markdown: every field replaced by its value.
pub fn fill(markdown: &str, values: &MergeValues) -> Result<String, FillError> {
    let unknown = contracts::unknown_fields(markdown);
    if !unknown.is_empty() {
        return Err(FillError::Unknown(unknown));
    }
    let mut empty = contracts::used_fields(markdown);
    empty.retain(|f| values.value(&f.field).is_none());
    if !empty.is_empty() {
        return Err(FillError::Empty(empty));
    }
    contracts::fill(markdown, |field| values.value(field).unwrap_or_default().to_string())
        .map_err(FillError::Unknown)
}

/// The HTML the client reads, from the filled Markdown.
pub fn render_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut in_unsafe_link = 0usize;
    let mut in_image = 0usize;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        // Raw HTML is shown as the text it is.
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        // The page's own heading is the title: the document's headings sit one level below.
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Some(Event::Start(Tag::Heading { level: below(level), id, classes, attrs }))
        }
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(below(level)))),
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            if link_is_safe(link_type, &dest_url) && in_image == 0 {
                Some(Event::Start(Tag::Link { link_type, dest_url, title, id }))
            } else {
                in_unsafe_link += 1;
                None
            }
        }
        Event::End(TagEnd::Link) if in_unsafe_link > 0 => {
            in_unsafe_link -= 1;
            None
        }
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// One heading level down (a document's `#` is the page's `<h2>`); `######` stays `<h6>`.
fn below(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// Whether a link may go to its address: `http`, `https` and `mailto` only. The page and the
/// PDF both ask, so the PDF prints no address the client was not shown.
pub fn link_is_safe(link_type: LinkType, url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    match link_type {
        LinkType::Email => true,
        _ => {
            url.starts_with("https://") || url.starts_with("http://") || url.starts_with("mailto:")
        }
    }
}

/// SHA-256 of a text, hex.
pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> MergeValues {
        MergeValues {
            client_first_name: "Ann".into(),
            client_last_name: "Smith".into(),
            client_email: "ann@example.com".into(),
            session_date: "April 12, 2026".into(),
            session_description: "Wedding <at> the lake".into(),
            studio_name: "Park Lane Studio".into(),
            studio_email: Some("hello@park.example".into()),
            studio_phone: None,
            studio_signer: Some("Jo Park".into()),
        }
    }

    #[test]
    fn fills_fields_and_renders_them_as_text() {
        let filled = fill(
            "# {{studio.name}}\n\n{{session.description}}, {{ client.first_name }}",
            &values(),
        )
        .unwrap();
        let html = render_html(&filled);
        assert!(html.contains("<h2>Park Lane Studio</h2>"), "below the page's own title: {html}");
        assert!(html.contains("Wedding &lt;at&gt; the lake, Ann"), "{html}");
    }

    #[test]
    fn refuses_unknown_fields_and_fields_without_a_value() {
        let unknown = fill("Hi\n{{client.frist_name}}", &values()).unwrap_err();
        assert_eq!(unknown.describe(), "line 2: client.frist_name is not a merge field");
        let empty = fill("Call {{studio.phone}}", &values()).unwrap_err();
        assert!(matches!(empty, FillError::Empty(ref f) if f[0].line == 1), "{empty:?}");
    }

    #[test]
    fn raw_html_scripts_images_and_script_links_never_become_markup() {
        let md = "<script>alert(1)</script>\n\nHi <b onclick=x>there</b> \
                  ![x](https://evil.example/t.png) [click](javascript:alert(1)) \
                  [ok](https://park.example)";
        let html = render_html(md);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(!html.contains("<b"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("click"), "{html}");
        assert!(html.contains("<a href=\"https://park.example\">ok</a>"), "{html}");
    }
}
