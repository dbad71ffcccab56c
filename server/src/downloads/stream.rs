//! A response body written by blocking code on a thread of its own (reading stored files,
//! writing a ZIP) and handed to the client as it is made: chunks of [`CHUNK`] bytes through a
//! channel of [`IN_FLIGHT`] of them, so a slow client slows the writer instead of filling
//! memory. A client that goes away stops the writer at its next chunk.

use std::io::{self, Write};

use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use tokio::sync::mpsc;

/// Bytes per chunk sent.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the client at most: with the chunk being filled, what one download
/// holds in memory (~320 KiB).
const IN_FLIGHT: usize = 4;

/// Where the writer's bytes go.
pub struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: BytesMut,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = self.buf.split().freeze();
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// Runs `write` on a blocking thread and streams what it writes. An error after the first
/// bytes can only cut the response short (the status is sent); it is logged.
pub fn body<F>(what: String, write: F) -> impl Stream<Item = io::Result<Bytes>>
where
    F: FnOnce(&mut ChannelWriter) -> io::Result<()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    actix_web::rt::task::spawn_blocking(move || {
        let mut out = ChannelWriter { tx: tx.clone(), buf: BytesMut::with_capacity(CHUNK) };
        match write(&mut out).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                tracing::info!("download of {what} stopped: the client went away");
            }
            Err(e) => {
                tracing::error!("download of {what} failed midway: {e}");
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}
