//! The `jsonl` sink: each event as one line of EventBridge JSON appended to a file (created
//! 0600), acknowledged once `fsync` returned. A line cut short by a crash is ended before the
//! next append, so the cut line stands alone and the next event's line is whole; the cut
//! event is sent again (it was never marked delivered).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use trent_core::events::QueuedEvent;

use super::{Sink, SinkError, event_bytes};

/// Appends events to one file.
pub(crate) struct JsonlSink {
    path: PathBuf,
}

impl JsonlSink {
    pub(crate) fn new(path: PathBuf) -> JsonlSink {
        JsonlSink { path }
    }
}

/// Appends `lines` (each ending in a newline) to `path` and syncs it.
fn append(path: &Path, lines: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let len = file.seek(SeekFrom::End(0))?;
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            file.write_all(b"\n")?;
        }
    }
    file.write_all(lines)?;
    file.sync_data()
}

#[async_trait]
impl Sink for JsonlSink {
    async fn deliver(&self, events: &[QueuedEvent]) -> (usize, Option<SinkError>) {
        let mut lines = Vec::new();
        for event in events {
            lines.extend_from_slice(&event_bytes(event));
            lines.push(b'\n');
        }
        let path = self.path.clone();
        match tokio::task::spawn_blocking(move || append(&path, &lines)).await {
            Ok(Ok(())) => (events.len(), None),
            Ok(Err(e)) => (0, Some(SinkError::Io(e))),
            Err(e) => (0, Some(SinkError::Io(std::io::Error::other(e)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_line_is_ended_before_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        append(&path, b"{\"id\":\"1\"}\n").unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"id\":\"2\",\"cut").unwrap();
        append(&path, b"{\"id\":\"2\"}\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "{\"id\":\"1\"}\n{\"id\":\"2\",\"cut\n{\"id\":\"2\"}\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let missing_dir = dir.path().join("no/such/dir/events.jsonl");
        assert!(append(&missing_dir, b"x\n").is_err());
    }
}
