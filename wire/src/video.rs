//! Session videos: the studio pastes the player's embed code (Animoto, YouTube, Vimeo); the site
//! keeps only a player URL rebuilt from its parsed parts and renders its own `<iframe>` with it.
//! Neither the studio's HTML nor any part of its URL that is not on an allow-list is kept.

use serde::{Deserialize, Serialize};
use url::Url;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One video of a session, as the site shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionVideo {
    /// The studio's id of the video, unique within the session.
    pub id: String,
    pub description: String,
    /// The player's `https://` URL as rebuilt by [`video_embed_url`].
    pub embed_url: String,
}

const NOT_ALLOWED: &str = "not from an allowed video host (Animoto, YouTube, Vimeo)";

/// The player URL of a studio's video embed: `embed` is the `<iframe …>` snippet the video site
/// gives (only the iframe's `src` is read; the rest of the HTML is ignored) or the bare address
/// of the video. Returns a canonical `https://` URL rebuilt from the parts that were checked, or
/// a sentence for the studio saying what is wrong.
///
/// Accepted: Animoto (`s3.amazonaws.com/embed.animoto.com/play.html`,
/// `embed.animoto.com/play.html`, `animoto.com/play/<id>`), YouTube (`youtube.com/embed/<id>`,
/// `youtube.com/watch?v=<id>`, `youtu.be/<id>`, `youtube-nocookie.com/embed/<id>`; always
/// rebuilt on `www.youtube-nocookie.com`) and Vimeo (`player.vimeo.com/video/<n>`,
/// `vimeo.com/<n>`, with the private link's hash kept). `http://` becomes `https://`; user
/// names, ports and every other host or scheme are refused.
pub fn video_embed_url(embed: &str) -> Result<String, String> {
    let embed = embed.trim();
    if embed.is_empty() {
        return Err("is empty; paste the player's <iframe> code or the video's address".into());
    }
    let src = if embed.contains('<') { iframe_src(embed)? } else { embed.to_string() };
    let url = parse_url(src.trim())?;
    let host = url.host_str().unwrap_or_default();
    let segments: Vec<&str> = url.path_segments().map_or_else(Vec::new, Iterator::collect);
    match (host, segments.as_slice()) {
        ("s3.amazonaws.com", ["embed.animoto.com", "play.html"]) => {
            animoto_player(&url, "https://s3.amazonaws.com/embed.animoto.com/play.html")
        }
        ("embed.animoto.com", ["play.html"]) => {
            animoto_player(&url, "https://embed.animoto.com/play.html")
        }
        ("animoto.com" | "www.animoto.com", ["play", id]) if is_token(id) => {
            Ok(format!("https://animoto.com/play/{id}"))
        }
        (
            "youtube.com" | "www.youtube.com" | "youtube-nocookie.com" | "www.youtube-nocookie.com",
            ["embed", id],
        ) => youtube(id),
        ("youtube.com" | "www.youtube.com", ["watch"]) => {
            youtube(&query_value(&url, "v").unwrap_or_default())
        }
        ("youtu.be", [id]) => youtube(id),
        ("player.vimeo.com", ["video", number]) => vimeo(number, query_value(&url, "h")),
        ("vimeo.com" | "www.vimeo.com", [number]) => vimeo(number, None),
        // The private link of an unlisted video: vimeo.com/<number>/<hash>.
        ("vimeo.com" | "www.vimeo.com", [number, hash]) => vimeo(number, Some(hash.to_string())),
        (
            "s3.amazonaws.com"
            | "embed.animoto.com"
            | "animoto.com"
            | "www.animoto.com"
            | "youtube.com"
            | "www.youtube.com"
            | "youtube-nocookie.com"
            | "www.youtube-nocookie.com"
            | "youtu.be"
            | "player.vimeo.com"
            | "vimeo.com"
            | "www.vimeo.com",
            _,
        ) => Err(format!("not a video player address that the site knows: {host}{}", url.path())),
        _ => Err(format!("{NOT_ALLOWED}: {host}")),
    }
}

/// The `src` of the one `<iframe>` in `html`, HTML entities decoded.
fn iframe_src(html: &str) -> Result<String, String> {
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    let starts: Vec<usize> = lower
        .match_indices("<iframe")
        .map(|(i, _)| i + "<iframe".len())
        .filter(|&i| lower[i..].starts_with(|c: char| c.is_ascii_whitespace() || "/>".contains(c)))
        .collect();
    let start = match starts.as_slice() {
        [] => return Err("no <iframe> in the HTML; paste the player's embed code".into()),
        [start] => *start,
        _ => return Err("more than one <iframe>; give each video its own [[videos]]".into()),
    };
    let mut src = None;
    for (name, value) in iframe_attributes(&html[start..])? {
        if name.eq_ignore_ascii_case("src") {
            if src.is_some() {
                return Err("the <iframe> has two src attributes".into());
            }
            src = Some(decode_entities(value));
        }
    }
    src.ok_or_else(|| "the <iframe> has no src".to_string())
}

/// The attributes of a tag, read from just after its name up to its `>`, as HTML reads them
/// (so that `title="src=…"` is a title, not a source).
fn iframe_attributes(mut rest: &str) -> Result<Vec<(&str, &str)>, String> {
    let unclosed = || "the <iframe> tag is not closed".to_string();
    let is_space = |c: char| c.is_ascii_whitespace();
    let mut attributes = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| is_space(c) || c == '/');
        if rest.is_empty() {
            return Err(unclosed());
        }
        if rest.starts_with('>') {
            return Ok(attributes);
        }
        let end = rest.find(|c: char| is_space(c) || "=>/".contains(c)).unwrap_or(rest.len());
        // A name always holds at least one character: `=` starts one, as in HTML.
        let end = end.max(rest.chars().next().map_or(0, char::len_utf8));
        let name = &rest[..end];
        rest = rest[end..].trim_start_matches(is_space);
        let mut value = "";
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start_matches(is_space);
            let (v, tail) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let close = after[1..].find(q).ok_or_else(unclosed)? + 1;
                    (&after[1..close], &after[close + 1..])
                }
                _ => {
                    let end = after.find(|c: char| is_space(c) || c == '>').unwrap_or(after.len());
                    after.split_at(end)
                }
            };
            value = v;
            rest = tail;
        }
        attributes.push((name, value));
    }
}

/// Decodes the character references an embed's URL holds (`&amp;`, `&#038;`, `&#x26;`, …);
/// anything else is kept as written.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let c = match &rest[1..end] {
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "lt" => '<',
                "gt" => '>',
                n => match n.strip_prefix('#') {
                    Some(hex) if hex.starts_with(['x', 'X']) => {
                        char::from_u32(u32::from_str_radix(&hex[1..], 16).ok()?)?
                    }
                    Some(dec) => char::from_u32(dec.parse().ok()?)?,
                    None => return None,
                },
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses the player address and refuses what no allowed player has: another scheme, a user
/// name or password, a port. Protocol-relative addresses (`//player.vimeo.com/…`, as old embed
/// codes have them) are read as `https:`.
fn parse_url(src: &str) -> Result<Url, String> {
    let src = if src.starts_with("//") { format!("https:{src}") } else { src.to_string() };
    let not_web =
        || "expected the player's <iframe> code or a video address starting with https://";
    let url = Url::parse(&src).map_err(|_| not_web().to_string())?;
    match url.scheme() {
        "https" | "http" => {}
        "javascript" | "data" | "vbscript" => {
            return Err(format!("a {}: address is not a video; {}", url.scheme(), not_web()));
        }
        _ => return Err(not_web().to_string()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the address holds a user name (…@); paste the player's code as the video \
                    site gives it"
            .into());
    }
    // `Url` forgets a port that is the scheme's default (`:443`), so look at what was written.
    let authority = src.split_once(':').map_or("", |(_, rest)| rest);
    let authority = authority.trim_start_matches(['/', '\\']);
    let authority = authority.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    // After an IPv6 address's `]`, if any.
    let after_host = authority.rsplit(']').next().unwrap_or_default();
    if url.port().is_some() || after_host.contains(':') {
        return Err("the address holds a port number (:…); no video player needs one".into());
    }
    if url.host_str().is_none() {
        return Err(not_web().to_string());
    }
    Ok(url)
}

/// The first value of query parameter `name`.
fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Letters, digits, `_` and `-`: what video ids are made of.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn youtube(id: &str) -> Result<String, String> {
    if id.len() == 11 && is_token(id) {
        Ok(format!("https://www.youtube-nocookie.com/embed/{id}"))
    } else {
        Err("not a YouTube video id (11 letters, digits, - or _)".into())
    }
}

fn vimeo(number: &str, hash: Option<String>) -> Result<String, String> {
    if number.is_empty() || number.len() > 20 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a Vimeo video number".into());
    }
    match hash {
        None => Ok(format!("https://player.vimeo.com/video/{number}")),
        Some(h) if !h.is_empty() && h.len() <= 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(format!("https://player.vimeo.com/video/{number}?h={h}"))
        }
        Some(_) => Err("the Vimeo private link's hash is not what Vimeo writes".into()),
    }
}

/// The query parameters the Animoto player's embed code sets. Anything else is left out.
const ANIMOTO_PARAMETERS: [&str; 12] = [
    "w",
    "e",
    "f",
    "d",
    "m",
    "r",
    "volume",
    "start_res",
    "i",
    "asset_domain",
    "animoto_domain",
    "options",
];

/// `base` with the allowed parameters of `url`, in the order written, each once.
fn animoto_player(url: &Url, base: &str) -> Result<String, String> {
    let mut kept: Vec<(String, String)> = Vec::new();
    for (name, value) in url.query_pairs() {
        if !ANIMOTO_PARAMETERS.contains(&name.as_ref()) || kept.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let ok = match name.as_ref() {
            "asset_domain" | "animoto_domain" => {
                value == "animoto.com" || value.strip_suffix(".animoto.com").is_some_and(is_token)
            }
            // A relative path or plain words: `swf/production/vp1`, `360p 480p` (written
            // `360p+480p`), `autostart/loop`.
            _ => {
                value.len() <= 200
                    && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-. /".contains(&b))
                    && !value.starts_with('/')
                    && !value.contains("//")
                    && !value.contains("..")
            }
        };
        if !ok {
            return Err(format!(
                "the Animoto player's \"{name}\" parameter is not what Animoto writes"
            ));
        }
        kept.push((name.into_owned(), value.into_owned()));
    }
    if !kept.iter().any(|(n, v)| n == "f" && !v.is_empty()) {
        return Err("the Animoto player address names no video (its f= is missing)".into());
    }
    let query: Vec<String> =
        kept.iter().map(|(n, v)| format!("{}={}", encode(n), encode(v))).collect();
    Ok(format!("{base}?{}", query.join("&")))
}

/// Percent-encodes a query name or value, keeping `/` and writing a space as `+` (as Animoto's
/// own embed codes do).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(embed: &str) -> String {
        video_embed_url(embed).unwrap_or_else(|e| panic!("{embed:?} was refused: {e}"))
    }

    #[test]
    fn animoto_embeds_keep_the_player_parameters() {
        assert_eq!(
            ok(
                r#"<iframe src="https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1&f=abc" width="640" height="360"></iframe>"#
            ),
            "https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1&f=abc"
        );
        // Animoto's embed code as it gives it, with the HTML-escaped `&` WordPress writes.
        let snippet = r#"<iframe id="vp1WmGs0" title="Video Player" width="640" height="360" frameborder="0" src="https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1&#038;e=1565635838&#038;f=WmGs0SgMeHvBMur0fL68rw&#038;d=0&#038;m=b&#038;r=360p+480p+720p&#038;volume=100&#038;start_res=720p&#038;i=m&#038;asset_domain=s3-p.animoto.com&#038;animoto_domain=animoto.com&#038;options=" allowfullscreen></iframe>"#;
        let expected = "https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1\
                        &e=1565635838&f=WmGs0SgMeHvBMur0fL68rw&d=0&m=b&r=360p+480p+720p\
                        &volume=100&start_res=720p&i=m&asset_domain=s3-p.animoto.com\
                        &animoto_domain=animoto.com&options=";
        assert_eq!(ok(snippet), expected);
        assert_eq!(ok(&snippet.replace("&#038;", "&amp;")), expected);
        assert_eq!(ok(&snippet.replace("&#038;", "&#x26;")), expected);
        // Single quotes, upper case, http, unknown and repeated parameters.
        assert_eq!(
            ok(
                "<IFRAME SRC='http://embed.animoto.com/play.html?f=X1_y-2&tracking=1&f=other&options=autostart/loop'></IFRAME>"
            ),
            "https://embed.animoto.com/play.html?f=X1_y-2&options=autostart/loop"
        );
        assert_eq!(
            ok("https://animoto.com/play/Ab3_x-Y9?autostart=1"),
            "https://animoto.com/play/Ab3_x-Y9"
        );
        assert_eq!(
            ok("<iframe src=https://animoto.com/play/abc></iframe>"),
            "https://animoto.com/play/abc"
        );
    }

    #[test]
    fn youtube_embeds_become_the_no_cookie_player() {
        let expected = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ";
        let snippet = r#"<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=AbCdEf123_x" title="YouTube video player" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; web-share" referrerpolicy="strict-origin-when-cross-origin" allowfullscreen></iframe>"#;
        assert_eq!(ok(snippet), expected);
        for embed in [
            "https://youtube.com/embed/dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
            "https://youtu.be/dQw4w9WgXcQ?si=x",
            "http://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "//www.youtube.com/embed/dQw4w9WgXcQ",
            "  https://www.youtube.com/embed/dQw4w9WgXcQ\n",
        ] {
            assert_eq!(ok(embed), expected, "{embed}");
        }
    }

    #[test]
    fn vimeo_embeds_keep_the_private_hash() {
        // Vimeo's embed code, script included: only the iframe's src is read.
        let snippet = r#"<div style="padding:56.25% 0 0 0;position:relative;"><iframe src="https://player.vimeo.com/video/76979871?h=8272103f6e&amp;badge=0&amp;autopause=0&amp;player_id=0&amp;app_id=58479" frameborder="0" allow="autoplay; fullscreen; picture-in-picture; clipboard-write" style="position:absolute;top:0;left:0;width:100%;height:100%;" title="Session"></iframe></div><script src="https://player.vimeo.com/api/player.js"></script>"#;
        assert_eq!(ok(snippet), "https://player.vimeo.com/video/76979871?h=8272103f6e");
        assert_eq!(ok("https://vimeo.com/76979871"), "https://player.vimeo.com/video/76979871");
        assert_eq!(
            ok("https://vimeo.com/76979871/8272103f6e"),
            "https://player.vimeo.com/video/76979871?h=8272103f6e"
        );
        assert_eq!(
            ok("https://player.vimeo.com/video/76979871#t=30s"),
            "https://player.vimeo.com/video/76979871"
        );
    }

    #[test]
    fn hostile_or_unknown_embeds_are_refused() {
        let port = "holds a port number";
        let user = "holds a user name";
        let not_web = "starting with https://";
        let host = "not from an allowed video host";
        let path = "not a video player address that the site knows";
        let animoto = "parameter is not what Animoto writes";
        let youtube_id = "not a YouTube video id";
        let cases: &[(&str, &str)] = &[
            ("", "is empty"),
            ("  \n ", "is empty"),
            ("javascript:alert(1)", "a javascript: address is not a video"),
            ("JaVaScRiPt:alert(1)//https://www.youtube.com/embed/dQw4w9WgXcQ", "javascript:"),
            ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "a data: address"),
            ("data:text/html,<script>alert(1)</script>", "no <iframe>"),
            ("<script>alert(1)</script>", "no <iframe>"),
            ("<iframe-like src=\"https://youtu.be/dQw4w9WgXcQ\">", "no <iframe>"),
            (r#"<iframe src="javascript:alert(1)"></iframe>"#, "javascript:"),
            (r#"<iframe src="&#106;avascript:alert(1)"></iframe>"#, "javascript:"),
            (r#"<iframe src="https://evil.example/play.html"></iframe>"#, host),
            (
                r#"<iframe title="src=https://youtu.be/dQw4w9WgXcQ" src="https://evil.example/">"#,
                host,
            ),
            (r#"<iframe data-src="https://youtu.be/dQw4w9WgXcQ"></iframe>"#, "has no src"),
            (
                r#"<iframe src="https://youtu.be/dQw4w9WgXcQ" src="https://evil.example/">"#,
                "two src",
            ),
            (
                r#"<iframe src="https://youtu.be/dQw4w9WgXcQ"></iframe><iframe src="https://x/">"#,
                "more than one <iframe>",
            ),
            (r#"<iframe src="https://youtu.be/dQw4w9WgXcQ></iframe>"#, "not closed"),
            (r#"<iframe src="https://youtu.be/dQw4w9WgXcQ""#, "not closed"),
            ("https://s3.amazonaws.com/other-bucket/x", path),
            ("https://s3.amazonaws.com/embed.animoto.com/other.html?f=abc", path),
            (
                "https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1",
                "no video",
            ),
            ("https://embed.animoto.com/play.html?f=", "no video"),
            ("https://embed.animoto.com/play.html?f=abc&w=//evil.example/x", animoto),
            ("https://embed.animoto.com/play.html?f=abc&w=/evil", animoto),
            ("https://embed.animoto.com/play.html?f=abc&w=../../x", animoto),
            ("https://embed.animoto.com/play.html?f=abc&w=https://evil.example/x", animoto),
            ("https://embed.animoto.com/play.html?f=abc&asset_domain=evil.example", animoto),
            ("https://embed.animoto.com/play.html?f=abc&asset_domain=evilanimoto.com", animoto),
            (
                "https://embed.animoto.com/play.html?f=abc&animoto_domain=animoto.com.evil.example",
                animoto,
            ),
            ("https://embed.animoto.com/play.html?f=%22onload%3D%22alert(1)", animoto),
            ("https://embed.animoto.com/play.html?f=abc&options=%3Cscript%3E", animoto),
            ("https://animoto.com/play/a%22b", path),
            ("https://youtube.com.evil.example/embed/dQw4w9WgXcQ", host),
            ("https://evil.example/youtube.com/embed/dQw4w9WgXcQ", host),
            ("https://www.youtube.com/embed/dQw4w9WgXcQ\" onload=\"alert(1)", youtube_id),
            (r#"<iframe src='https://youtu.be/dQw4w9WgXcQ" onload="alert(1)'>"#, youtube_id),
            ("https://www.youtube.com/embed/dQw4w9WgXc", youtube_id),
            ("https://www.youtube.com/watch?list=x", youtube_id),
            ("https://www.youtube.com/embed/dQw4w9WgXcQ/extra", path),
            ("https://user@s3.amazonaws.com/embed.animoto.com/play.html?f=abc", user),
            ("https://user:pw@www.youtube.com/embed/dQw4w9WgXcQ", user),
            ("https://www.youtube.com@evil.example/embed/dQw4w9WgXcQ", user),
            ("https://www.youtube.com:8443/embed/dQw4w9WgXcQ", port),
            ("https://www.youtube.com:443/embed/dQw4w9WgXcQ", port),
            ("http://player.vimeo.com:80/video/1", port),
            ("https://player.vimeo.com/video/12ab", "not a Vimeo video number"),
            ("https://player.vimeo.com/video/1?h=not-hex", "hash is not what Vimeo writes"),
            ("https://vimeo.com/channels/staffpicks/1", path),
            ("ftp://vimeo.com/1", not_web),
            ("www.youtube.com/embed/dQw4w9WgXcQ", not_web),
            ("https://1.2.3.4/embed/dQw4w9WgXcQ", host),
            ("https://[::1]/embed/dQw4w9WgXcQ", host),
        ];
        for (embed, expected) in cases {
            match video_embed_url(embed) {
                Err(message) => assert!(message.contains(expected), "{embed:?}: {message}"),
                Ok(url) => panic!("{embed:?} was accepted as {url}"),
            }
        }
        assert_eq!(
            video_embed_url(r#"<iframe src="https://evil.example/play.html"></iframe>"#),
            Err("not from an allowed video host (Animoto, YouTube, Vimeo): evil.example".into())
        );
    }

    #[test]
    fn other_iframe_attributes_never_reach_the_url() {
        // An event handler beside the src is ignored: the site renders its own iframe.
        let embed =
            r#"<iframe onload="alert(1)" src="https://youtu.be/dQw4w9WgXcQ" onerror=alert(2)>"#;
        assert_eq!(ok(embed), "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
        let url = ok(
            "https://s3.amazonaws.com/embed.animoto.com/play.html?f=abc&r=360p+480p&x=%22%3E%3Cscript%3E",
        );
        assert_eq!(url, "https://s3.amazonaws.com/embed.animoto.com/play.html?f=abc&r=360p+480p");
    }
}
