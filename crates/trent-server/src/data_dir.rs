//! The data directory on disk: created `0700`, refused when group or others can reach it (as
//! ssh refuses an exposed key), every file in it `0600` (modes are tightened at every start,
//! so files from older versions, copies and SQLite's `-wal`/`-shm` files are covered), and
//! which kind of server it belongs to.
//!
//! A development server (`--dev`, well-known `test`/`test` credentials) writes
//! [`DEV_MARKER`] into the directories it creates and uses no other directory; a server
//! without `--dev` refuses a directory that has the marker. The database carries the same
//! mark (checked in `bootstrap`), so it travels with a copied database file too.

use std::path::{Path, PathBuf};

use crate::bootstrap::BootstrapError;

/// The file a development server writes into the data directories it creates.
pub const DEV_MARKER: &str = "DEVELOPMENT-SERVER";

const DEV_MARKER_TEXT: &str = "This directory was created by `trent server --dev`: its credentials are well known.\n\
     A server without --dev refuses to open it.\n";

/// Opens `dir` for a server (`dev` or not): creates it if missing, refuses it if group or
/// others can reach it or if it belongs to the other kind of server, and tightens the modes
/// of the files in it. Nothing in a directory that is refused is changed.
///
/// # Errors
/// [`BootstrapError::DataDir`] for I/O errors, [`BootstrapError::ExposedDataDir`],
/// [`BootstrapError::NotADevDataDir`] and [`BootstrapError::DevDataDir`].
pub(crate) fn open(dir: &Path, dev: bool) -> Result<(), BootstrapError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BootstrapError::DataDir { path, source }
    };
    let created = match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => false,
        Ok(_) => return Err(io(dir)(std::io::Error::other("not a directory"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_private_dir(dir).map_err(io(dir))?;
            true
        }
        Err(e) => return Err(io(dir)(e)),
    };
    check_private_dir(dir)?;
    let marker = dir.join(DEV_MARKER);
    let marked = std::fs::symlink_metadata(&marker).is_ok();
    match (dev, marked) {
        (true, false) if created || is_empty(dir).map_err(io(dir))? => {
            let mut file = crate::seal::create_private(&marker).map_err(io(&marker))?;
            std::io::Write::write_all(&mut file, DEV_MARKER_TEXT.as_bytes()).map_err(io(&marker))?;
        }
        (true, false) => return Err(BootstrapError::NotADevDataDir(dir.to_owned())),
        (false, true) => return Err(BootstrapError::DevDataDir(dir.to_owned())),
        (true, true) | (false, false) => {}
    }
    tighten_file_modes(dir)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn is_empty(dir: &Path) -> std::io::Result<bool> {
    Ok(std::fs::read_dir(dir)?.next().is_none())
}

/// Refuses a directory that group or others may read, enter or write.
fn check_private_dir(dir: &Path) -> Result<(), BootstrapError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)
            .map_err(|source| BootstrapError::DataDir { path: dir.to_owned(), source })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(BootstrapError::ExposedDataDir { path: dir.to_owned(), mode: mode & 0o7777 });
        }
    }
    Ok(())
}

/// Sets every regular file directly in `dir` to `0600` (symbolic links and directories are
/// left alone), saying which it changed. A file gone between the listing and its turn (SQLite
/// removes a database's `-wal` and `-shm` files when another process, or a closing pool, lets
/// go of it) has nothing left to tighten.
fn tighten_file_modes(dir: &Path) -> Result<(), BootstrapError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let io = |path: PathBuf| move |source| BootstrapError::DataDir { path, source };
        fn gone<T>(r: &std::io::Result<T>) -> bool {
            matches!(r, Err(e) if e.kind() == std::io::ErrorKind::NotFound)
        }
        for entry in std::fs::read_dir(dir).map_err(io(dir.to_owned()))? {
            let entry = entry.map_err(io(dir.to_owned()))?;
            let path = entry.path();
            let meta = entry.metadata();
            if gone(&meta) {
                continue;
            }
            let meta = meta.map_err(io(path.clone()))?;
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_file() && mode != 0o600 {
                let set = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
                if gone(&set) {
                    continue;
                }
                set.map_err(io(path.clone()))?;
                tracing::warn!(file = %path.display(), from = format!("{mode:04o}"), "tightened the file's mode to 0600");
            }
        }
    }
    Ok(())
}

/// Creates `path` empty with mode `0600` if it does not exist, so that SQLite, which gives a
/// database's `-wal` and `-shm` files the database file's mode, creates those `0600` too.
///
/// # Errors
/// [`BootstrapError::DataDir`].
pub(crate) fn precreate_private(path: &Path) -> Result<(), BootstrapError> {
    match crate::seal::create_private(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(BootstrapError::DataDir { path: path.to_owned(), source }),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_new_directory_is_private_and_a_dev_one_is_marked() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        open(&dir, true).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(DEV_MARKER)), 0o600);
        open(&dir, true).unwrap();
        assert!(matches!(open(&dir, false), Err(BootstrapError::DevDataDir(p)) if p == dir));
    }

    #[test]
    fn dev_mode_takes_only_empty_or_marked_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("prod");
        open(&dir, false).unwrap();
        std::fs::write(dir.join("trent.db"), b"").unwrap();
        assert!(matches!(open(&dir, true), Err(BootstrapError::NotADevDataDir(p)) if p == dir));
        assert!(!dir.join(DEV_MARKER).exists(), "a refused directory is left as it was");
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        std::fs::set_permissions(&empty, std::fs::Permissions::from_mode(0o700)).unwrap();
        open(&empty, true).unwrap();
        assert!(empty.join(DEV_MARKER).is_file());
    }
}
