//! `--metadata-output`: one JSON record per processed file (mode, input, output, the
//! message header's public parts and sizes), appended to a file or written to stdout. No
//! secrets: encrypted data keys appear as provider id and provider info only. The file is
//! written in place (records are appended), never replaced; a new one is created `0600`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use trent_envelope::MessageInfo;

use super::CliError;
use super::files::{Dest, Source};

/// Where records go.
pub(crate) enum Writer {
    Stdout,
    File(File),
}

impl Writer {
    pub(crate) fn open(path: &Path, overwrite: bool) -> Result<Writer, CliError> {
        if path.as_os_str() == "-" {
            return Ok(Writer::Stdout);
        }
        // Opened in place: a link is followed, a device or FIFO written through, an existing
        // file keeps its owner and mode; a new one is private (it names files and contexts).
        let mut options = OpenOptions::new();
        options.create(true).append(!overwrite).write(true).truncate(overwrite);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let f = options.open(path).map_err(|e| CliError::Io(path.display().to_string(), e))?;
        Ok(Writer::File(f))
    }

    pub(crate) fn write(
        &mut self,
        mode: &str,
        source: &Source,
        dest: &Dest,
        info: &MessageInfo,
    ) -> Result<(), CliError> {
        let name = |s: Option<&Path>| s.map_or_else(|| "-".to_owned(), |p| p.display().to_string());
        let input = name(match source {
            Source::Stdin => None,
            Source::File(p) => Some(p),
        });
        let output = name(match dest {
            Dest::Stdout => None,
            Dest::File(p) => Some(p),
        });
        let edks: Vec<_> = info
            .edks
            .iter()
            .map(|e| {
                let info =
                    String::from_utf8(e.provider_info.clone()).unwrap_or_else(|_| STANDARD.encode(&e.provider_info));
                json!({ "key_provider": { "provider_id": e.provider_id, "key_info": info } })
            })
            .collect();
        let record = json!({
            "mode": mode,
            "input": input,
            "output": output,
            "header": {
                "version": if info.suite.message_version == 2 { "2.0" } else { "1.0" },
                "algorithm": format!("0x{:04X}", info.suite.id),
                "message_id": STANDARD.encode(&info.message_id),
                "encryption_context": info.context,
                "encrypted_data_keys": edks,
                "frame_length": info.frame_length,
            },
            "plaintext_bytes": info.plaintext_bytes,
            "message_bytes": info.message_bytes,
        });
        let mut line = serde_json::to_vec(&record).unwrap_or_default();
        line.push(b'\n');
        let r = match self {
            Writer::Stdout => std::io::stdout().write_all(&line),
            Writer::File(f) => f.write_all(&line),
        };
        r.map_err(|e| CliError::Io("metadata output".into(), e))
    }
}
