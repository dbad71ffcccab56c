//! Receiving a file: streamed to a scratch file while it is hashed, never held in memory.

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::AppError;
use crate::web::AppState;

pub struct ReceivedFile {
    pub temp: tempfile::TempPath,
    pub sha256: String,
    pub bytes: u64,
}

/// The SHA-256 the sender claims, from the `x-content-sha256` header.
pub fn claimed_sha256(req: &HttpRequest) -> Result<String, AppError> {
    let value = req
        .headers()
        .get(proofroom_wire::SHA256_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            AppError::bad_request(
                "sha256_required",
                format!("Send the file's SHA-256 in the {} header.", proofroom_wire::SHA256_HEADER),
            )
        })?;
    if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::bad_request(
            "invalid_sha256",
            "The SHA-256 header must be 64 hexadecimal characters.",
        ));
    }
    Ok(value)
}

/// Refuses an over-size body from its Content-Length before reading any of it.
pub fn check_declared_size(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > state.config.max_upload_bytes => Err(too_large(state)),
        Some(0) => Err(AppError::bad_request("empty_body", "The upload is empty.")),
        _ => Ok(()),
    }
}

fn too_large(state: &AppState) -> AppError {
    AppError::too_large(
        "file_too_large",
        format!(
            "The file is larger than this server accepts ({} MB).",
            state.config.max_upload_bytes / 1_000_000
        ),
    )
}

/// Streams the body to a scratch file, hashing as it goes, and checks the claimed SHA-256.
pub async fn receive(
    mut payload: web::Payload,
    state: &AppState,
    gallery: &super::GalleryState,
    claimed_sha256: &str,
) -> Result<ReceivedFile, AppError> {
    gallery.upload_bodies_read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = tempfile::NamedTempFile::new_in(&state.upload_dir)?.into_temp_path();
    let file = tokio::fs::File::create(&temp).await?;
    let mut writer = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut hasher = Sha256::new();
    let mut bytes: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request(
                "upload_interrupted",
                format!("The upload did not arrive whole: {e}"),
            )
        })?;
        bytes += chunk.len() as u64;
        if bytes > state.config.max_upload_bytes {
            return Err(too_large(state));
        }
        hasher.update(&chunk);
        writer.write_all(&chunk).await?;
    }
    writer.flush().await?;
    if bytes == 0 {
        return Err(AppError::bad_request("empty_body", "The upload is empty."));
    }
    let sha256 = hex::encode(hasher.finalize());
    if sha256 != claimed_sha256 {
        return Err(AppError::bad_request(
            "sha256_mismatch",
            "The file that arrived does not match its SHA-256; it was not stored. Send it again.",
        ));
    }
    Ok(ReceivedFile { temp, sha256, bytes })
}

/// Maps the image pipeline's refusals to API errors.
pub fn image_error(e: crate::images::ImageError) -> AppError {
    use crate::images::ImageError;
    match e {
        ImageError::Unsupported => AppError::unsupported_media(
            "unsupported_image_type",
            "Only JPEG, PNG and WebP images are accepted (judged by the file's content).",
        ),
        ImageError::TooManyPixels { width, height, max } => AppError::too_large(
            "too_many_pixels",
            format!(
                "The image is {width}×{height} pixels; this server accepts at most {} megapixels.",
                max / 1_000_000
            ),
        ),
        ImageError::TooMuchMemory { .. } => AppError::too_large(
            "image_too_large_to_decode",
            "The image would need more memory to decode than this server allows.",
        ),
        ImageError::Corrupt(why) => {
            AppError::unprocessable("corrupt_image", format!("The image could not be read: {why}"))
        }
        ImageError::Io(e) => AppError::internal(format!("image i/o: {e}")),
    }
}
