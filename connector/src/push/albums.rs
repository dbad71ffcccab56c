//! The albums step of a push: each published session's albums marked `ready-for-upload` go up
//! when the server does not hold their revision's pages as they are — the revision and its
//! page list first, then the page files the server says it lacks. A page the server already
//! holds (an earlier revision's, unchanged) is not sent again.
//!
//! A revision the client has answered never changes: changed pages for it are refused here,
//! with what to do (raise `revision`).

use proofroom_wire::albums::{
    AlbumList, AlbumPageFile, AlbumPushResult, AlbumState, AlbumSummary, AlbumUpsert,
};
use proofroom_wire::paths;

use super::{ImageOutcome, Pusher};
use crate::api;
use crate::library::{AlbumPage, Library, Session, SessionAlbum};
use crate::output::human_bytes;

impl Pusher<'_> {
    pub(super) async fn albums(&mut self, library: &Library) {
        let published: Vec<&Session> = library.sessions.iter().filter(|s| s.publish).collect();
        if published.iter().all(|s| s.albums.ready.is_empty()) {
            return;
        }
        let held: AlbumList = match self.api.get(paths::ALBUMS).await {
            Ok(list) => list,
            Err(f) => return self.fail("albums", f),
        };
        for session in published {
            for album in &session.albums.ready {
                let server = held
                    .albums
                    .iter()
                    .find(|h| h.session_id == session.id && h.album_id == album.id);
                self.album(session, album, server).await;
            }
        }
    }

    async fn album(
        &mut self,
        session: &Session,
        album: &SessionAlbum,
        server: Option<&AlbumSummary>,
    ) {
        let mut pages = Vec::with_capacity(album.pages.len());
        for page in &album.pages {
            match self.page_sha256(page).await {
                Ok(sha256) => pages.push(AlbumPageFile { name: page.name.clone(), sha256 }),
                Err(e) => return self.fail(&page.item, format!("cannot read the page: {e}")),
            }
        }
        let upsert =
            AlbumUpsert { description: album.description.clone(), revision: album.revision, pages };
        if let Some(held) = server {
            let same_pages = held.revision == upsert.revision
                && held.pages.len() == upsert.pages.len()
                && held
                    .pages
                    .iter()
                    .zip(&upsert.pages)
                    .all(|(h, w)| h.name == w.name && h.sha256.eq_ignore_ascii_case(&w.sha256));
            if same_pages
                && held.state != AlbumState::Uploading
                && held.description == upsert.description
            {
                return;
            }
            if held.revision > upsert.revision {
                return self.fail(
                    &album.item,
                    format!(
                        "the site already has revision {} of album \"{}\"; raise `revision` in \
                         session.toml above it to send new pages",
                        held.revision, album.id
                    ),
                );
            }
            let answered =
                matches!(held.state, AlbumState::CommentsReceived | AlbumState::Approved);
            if held.revision == upsert.revision && answered && !same_pages {
                return self.fail(
                    &album.item,
                    format!(
                        "revision {} of album \"{}\" is {} by the client, so its changed pages \
                         were not sent; put the new pages in r{} and set `revision = {}`",
                        held.revision,
                        album.id,
                        if held.state == AlbumState::Approved { "approved" } else { "answered" },
                        held.revision + 1,
                        held.revision + 1
                    ),
                );
            }
        }
        if self.dry_run {
            self.report.albums += 1;
            return self.did(format!("would send {} ({} pages)", album.item, album.pages.len()));
        }
        let answer: AlbumPushResult =
            match self.api.put(&api::album_path(&session.id, &album.id), &upsert).await {
                Ok(answer) => answer,
                Err(f) => return self.fail(&album.item, f),
            };
        self.report.albums += 1;
        let uploader = self.uploader();
        let (mut uploaded, mut bytes_sent, mut failed) = (0usize, 0u64, false);
        for name in &answer.missing {
            let Some(page) = album.pages.iter().find(|p| p.name == *name) else { continue };
            let path = api::album_page_path(&session.id, &album.id, album.revision, &page.name);
            match uploader.upload_if_changed(&path, &page.item, page.path.clone(), None).await {
                Ok(ImageOutcome::Uploaded { bytes }) => {
                    uploaded += 1;
                    bytes_sent += bytes;
                }
                Ok(ImageOutcome::Unchanged) => {}
                Err(message) => {
                    failed = true;
                    self.fail(&page.item, message);
                }
            }
        }
        self.report.album_pages += uploaded;
        let held_before = album.pages.len() - answer.missing.len();
        let state = match answer.state {
            _ if failed => "waiting for the pages that failed",
            AlbumState::Uploading => AlbumState::WaitingForClient.label(),
            other => other.label(),
        };
        self.did(format!(
            "pushed album \"{}\" revision {} ({}): {uploaded} pages uploaded ({}), {held_before} \
             already on the site — {state}",
            album.id,
            album.revision,
            album.item,
            human_bytes(bytes_sent),
        ));
        self.save_hashes();
    }

    /// The page file's SHA-256, from the hash cache when its size and time say it is unchanged.
    async fn page_sha256(&self, page: &AlbumPage) -> std::io::Result<String> {
        let meta = std::fs::metadata(&page.path)?;
        if let Some(known) = self.cache.known(&page.item, &meta) {
            return Ok(known.to_string());
        }
        let path = page.path.clone();
        let (sha256, _) = tokio::task::spawn_blocking(move || api::sha256_file(&path))
            .await
            .map_err(std::io::Error::other)??;
        self.cache.remember(&page.item, &meta, &sha256);
        Ok(sha256)
    }
}
