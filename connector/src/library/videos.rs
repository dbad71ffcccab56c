//! `[[videos]]` of a `session.toml`: a slideshow or a film, by the embed code the video site
//! gives. Only the player's address rebuilt from the embed goes up, never the studio's HTML.

use std::collections::BTreeSet;

use proofroom_wire::SessionVideo;
use serde::Deserialize;
use toml::Spanned;

use super::check::Problems;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVideo {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    embed: Spanned<String>,
}

/// The session's videos in the order written; each id once, each embed from an allowed host.
pub(super) fn videos(p: &mut Problems<'_>, raw: &[RawVideo]) -> Vec<SessionVideo> {
    let mut videos = Vec::new();
    let mut ids = BTreeSet::new();
    for v in raw {
        let id = p.required_text(&v.id, "videos.id");
        p.once(&mut ids, id.clone(), &id, v.id.span(), "videos.id");
        match proofroom_wire::video_embed_url(v.embed.get_ref()) {
            Ok(embed_url) => videos.push(SessionVideo {
                id,
                description: v.description.trim().to_string(),
                embed_url,
            }),
            Err(message) => p.add(v.embed.span(), "videos.embed", message),
        }
    }
    videos
}
