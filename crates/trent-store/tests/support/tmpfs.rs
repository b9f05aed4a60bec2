//! A small tmpfs for tests of what happens when the disk is full: mounted on a temporary
//! directory, filled with a filler file until `ENOSPC`, unmounted when dropped. Mounting needs
//! root; without it a test says so loudly and passes, except under `CI=true`, where it fails.
//!
//! Shared by `trent-store`'s and `trent-cli`'s disk-full tests (the latter include this file
//! by path).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted on a temporary directory, unmounted when dropped.
pub(crate) struct Mount {
    dir: tempfile::TempDir,
}

impl Mount {
    /// Mounts a tmpfs of `size` (as `mount -o size=` reads it), or says why not: a loud skip,
    /// or a failure under `CI=true`.
    pub(crate) fn new(test: &str, size: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if mounted {
            return Some(Mount { dir });
        }
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but {test} cannot mount a tmpfs (run as root)");
        eprintln!("SKIPPED {test}: cannot mount a tmpfs here (needs root); the full-disk behaviour is untested");
        None
    }

    /// Where it is mounted.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let unmounted = Command::new("umount").arg(self.dir.path()).status().map(|s| s.success()).unwrap_or(false);
        if !unmounted {
            // Something still holds a file open: detach now, the kernel frees it when closed.
            let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
        }
    }
}

/// Writes a filler file in `dir` until the filesystem refuses more; returns its path.
pub(crate) fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("create filler");
    let chunk = vec![0x55u8; 4096];
    loop {
        if let Err(e) = file.write_all(&chunk).and_then(|()| file.sync_all()) {
            assert_eq!(e.raw_os_error(), Some(28), "the filler stops at ENOSPC, not {e}");
            return path;
        }
    }
}
