//! Writing a command's output file (`-o PATH`, `--witness PATH`) without destroying what is at
//! the path. What happens depends on what is there, after following symbolic links (a link is
//! followed, never replaced):
//!
//! * nothing, or a regular file: the output is written under a temporary name in the same
//!   directory and renamed into place by [`OutFile::commit`], so a failed or unverified output
//!   never appears under the name. A new file is `0600`; a file that is replaced keeps its
//!   owner, group and permission bits (the command fails rather than change its owner).
//! * a character or block device or a FIFO: the output is written through it, as a shell's
//!   `>` would (`-o /dev/null` discards the output and leaves `/dev/null` alone).
//! * a Unix socket: the output is sent through a stream connection to it.
//!
//! [`OutFile::is_staged`] tells callers which it is, so that decryption releases only verified
//! plaintext into anything that is not staged.

use std::fs::{File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Symbolic links followed before giving up, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// An output being written.
pub(crate) struct OutFile {
    kind: Kind,
}

enum Kind {
    /// Renamed over `target` on commit; `existing` is the regular file it replaces.
    Staged { tmp: tempfile::NamedTempFile, target: PathBuf, existing: Option<Existing> },
    /// A device, FIFO or socket, written directly.
    Through(Box<dyn Write + Send>),
}

impl OutFile {
    /// Prepares to write `path` (see the module documentation). Opening a FIFO waits for its
    /// reader, as a shell's `>` does.
    ///
    /// # Errors
    /// I/O errors; a directory; a chain of more than 40 symbolic links.
    pub(crate) fn create(path: &Path) -> io::Result<OutFile> {
        let (target, meta) = resolve(path)?;
        let kind = match meta {
            None => Kind::Staged { tmp: stage_beside(&target)?, target, existing: None },
            Some(meta) if meta.is_file() => {
                Kind::Staged { tmp: stage_beside(&target)?, existing: Some(Existing::of(&meta)), target }
            }
            Some(meta) if meta.is_dir() => return Err(io::Error::other("is a directory")),
            Some(meta) => Kind::Through(open_special(&target, &meta)?),
        };
        Ok(OutFile { kind })
    }

    /// Whether the output appears only at [`commit`](Self::commit) (a regular file), or is
    /// released as it is written (a device, FIFO or socket).
    pub(crate) fn is_staged(&self) -> bool {
        matches!(self.kind, Kind::Staged { .. })
    }

    /// Finishes the output: flushes it and renames a staged file into place, with the owner and
    /// mode of the file it replaces. Dropping an `OutFile` without committing it removes a
    /// staged file.
    ///
    /// # Errors
    /// I/O errors; the owner cannot be kept; the path changed while the output was written.
    pub(crate) fn commit(self) -> io::Result<()> {
        match self.kind {
            Kind::Through(mut w) => w.flush(),
            Kind::Staged { tmp, target, existing: None } => {
                // Nothing may have appeared at the path meanwhile: never rename over it.
                tmp.persist_noclobber(&target).map(drop).map_err(|e| e.error)
            }
            Kind::Staged { tmp, target, existing: Some(old) } => {
                old.give_to(tmp.as_file())?;
                match std::fs::symlink_metadata(&target) {
                    Ok(meta) if old.is(&meta) => {}
                    _ => {
                        return Err(io::Error::other("the file was replaced while the output was written; left alone"));
                    }
                }
                tmp.persist(&target).map(drop).map_err(|e| e.error)
            }
        }
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.kind {
            Kind::Staged { tmp, .. } => tmp.write(buf),
            Kind::Through(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.kind {
            Kind::Staged { tmp, .. } => tmp.write_all(buf),
            Kind::Through(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.kind {
            Kind::Staged { tmp, .. } => tmp.flush(),
            Kind::Through(w) => w.flush(),
        }
    }
}

/// What a replaced file keeps (its owner, group and permission bits; set-id bits are dropped),
/// and how to recognise it at the rename.
#[cfg(unix)]
struct Existing {
    mode: u32,
    uid: u32,
    gid: u32,
    dev: u64,
    ino: u64,
}

#[cfg(unix)]
impl Existing {
    fn of(meta: &Metadata) -> Existing {
        use std::os::unix::fs::MetadataExt;
        Existing { mode: meta.mode() & 0o777, uid: meta.uid(), gid: meta.gid(), dev: meta.dev(), ino: meta.ino() }
    }

    fn is(&self, meta: &Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        meta.file_type().is_file() && meta.dev() == self.dev && meta.ino() == self.ino
    }

    /// Gives `file` this file's owner, group and mode (the owner first: `chown` may clear mode bits).
    fn give_to(&self, file: &File) -> io::Result<()> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let now = file.metadata()?;
        if (now.uid(), now.gid()) != (self.uid, self.gid) {
            std::os::unix::fs::fchown(file, Some(self.uid), Some(self.gid)).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot give the output the owner of the file it replaces ({e})"))
            })?;
        }
        file.set_permissions(std::fs::Permissions::from_mode(self.mode))
    }
}

/// What a replaced file keeps where there are no Unix modes: its read-only flag.
#[cfg(not(unix))]
struct Existing {
    readonly: bool,
}

#[cfg(not(unix))]
impl Existing {
    fn of(meta: &Metadata) -> Existing {
        Existing { readonly: meta.permissions().readonly() }
    }

    fn is(&self, meta: &Metadata) -> bool {
        meta.is_file()
    }

    fn give_to(&self, file: &File) -> io::Result<()> {
        let mut permissions = file.metadata()?.permissions();
        permissions.set_readonly(self.readonly);
        file.set_permissions(permissions)
    }
}

/// Opens a device or FIFO for writing (never creating or truncating it), or connects to a
/// Unix socket.
fn open_special(target: &Path, meta: &Metadata) -> io::Result<Box<dyn Write + Send>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if meta.file_type().is_socket() {
            return Ok(Box::new(std::os::unix::net::UnixStream::connect(target)?));
        }
    }
    let _ = meta;
    Ok(Box::new(File::options().write(true).open(target)?))
}

/// Follows symbolic links from `path` to what they name; returns that path and what is there
/// (`None` if nothing is).
fn resolve(path: &Path) -> io::Result<(PathBuf, Option<Metadata>)> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                // Relative to the link's directory; an absolute target replaces the whole path.
                current = current.parent().map_or_else(|| link.clone(), |dir| dir.join(&link));
            }
            Ok(meta) => return Ok((current, Some(meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((current, None)),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!("more than {MAX_LINKS} symbolic links")))
}

/// A temporary file (`0600`) in `target`'s directory, which is created if missing.
fn stage_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    tempfile::Builder::new().prefix(".trent-").suffix(".partial").tempfile_in(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut out = OutFile::create(path)?;
        out.write_all(bytes)?;
        out.commit()
    }

    /// Guards against `-o` replacing a symbolic link (or a file's mode) with a new file.
    #[test]
    fn links_are_followed_and_replaced_files_keep_their_mode() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::write(&real, b"old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("sub/link");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("../real", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o7777, 0o640);
        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("made", &dangling).unwrap();
        write(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read(dir.path().join("made")).unwrap(), b"x");
        assert_eq!(std::fs::metadata(dir.path().join("made")).unwrap().permissions().mode() & 0o777, 0o600);
        // A loop is an error, not a hang.
        std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
        assert!(OutFile::create(&dir.path().join("loop")).is_err());
    }

    #[test]
    fn an_uncommitted_output_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut out = OutFile::create(&path).unwrap();
        out.write_all(b"partial").unwrap();
        assert!(out.is_staged());
        drop(out);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
