//! `trent operator rekey`: moves the root key from one seal to another (or to new shares or a
//! new passphrase of the same seal) by re-wrapping the root key only. No data is rewritten:
//! every wrapped key in the database stays wrapped under the same root key.
//!
//! Each seal kind is a [`SealKind`]: it releases the raw root key from its file in the data
//! directory and seals a raw root key into a new file. A new seal (KMS auto-unseal, say)
//! plugs in by implementing it.
//!
//! The move is atomic across a crash, with a journal (`root.rekey`):
//!
//! 1. the new seal's file is written under a temporary name (`<file>.rekey`) and synced;
//! 2. the journal, naming both seals' files, is written (temporary name, sync, rename);
//! 3. the temporary file is renamed to the new seal's file: **the commit point**;
//! 4. the old seal's file is removed (when it has another name), then the journal.
//!
//! [`settle`] runs at every start (and before every rekey): with a journal and the temporary
//! file still present, the move is rolled back (the old seal is untouched); with a journal and
//! no temporary file, it is rolled forward (the new seal's file is complete). A crash thus
//! leaves the old seal or the new one usable, never neither, and never both.
//!
//! This module knows the seals' files; it knows nothing of the database.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trent_crypto::{KeyMaterial, RootKey};
use zeroize::Zeroizing;

use super::{
    Initialised, KEY_FILE, KMS_FILE, KmsSeal, PKCS11_FILE, PassphraseSource, Pkcs11Seal, SEALED_FILE, SHAMIR_FILE,
    SealError, ShamirSeal, create_private,
};

/// The journal of a move in progress, in the data directory.
pub const REKEY_JOURNAL: &str = "root.rekey";
/// The suffix of a new seal's file before the commit point.
const PENDING_SUFFIX: &str = ".rekey";

/// A seal as `rekey` sees it.
pub trait SealKind {
    /// Its name in `trent.toml` (`[seal] type`).
    fn name(&self) -> &'static str;
    /// Its file in the data directory.
    fn file_name(&self) -> &'static str;
    /// Releases the raw root key from the seal's file `path`.
    ///
    /// # Errors
    /// [`SealError`] saying why the seal does not open.
    fn release(&mut self, path: &Path) -> Result<KeyMaterial, SealError>;
    /// Seals `raw` into the new file `path` (mode 0600, synced). Returns what must be shown to
    /// the operator once (new Shamir shares and operator token), if anything.
    ///
    /// # Errors
    /// [`SealError`] saying why the file could not be made.
    fn seal(&mut self, raw: &KeyMaterial, path: &Path) -> Result<Option<Initialised>, SealError>;
}

/// The `file` seal: the root key in clear in `root.key`.
pub struct FileKind;

impl SealKind for FileKind {
    fn name(&self) -> &'static str {
        "file"
    }
    fn file_name(&self) -> &'static str {
        KEY_FILE
    }
    fn release(&mut self, path: &Path) -> Result<KeyMaterial, SealError> {
        super::read_key_file(path)
    }
    fn seal(&mut self, raw: &KeyMaterial, path: &Path) -> Result<Option<Initialised>, SealError> {
        super::write_key_file(path, raw).map(|()| None)
    }
}

/// The `passphrase` seal, its passphrase read from this source (once per call).
pub struct PassphraseKind(pub PassphraseSource);

impl SealKind for PassphraseKind {
    fn name(&self) -> &'static str {
        "passphrase"
    }
    fn file_name(&self) -> &'static str {
        SEALED_FILE
    }
    fn release(&mut self, path: &Path) -> Result<KeyMaterial, SealError> {
        super::release_sealed_file(path, &self.0.read()?)
    }
    fn seal(&mut self, raw: &KeyMaterial, path: &Path) -> Result<Option<Initialised>, SealError> {
        super::write_sealed_file(path, &self.0.read_for(true)?, raw).map(|()| None)
    }
}

/// The `shamir` seal: releases with the shares given, seals into new shares.
pub struct ShamirKind {
    /// Shares of the current seal (at least its threshold), to release the root key.
    pub given: Vec<Zeroizing<String>>,
    /// How many shares to make when sealing.
    pub shares: u8,
    /// How many of them unseal.
    pub threshold: u8,
}

impl SealKind for ShamirKind {
    fn name(&self) -> &'static str {
        "shamir"
    }
    fn file_name(&self) -> &'static str {
        SHAMIR_FILE
    }
    fn release(&mut self, path: &Path) -> Result<KeyMaterial, SealError> {
        let seal = ShamirSeal::load(path)?;
        if self.given.len() < usize::from(seal.threshold) {
            return Err(SealError::Shamir(format!(
                "{} shares given; this seal needs {} of its {} shares",
                self.given.len(),
                seal.threshold,
                seal.shares
            )));
        }
        let mut shares = Vec::with_capacity(self.given.len());
        for (i, text) in self.given.iter().enumerate() {
            let share = seal.parse_share(text).map_err(|e| SealError::Shamir(format!("share {}: {e}", i + 1)))?;
            if shares.iter().any(|s: &trent_crypto::Share| s.x() == share.x()) {
                return Err(SealError::Shamir(format!("share {}: the same share was given twice", i + 1)));
            }
            shares.push(share);
        }
        seal.combine_raw(&shares).map_err(|e| SealError::Shamir(e.to_string()))
    }
    fn seal(&mut self, raw: &KeyMaterial, path: &Path) -> Result<Option<Initialised>, SealError> {
        super::split_into(path, raw, self.shares, self.threshold).map(Some)
    }
}

/// The `pkcs11` seal with this token and wrapping key: releases by unwrapping in the token,
/// seals by wrapping with the token's key of the label (generated there if it does not exist).
/// A move between two tokens or two keys is a move from one `Pkcs11Kind` to another.
pub struct Pkcs11Kind(pub Pkcs11Seal);

impl SealKind for Pkcs11Kind {
    fn name(&self) -> &'static str {
        "pkcs11"
    }
    fn file_name(&self) -> &'static str {
        PKCS11_FILE
    }
    fn release(&mut self, path: &Path) -> Result<KeyMaterial, SealError> {
        super::release_pkcs11_file(path, &self.0)
    }
    fn seal(&mut self, raw: &KeyMaterial, path: &Path) -> Result<Option<Initialised>, SealError> {
        super::write_pkcs11_file(path, raw, &self.0).map(|()| None)
    }
}

/// The `kms` seal through this remote key: releases with its `Decrypt`, seals with its
/// `Encrypt`. A move to another remote key is a move from one `KmsKind` to another.
pub struct KmsKind(pub KmsSeal);

impl SealKind for KmsKind {
    fn name(&self) -> &'static str {
        "kms"
    }
    fn file_name(&self) -> &'static str {
        KMS_FILE
    }
    fn release(&mut self, path: &Path) -> Result<KeyMaterial, SealError> {
        super::release_kms_file(path, &self.0)
    }
    fn seal(&mut self, raw: &KeyMaterial, path: &Path) -> Result<Option<Initialised>, SealError> {
        super::write_kms_file(path, raw, &self.0).map(|()| None)
    }
}

/// The journal's content: which files the move is between (no secret).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Journal {
    version: u32,
    from_file: String,
    to_file: String,
}

/// What a finished rekey reports.
pub struct Rekeyed {
    /// The seal the root key was under.
    pub from: &'static str,
    /// The seal it is under now (`[seal] type` must say this from the next start).
    pub to: &'static str,
    /// New shares and operator token to show once (`--to shamir`).
    pub shown: Option<Initialised>,
    /// The root key's check value (unchanged by a rekey).
    pub check_value: [u8; 32],
}

/// The steps of a move, so tests can stop one after any of them (a simulated crash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    NewFileWritten,
    JournalWritten,
    Committed,
    OldRemoved,
    Done,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SealError + '_ {
    move |source| SealError::Io { path: path.to_owned(), source }
}

fn pending(dir: &Path, file: &str) -> PathBuf {
    dir.join(format!("{file}{PENDING_SUFFIX}"))
}

/// Syncs the directory entry changes (create, rename, remove) in `dir` to disk.
fn sync_dir(dir: &Path) -> Result<(), SealError> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

fn remove_if_present(path: &Path) -> Result<(), SealError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(path)(e)),
    }
}

/// The seal files a journal may name: nothing else is ever removed by [`settle`].
fn known_file(name: &str) -> bool {
    super::SEAL_FILES.iter().any(|(file, _)| *file == name)
}

/// Finishes or undoes a move interrupted by a crash, and removes stray temporary files.
/// Called at every start before the seal is opened.
///
/// # Errors
/// [`SealError::Io`], or [`SealError::Malformed`] for a journal Trent did not write.
pub fn settle(dir: &Path) -> Result<(), SealError> {
    let journal_path = dir.join(REKEY_JOURNAL);
    match std::fs::read_to_string(&journal_path) {
        Ok(text) => {
            let journal: Journal =
                serde_json::from_str(&text).map_err(|_| SealError::Malformed(journal_path.clone()))?;
            if journal.version != 1 || !known_file(&journal.from_file) || !known_file(&journal.to_file) {
                return Err(SealError::Malformed(journal_path));
            }
            let temp = pending(dir, &journal.to_file);
            if temp.exists() {
                tracing::warn!(from = %journal.from_file, to = %journal.to_file, "an interrupted rekey was rolled back: the old seal is kept");
                remove_if_present(&temp)?;
            } else if dir.join(&journal.to_file).exists() {
                tracing::warn!(from = %journal.from_file, to = %journal.to_file, "an interrupted rekey was completed: the new seal is in use");
                if journal.from_file != journal.to_file {
                    remove_if_present(&dir.join(&journal.from_file))?;
                }
            } else {
                // Neither the new file nor its temporary one: not a state a rekey leaves.
                return Err(SealError::Malformed(journal_path));
            }
            sync_dir(dir)?;
            remove_if_present(&journal_path)?;
            sync_dir(dir)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&journal_path)(e)),
    }
    // Without a journal, a temporary file never reached the commit point.
    remove_if_present(&dir.join(format!("{REKEY_JOURNAL}{PENDING_SUFFIX}")))?;
    for (file, _) in super::SEAL_FILES {
        remove_if_present(&pending(dir, file))?;
    }
    Ok(())
}

/// Moves the root key of the data directory `dir` from the seal `from` (which must be the
/// directory's seal) to `to`.
///
/// # Errors
/// [`SealError`]: the directory's seal is not `from`, `from` does not open, or a file could
/// not be written. On any error the old seal is left usable.
pub fn rekey(dir: &Path, from: &mut dyn SealKind, to: &mut dyn SealKind) -> Result<Rekeyed, SealError> {
    rekey_until(dir, from, to, Step::Done)
}

pub(crate) fn rekey_until(
    dir: &Path,
    from: &mut dyn SealKind,
    to: &mut dyn SealKind,
    stop_after: Step,
) -> Result<Rekeyed, SealError> {
    settle(dir)?;
    let current = dir.join(from.file_name());
    match super::seal_in(dir) {
        Some((_, found)) if found == from.name() => {}
        Some((found, found_seal)) => {
            return Err(SealError::OtherSeal { found, found_seal, configured: from.name() });
        }
        None => {
            return Err(SealError::Io {
                path: current,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "this data directory has no root key yet"),
            });
        }
    }
    let target = dir.join(to.file_name());
    if from.file_name() != to.file_name() && std::fs::symlink_metadata(&target).is_ok() {
        return Err(SealError::Io {
            path: target,
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the new seal's file exists already"),
        });
    }
    let raw = from.release(&current)?;
    let check_value =
        RootKey::from_bytes(raw.expose_secret()).map_err(|_| SealError::Malformed(current.clone()))?.check_value();
    let (from_name, to_name) = (from.name(), to.name());
    let done = |shown| Rekeyed { from: from_name, to: to_name, shown, check_value };

    let temp = pending(dir, to.file_name());
    let shown = to.seal(&raw, &temp).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })?;
    drop(raw);
    sync_dir(dir)?;
    if stop_after == Step::NewFileWritten {
        return Ok(done(shown));
    }

    let journal = Journal { version: 1, from_file: from.file_name().into(), to_file: to.file_name().into() };
    let journal_path = dir.join(REKEY_JOURNAL);
    let journal_temp = pending(dir, REKEY_JOURNAL);
    let text = serde_json::to_string(&journal).map_err(|e| io(&journal_path)(std::io::Error::other(e)))?;
    let mut file = create_private(&journal_temp).map_err(io(&journal_temp))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).and_then(|()| file.sync_all()).map_err(io(&journal_temp))?;
    std::fs::rename(&journal_temp, &journal_path).map_err(io(&journal_path))?;
    sync_dir(dir)?;
    if stop_after == Step::JournalWritten {
        return Ok(done(shown));
    }

    std::fs::rename(&temp, &target).map_err(io(&target))?;
    sync_dir(dir)?;
    if stop_after == Step::Committed {
        return Ok(done(shown));
    }

    if from.file_name() != to.file_name() {
        std::fs::remove_file(&current).map_err(io(&current))?;
        sync_dir(dir)?;
    }
    if stop_after == Step::OldRemoved {
        return Ok(done(shown));
    }
    std::fs::remove_file(&journal_path).map_err(io(&journal_path))?;
    sync_dir(dir)?;
    Ok(done(shown))
}

#[cfg(test)]
#[path = "rekey_tests.rs"]
mod tests;
