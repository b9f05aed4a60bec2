//! The `passphrase` seal: the root key wrapped (AES-256-GCM) under a key derived from an
//! operator's passphrase with Argon2id, in `root.sealed` beside the database. The passphrase
//! comes, at each start, from an environment variable or a file descriptor the configuration
//! names; neither it nor the derived key is stored.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trent_crypto::{KeyMaterial, ROOT_KEY_LEN, RootKey};
use zeroize::Zeroizing;

use super::{SealError, create_private};

/// The sealed root key's file in the data directory.
pub const SEALED_FILE: &str = "root.sealed";
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_LEN: usize = 8;
/// The longest passphrase read (from an environment variable or a descriptor).
pub const MAX_PASSPHRASE_LEN: usize = 1024;

/// Argon2id's cost for new seals: OWASP's recommended minimum (19 MiB, two passes, one lane).
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;
/// Bounds on the costs read back from a file, so a doctored file cannot exhaust memory.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 16;
const SALT_LEN: usize = 16;
/// Binds the wrapped root key to its purpose.
const AAD: &[u8] = b"trent/seal/passphrase/v1";

/// Where the passphrase comes from at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PassphraseSource {
    /// The environment variable of this name.
    Env(String),
    /// This inherited file descriptor (a pipe or a file), read to its end.
    Fd(u32),
    /// Typed by the operator at the controlling terminal, without echo (twice when the
    /// sealed file is created, so a typo does not seal the root key under an unknown phrase).
    Prompt,
}

impl PassphraseSource {
    /// Reads the passphrase (a trailing newline is dropped).
    ///
    /// # Errors
    /// [`SealError::Passphrase`] saying what is missing or wrong.
    pub fn read(&self) -> Result<Zeroizing<String>, SealError> {
        self.read_for(false)
    }

    /// Reads the passphrase; `creating` says that a new sealed file will be made with it (a
    /// prompt then asks twice and refuses two different answers).
    ///
    /// # Errors
    /// [`SealError::Passphrase`] saying what is missing or wrong.
    pub fn read_for(&self, creating: bool) -> Result<Zeroizing<String>, SealError> {
        let text = match self {
            PassphraseSource::Prompt => {
                let tty = Path::new(super::prompt::TTY);
                let ask = |prompt: &str| {
                    super::prompt::read_secret_line(tty, prompt).map_err(|e| {
                        SealError::Passphrase(format!(
                            "cannot prompt for the passphrase on {} (seal.passphrase_prompt): {e}; a server without \
                             a terminal needs passphrase_env or passphrase_fd",
                            super::prompt::TTY
                        ))
                    })
                };
                let first = ask("Trent root key passphrase: ")?;
                if creating {
                    let again = ask("The same passphrase again (a new root key is sealed with it): ")?;
                    if !trent_crypto::constant_time_eq(first.as_bytes(), again.as_bytes()) {
                        return Err(SealError::Passphrase("the two passphrases typed differ".into()));
                    }
                }
                first
            }
            PassphraseSource::Env(name) => match std::env::var(name) {
                Ok(v) => Zeroizing::new(v),
                Err(_) => {
                    return Err(SealError::Passphrase(format!(
                        "the environment variable {name} (seal.passphrase_env) is not set or not UTF-8"
                    )));
                }
            },
            PassphraseSource::Fd(fd) => {
                // Reopened through /proc: no unsafe descriptor adoption.
                let path = format!("/proc/self/fd/{fd}");
                let file = std::fs::File::open(&path).map_err(|e| {
                    SealError::Passphrase(format!("file descriptor {fd} (seal.passphrase_fd) cannot be read: {e}"))
                })?;
                let mut bytes = Zeroizing::new(Vec::new());
                file.take(MAX_PASSPHRASE_LEN as u64 + 2).read_to_end(&mut bytes).map_err(|e| {
                    SealError::Passphrase(format!("file descriptor {fd} (seal.passphrase_fd) cannot be read: {e}"))
                })?;
                match String::from_utf8(std::mem::take(&mut *bytes)) {
                    Ok(s) => Zeroizing::new(s),
                    Err(e) => {
                        let mut raw = e.into_bytes();
                        zeroize::Zeroize::zeroize(&mut raw);
                        return Err(SealError::Passphrase(format!(
                            "file descriptor {fd}: the passphrase is not UTF-8"
                        )));
                    }
                }
            }
        };
        let trimmed = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
        let chars = trimmed.chars().count();
        if chars < MIN_PASSPHRASE_LEN {
            return Err(SealError::Passphrase(format!(
                "the passphrase has {chars} characters; at least {MIN_PASSPHRASE_LEN} are required"
            )));
        }
        if trimmed.len() > MAX_PASSPHRASE_LEN {
            return Err(SealError::Passphrase(format!("the passphrase is longer than {MAX_PASSPHRASE_LEN} bytes")));
        }
        Ok(Zeroizing::new(trimmed.to_owned()))
    }
}

/// `root.sealed`: the KDF's parameters and the wrapped root key (no secret in clear).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedFile {
    version: u32,
    seal: String,
    kdf: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
    wrapped_root_key: String,
}

fn derive(
    passphrase: &str,
    salt: &[u8],
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
) -> Result<RootKey, SealError> {
    let params = argon2::Params::new(memory_kib, iterations, parallelism, Some(ROOT_KEY_LEN))
        .map_err(|e| SealError::Passphrase(format!("Argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut kek = Zeroizing::new([0u8; ROOT_KEY_LEN]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, &mut kek[..])
        .map_err(|e| SealError::Passphrase(format!("Argon2id: {e}")))?;
    RootKey::from_bytes(&kek[..]).map_err(|_| SealError::Passphrase("Argon2id gave a key of the wrong length".into()))
}

/// Opens `path` with `passphrase`, or creates it with a new root key if it does not exist.
/// Returns the root key and whether it was created now.
///
/// # Errors
/// [`SealError::WrongPassphrase`] when the passphrase does not unwrap the key;
/// [`SealError::Malformed`], [`SealError::Io`], [`SealError::Permissions`].
pub fn open_sealed_file(path: &Path, passphrase: &str) -> Result<(RootKey, bool), SealError> {
    open_sealed_file_keeping(path, passphrase).map(|(root, created, _)| (root, created))
}

/// As [`open_sealed_file`], also returning the key derived from the passphrase (see
/// [`PassphraseKek`]), which a serving server keeps to seal a rotation's new root key.
///
/// # Errors
/// As [`open_sealed_file`].
pub fn open_sealed_file_keeping(path: &Path, passphrase: &str) -> Result<(RootKey, bool, PassphraseKek), SealError> {
    let mut kept = None;
    let released = PassphraseKek::release(path, passphrase).map(|(raw, kek)| {
        kept = Some(kek);
        raw
    });
    let (root, created) = super::release_or_create(path, released, |raw| {
        let kek = PassphraseKek::derive_new(passphrase, path)?;
        kek.seal(path, raw)?;
        kept = Some(kek);
        Ok(())
    })?;
    let kek = kept.ok_or_else(|| SealError::Passphrase("the passphrase's key was not derived".into()))?;
    Ok((root, created, kek))
}

/// Unwraps the raw root key in the sealed file `path` with `passphrase`.
///
/// # Errors
/// [`SealError::WrongPassphrase`]; [`SealError::Io`] (`NotFound` when there is no file),
/// [`SealError::Malformed`], [`SealError::Permissions`].
pub fn release_sealed_file(path: &Path, passphrase: &str) -> Result<KeyMaterial, SealError> {
    PassphraseKek::release(path, passphrase).map(|(raw, _)| raw)
}

/// Seals the raw root key `raw` under `passphrase` into a new file `path` (mode 0600,
/// synced); fails if it exists.
///
/// # Errors
/// [`SealError::Io`], [`SealError::Passphrase`] (the key derivation failed).
pub fn write_sealed_file(path: &Path, passphrase: &str, raw: &KeyMaterial) -> Result<(), SealError> {
    PassphraseKek::derive_new(passphrase, path)?.seal(path, raw)
}

/// The key Argon2id derived from the passphrase, with the salt and costs it was derived
/// with. A serving server keeps it (never the passphrase, which is read once at start from a
/// variable, a descriptor or a prompt, and dropped) so that `trent operator rotate-root` seals
/// the new root key into a file of the same salt and costs, which the same passphrase opens.
/// It opens only files of that salt; its bytes are zeroized when dropped.
pub struct PassphraseKek {
    kek: RootKey,
    salt: Vec<u8>,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl std::fmt::Debug for PassphraseKek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassphraseKek").finish_non_exhaustive()
    }
}

/// A parsed `root.sealed`: the salt, the costs and the wrapped root key.
struct Parsed {
    salt: Vec<u8>,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    wrapped: Vec<u8>,
}

fn parse(path: &Path) -> Result<Parsed, SealError> {
    let text = std::fs::read_to_string(path).map_err(|source| SealError::Io { path: path.to_owned(), source })?;
    super::check_permissions(path)?;
    let malformed = || SealError::Malformed(path.to_owned());
    let file: SealedFile = serde_json::from_str(&text).map_err(|_| malformed())?;
    let bounded = file.version == 1
        && file.seal == "passphrase"
        && file.kdf == "argon2id"
        && (8..=MAX_MEMORY_KIB).contains(&file.memory_kib)
        && (1..=MAX_ITERATIONS).contains(&file.iterations)
        && (1..=MAX_PARALLELISM).contains(&file.parallelism);
    if !bounded {
        return Err(malformed());
    }
    Ok(Parsed {
        salt: hex::decode(&file.salt).map_err(|_| malformed())?,
        memory_kib: file.memory_kib,
        iterations: file.iterations,
        parallelism: file.parallelism,
        wrapped: hex::decode(&file.wrapped_root_key).map_err(|_| malformed())?,
    })
}

impl PassphraseKek {
    /// A key derived from `passphrase` with a new random salt and today's costs (for a new
    /// file at `path`, named in errors).
    fn derive_new(passphrase: &str, path: &Path) -> Result<Self, SealError> {
        let salt: [u8; SALT_LEN] = trent_crypto::random_array().map_err(|_| SealError::Io {
            path: path.to_owned(),
            source: std::io::Error::other("random generator failed"),
        })?;
        Ok(Self {
            kek: derive(passphrase, &salt, MEMORY_KIB, ITERATIONS, PARALLELISM)?,
            salt: salt.to_vec(),
            memory_kib: MEMORY_KIB,
            iterations: ITERATIONS,
            parallelism: PARALLELISM,
        })
    }

    /// Unwraps the raw root key in `path` with `passphrase`; with the key derived for it.
    fn release(path: &Path, passphrase: &str) -> Result<(KeyMaterial, Self), SealError> {
        let p = parse(path)?;
        let kek = Self {
            kek: derive(passphrase, &p.salt, p.memory_kib, p.iterations, p.parallelism)?,
            salt: p.salt.clone(),
            memory_kib: p.memory_kib,
            iterations: p.iterations,
            parallelism: p.parallelism,
        };
        Ok((kek.unwrap(path, &p)?, kek))
    }

    fn unwrap(&self, path: &Path, p: &Parsed) -> Result<KeyMaterial, SealError> {
        let raw = self.kek.unwrap(AAD, &p.wrapped).map_err(|_| SealError::WrongPassphrase(path.to_owned()))?;
        if raw.len() != ROOT_KEY_LEN {
            return Err(SealError::Malformed(path.to_owned()));
        }
        Ok(KeyMaterial::from_slice(raw.expose_secret()))
    }

    /// Unwraps the raw root key in `path`, a file sealed with this key's salt and costs.
    ///
    /// # Errors
    /// [`SealError::Passphrase`] for a file of another salt or costs (sealed under another
    /// derivation: the passphrase is needed); as [`release_sealed_file`] otherwise.
    pub fn open(&self, path: &Path) -> Result<KeyMaterial, SealError> {
        let p = parse(path)?;
        let same = trent_crypto::constant_time_eq(&p.salt, &self.salt)
            && (p.memory_kib, p.iterations, p.parallelism) == (self.memory_kib, self.iterations, self.parallelism);
        if !same {
            return Err(SealError::Passphrase(format!(
                "{} was sealed with another salt than the file the server started with; it needs the passphrase",
                path.display()
            )));
        }
        self.unwrap(path, &p)
    }

    /// Seals `raw` into a new file `path` (mode 0600, synced) under this key, with its salt
    /// and costs; fails if `path` exists.
    ///
    /// # Errors
    /// [`SealError::Io`].
    pub fn seal(&self, path: &Path, raw: &KeyMaterial) -> Result<(), SealError> {
        let io = |source| SealError::Io { path: path.to_owned(), source };
        let wrapped =
            self.kek.wrap(AAD, raw.expose_secret()).map_err(|_| io(std::io::Error::other("cipher failed")))?;
        let file = SealedFile {
            version: 1,
            seal: "passphrase".into(),
            kdf: "argon2id".into(),
            memory_kib: self.memory_kib,
            iterations: self.iterations,
            parallelism: self.parallelism,
            salt: hex::encode(&self.salt),
            wrapped_root_key: hex::encode(wrapped),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| io(std::io::Error::other(e)))? + "\n";
        use std::io::Write as _;
        let mut out = create_private(path).map_err(io)?;
        out.write_all(text.as_bytes()).map_err(io)?;
        out.sync_all().map_err(io)
    }
}

/// The path of the sealed root key in `data_dir`.
pub fn sealed_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SEALED_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "correct horse battery staple";

    /// The raw root key inside a sealed file, recovered as the seal does (for the scan).
    fn raw_root(path: &Path, passphrase: &str) -> Vec<u8> {
        let file: SealedFile = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let kek =
            derive(passphrase, &hex::decode(file.salt).unwrap(), file.memory_kib, file.iterations, file.parallelism)
                .unwrap();
        kek.unwrap(AAD, &hex::decode(file.wrapped_root_key).unwrap()).unwrap().expose_secret().to_vec()
    }

    #[test]
    fn the_right_passphrase_reopens_the_same_key_and_a_wrong_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = sealed_path(dir.path());
        let (a, created) = open_sealed_file(&path, PASS).unwrap();
        assert!(created);
        let (b, created) = open_sealed_file(&path, PASS).unwrap();
        assert!(!created);
        assert_eq!(a.check_value(), b.check_value());
        let e = open_sealed_file(&path, "correct horse battery stapler").unwrap_err();
        assert!(matches!(e, SealError::WrongPassphrase(_)), "{e}");
        assert!(e.to_string().contains("stays sealed"), "{e}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    /// Regression guard: the data directory never holds the root key's bytes, raw or hex.
    #[test]
    fn a_scan_of_the_directory_finds_no_root_key_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = sealed_path(dir.path());
        open_sealed_file(&path, PASS).unwrap();
        let raw = raw_root(&path, PASS);
        assert_eq!(raw.len(), ROOT_KEY_LEN);
        let needles = [raw.clone(), hex::encode(&raw).into_bytes(), hex::encode_upper(&raw).into_bytes()];
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for needle in &needles {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_slice()), "root key bytes on disk");
            }
        }
    }

    /// Regression guard: rotate-root refused a passphrase read from a prompt or a descriptor
    /// (read once at start); the key kept from the start seals and opens a new file of the
    /// same salt, which the passphrase alone opens too, and refuses a file of another salt.
    #[test]
    fn the_kept_key_seals_a_new_root_that_the_passphrase_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = sealed_path(dir.path());
        let (old, created, kek) = open_sealed_file_keeping(&path, PASS).unwrap();
        assert!(created);
        assert_eq!(
            RootKey::from_bytes(kek.open(&path).unwrap().expose_secret()).unwrap().check_value(),
            old.check_value()
        );
        let (new, raw) = RootKey::generate().unwrap();
        let next = dir.path().join("root.sealed.rotate");
        kek.seal(&next, &raw).unwrap();
        assert_eq!(open_sealed_file(&next, PASS).unwrap().0.check_value(), new.check_value());
        assert!(matches!(open_sealed_file(&next, "correct horse battery stapler"), Err(SealError::WrongPassphrase(_))));
        let other = dir.path().join("other.sealed");
        write_sealed_file(&other, PASS, &raw).unwrap();
        assert!(matches!(kek.open(&other), Err(SealError::Passphrase(_))));
        let (_, created, again) = open_sealed_file_keeping(&path, PASS).unwrap();
        assert!(!created);
        assert_eq!(
            RootKey::from_bytes(again.open(&next).unwrap().expose_secret()).unwrap().check_value(),
            new.check_value()
        );
    }

    #[test]
    fn doctored_files_are_refused_without_deriving() {
        let dir = tempfile::tempdir().unwrap();
        let path = sealed_path(dir.path());
        open_sealed_file(&path, PASS).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for doctored in [
            text.replace(&format!("\"memory_kib\": {MEMORY_KIB}"), "\"memory_kib\": 4294967295"),
            text.replace("\"argon2id\"", "\"pbkdf2\""),
            text.replace("\"version\": 1", "\"version\": 2"),
            "{}".to_owned(),
        ] {
            assert_ne!(doctored, text);
            std::fs::remove_file(&path).unwrap();
            create_private(&path).unwrap();
            std::fs::write(&path, doctored).unwrap();
            assert!(matches!(open_sealed_file(&path, PASS), Err(SealError::Malformed(_))));
        }
    }

    #[test]
    fn the_passphrase_comes_from_a_descriptor_or_a_variable_and_has_a_minimum() {
        use std::os::fd::AsRawFd as _;
        let dir = tempfile::tempdir().unwrap();
        let file_path = dir.path().join("pass");
        std::fs::write(&file_path, format!("{PASS}\n")).unwrap();
        let file = std::fs::File::open(&file_path).unwrap();
        let fd = u32::try_from(file.as_raw_fd()).unwrap();
        assert_eq!(PassphraseSource::Fd(fd).read().unwrap().as_str(), PASS);
        std::fs::write(&file_path, "short\n").unwrap();
        let e = PassphraseSource::Fd(fd).read().unwrap_err();
        assert!(e.to_string().contains("at least 8"), "{e}");
        std::fs::write(&file_path, "x".repeat(MAX_PASSPHRASE_LEN + 1)).unwrap();
        assert!(PassphraseSource::Fd(fd).read().unwrap_err().to_string().contains("longer than"));
        let e = PassphraseSource::Fd(987_654).read().unwrap_err();
        assert!(e.to_string().contains("987654"), "{e}");
        let e = PassphraseSource::Env("TRENT_TEST_NO_SUCH_PASSPHRASE_VARIABLE".into()).read().unwrap_err();
        assert!(e.to_string().contains("TRENT_TEST_NO_SUCH_PASSPHRASE_VARIABLE"), "{e}");
        // PATH is set in any test environment: read as given.
        let path = std::env::var("PATH").unwrap();
        if path.len() >= MIN_PASSPHRASE_LEN && path.len() <= MAX_PASSPHRASE_LEN {
            assert_eq!(PassphraseSource::Env("PATH".into()).read().unwrap().as_str(), path);
        }
    }
}
