//! The `shamir` seal: the root key split into `n` shares of which any `k` rebuild it
//! (`trent operator init --shares 5 --threshold 3`). The shares are printed once and never
//! stored; the data directory keeps `root.shamir`, which holds no secret: the split's shape,
//! a digest of each share (so a forged or mistyped share is refused when given, not when the
//! k-th arrives), the root key's check value (so a combination is verified before use) and a
//! digest of the operator token that authenticates `trent operator unseal | seal`.
//!
//! A server with this seal starts **sealed** and unseals when operators have given `k`
//! distinct shares, one per call (see `gate`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trent_crypto::{KeyMaterial, ROOT_KEY_LEN, RootKey, Share, constant_time_eq, sha256};
use zeroize::Zeroizing;

use super::{SealError, create_private};

/// The seal's file in the data directory.
pub const SHAMIR_FILE: &str = "root.shamir";
/// How a share is written: this prefix, the x coordinate and the 32 y bytes in hex.
const SHARE_PREFIX: &str = "trent-share-v1-";
/// How the operator token is written: this prefix and 32 random bytes in hex.
const TOKEN_PREFIX: &str = "trent-operator-v1-";
const SHARE_DIGEST_LABEL: &[u8] = b"trent/shamir-share/v1";
const TOKEN_DIGEST_LABEL: &[u8] = b"trent/operator-token/v1";

/// `root.shamir`: no secret in it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShamirFile {
    version: u32,
    seal: String,
    shares: u8,
    threshold: u8,
    /// SHA-256 of each share, in x order.
    share_digests: Vec<String>,
    /// `RootKey::check_value` of the root key the shares rebuild.
    root_key_check: String,
    /// SHA-256 of the operator token.
    operator_token_digest: String,
}

/// What `trent operator init` shows once: the shares and the operator token.
pub struct Initialised {
    /// The shares, as operators type them.
    pub shares: Vec<Zeroizing<String>>,
    /// The token `trent operator unseal | seal` present.
    pub operator_token: Zeroizing<String>,
}

/// A loaded `root.shamir`: enough to authenticate operators and verify shares.
#[derive(Clone, Debug)]
pub struct ShamirSeal {
    /// How many shares exist.
    pub shares: u8,
    /// How many rebuild the root key.
    pub threshold: u8,
    share_digests: Vec<[u8; 32]>,
    root_key_check: [u8; 32],
    token_digest: [u8; 32],
}

/// Why a share was not taken; the server stays sealed and keeps the shares given so far
/// (except for [`ShareError::Mismatch`], after which operators start again).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShareError {
    /// The text is not a share of this format.
    #[error("this is not a Trent unseal share (expected trent-share-v1-XX followed by 64 hexadecimal digits)")]
    Malformed,
    /// A well-formed share this seal did not make (forged or mistyped).
    #[error("this share is not one of this seal's shares; the server stays sealed")]
    Unknown,
    /// This share was given already since the last seal.
    #[error("share {0} was given already; another operator's share is needed")]
    AlreadyGiven(u8),
    /// The shares combined to a key whose check value is not the seal's.
    #[error(
        "the shares given do not rebuild this seal's root key; the server stays sealed and the shares given so far are discarded"
    )]
    Mismatch,
    /// A share of the other split than the shares given so far (a root key rotation made new
    /// shares; the old ones unseal until it finishes).
    #[error(
        "this share is of the other split than the shares given so far (a root key rotation made new shares); give \
         shares of one split"
    )]
    OtherSplit,
    /// New shares of a rotation that has not finished: the values still wrapped under the old
    /// root key need the old shares.
    #[error(
        "these are the new shares of a root key rotation that has not finished: until it does, the shares from \
         before it unseal the server; the shares given so far are discarded"
    )]
    RotationUnfinished,
    /// Old shares after a rotation finished: the new shares are needed.
    #[error(
        "these shares rebuild the root key from before a rotation that has finished: give the new shares it \
         handed out; the shares given so far are discarded"
    )]
    RotationFinished,
}

fn digest(label: &[u8], bytes: &[u8]) -> [u8; 32] {
    let mut input = Zeroizing::new(Vec::with_capacity(label.len() + bytes.len()));
    input.extend_from_slice(label);
    input.extend_from_slice(bytes);
    sha256(&input)
}

fn share_bytes(share: &Share) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(vec![share.x()]);
    bytes.extend_from_slice(share.expose_secret());
    bytes
}

/// The path of `root.shamir` in `data_dir`.
pub fn shamir_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SHAMIR_FILE)
}

/// Makes a new root key, splits it into `shares` shares with `threshold`, writes
/// `root.shamir` (mode 0600) and returns the shares and a new operator token, to be shown
/// once. Refuses a directory that already has `root.shamir`.
///
/// # Errors
/// [`SealError::Shamir`] for bad counts; [`SealError::Io`] when the file exists or cannot be written.
pub fn init(path: &Path, shares: u8, threshold: u8) -> Result<Initialised, SealError> {
    let (_, raw) = RootKey::generate().map_err(|_| SealError::Io {
        path: path.to_owned(),
        source: std::io::Error::other("random generator failed"),
    })?;
    split_into(path, &raw, shares, threshold)
}

/// Splits the raw root key `raw` into `shares` shares with `threshold`, writes a new
/// `root.shamir` at `path` (mode 0600, synced) and returns the shares and a new operator
/// token, to be shown once (`init`, and `trent operator rekey --to shamir`).
///
/// # Errors
/// [`SealError::Shamir`] for bad counts; [`SealError::Io`] when the file exists or cannot be written.
pub fn split_into(path: &Path, raw: &KeyMaterial, shares: u8, threshold: u8) -> Result<Initialised, SealError> {
    if !(2..=shares).contains(&threshold) || shares > 16 {
        return Err(SealError::Shamir(format!(
            "--threshold must be at least 2 and at most --shares, and --shares at most 16 (got {threshold} of {shares})"
        )));
    }
    let io = |source| SealError::Io { path: path.to_owned(), source };
    let rng = || io(std::io::Error::other("random generator failed"));
    let root = RootKey::from_bytes(raw.expose_secret())
        .map_err(|_| SealError::Shamir("the root key is not 32 bytes".into()))?;
    let split = trent_crypto::shamir_split(raw.expose_secret(), shares, threshold).map_err(|_| rng())?;
    let token_bytes: Zeroizing<[u8; 32]> = Zeroizing::new(trent_crypto::random_array().map_err(|_| rng())?);
    let operator_token = Zeroizing::new(format!("{TOKEN_PREFIX}{}", hex::encode(*token_bytes)));
    let file = ShamirFile {
        version: 1,
        seal: "shamir".into(),
        shares,
        threshold,
        share_digests: split.iter().map(|s| hex::encode(digest(SHARE_DIGEST_LABEL, &share_bytes(s)))).collect(),
        root_key_check: hex::encode(root.check_value()),
        operator_token_digest: hex::encode(digest(TOKEN_DIGEST_LABEL, operator_token.as_bytes())),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| io(std::io::Error::other(e)))? + "\n";
    use std::io::Write as _;
    let mut out = create_private(path).map_err(io)?;
    out.write_all(text.as_bytes()).map_err(io)?;
    out.sync_all().map_err(io)?;
    let shares = split
        .iter()
        .map(|s| Zeroizing::new(format!("{SHARE_PREFIX}{:02x}{}", s.x(), hex::encode(s.expose_secret()))))
        .collect();
    Ok(Initialised { shares, operator_token })
}

impl ShamirSeal {
    /// Reads `root.shamir`.
    ///
    /// # Errors
    /// [`SealError::Io`] (a missing file says to run `trent operator init`),
    /// [`SealError::Permissions`], [`SealError::Malformed`].
    pub fn load(path: &Path) -> Result<Self, SealError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let source = if e.kind() == std::io::ErrorKind::NotFound {
                std::io::Error::new(
                    e.kind(),
                    "missing: the shamir seal is initialised with `trent operator init --data-dir DIR --shares N --threshold K`",
                )
            } else {
                e
            };
            SealError::Io { path: path.to_owned(), source }
        })?;
        super::check_permissions(path)?;
        let malformed = || SealError::Malformed(path.to_owned());
        let file: ShamirFile = serde_json::from_str(&text).map_err(|_| malformed())?;
        let hex32 = |s: &str| -> Result<[u8; 32], SealError> {
            hex::decode(s).ok().and_then(|v| <[u8; 32]>::try_from(v).ok()).ok_or_else(malformed)
        };
        let bounded = file.version == 1
            && file.seal == "shamir"
            && (2..=file.shares).contains(&file.threshold)
            && file.shares <= 16
            && file.share_digests.len() == usize::from(file.shares);
        if !bounded {
            return Err(malformed());
        }
        Ok(Self {
            shares: file.shares,
            threshold: file.threshold,
            share_digests: file.share_digests.iter().map(|d| hex32(d)).collect::<Result<_, _>>()?,
            root_key_check: hex32(&file.root_key_check)?,
            token_digest: hex32(&file.operator_token_digest)?,
        })
    }

    /// The check value of the root key the shares rebuild (`RootKey::check_value`).
    pub fn check_value(&self) -> [u8; 32] {
        self.root_key_check
    }

    /// Whether the shares rebuild the root key of check value `check` (constant time).
    pub fn rebuilds(&self, check: &[u8; 32]) -> bool {
        constant_time_eq(&self.root_key_check, check)
    }

    /// Whether `token` is this seal's operator token (constant time).
    pub fn accepts_token(&self, token: &str) -> bool {
        constant_time_eq(&digest(TOKEN_DIGEST_LABEL, token.as_bytes()), &self.token_digest)
    }

    /// Parses `text` and checks that it is one of this seal's shares.
    ///
    /// # Errors
    /// [`ShareError::Malformed`] or [`ShareError::Unknown`].
    pub fn parse_share(&self, text: &str) -> Result<Share, ShareError> {
        let body = text.trim().strip_prefix(SHARE_PREFIX).ok_or(ShareError::Malformed)?;
        if body.len() != 2 + ROOT_KEY_LEN * 2 {
            return Err(ShareError::Malformed);
        }
        let bytes = Zeroizing::new(hex::decode(body).map_err(|_| ShareError::Malformed)?);
        let share = Share::new(bytes[0], bytes[1..].to_vec()).map_err(|_| ShareError::Malformed)?;
        let given = digest(SHARE_DIGEST_LABEL, &bytes);
        let known = self.share_digests.iter().fold(false, |found, d| found | constant_time_eq(d, &given));
        if !known {
            return Err(ShareError::Unknown);
        }
        Ok(share)
    }

    /// Rebuilds the root key from `shares` (at least the threshold, checked by the caller)
    /// and verifies it against the seal's check value.
    ///
    /// # Errors
    /// [`ShareError::Mismatch`].
    pub fn combine(&self, shares: &[Share]) -> Result<RootKey, ShareError> {
        let raw = self.combine_raw(shares)?;
        RootKey::from_bytes_locked(raw.expose_secret()).map_err(|_| ShareError::Mismatch)
    }

    /// As [`ShamirSeal::combine`], returning the raw root key (for `trent operator rekey`).
    ///
    /// # Errors
    /// [`ShareError::Mismatch`].
    pub fn combine_raw(&self, shares: &[Share]) -> Result<KeyMaterial, ShareError> {
        let raw = KeyMaterial::new(trent_crypto::shamir_combine(shares).map_err(|_| ShareError::Mismatch)?);
        let root = RootKey::from_bytes(raw.expose_secret()).map_err(|_| ShareError::Mismatch)?;
        if !constant_time_eq(&root.check_value(), &self.root_key_check) {
            return Err(ShareError::Mismatch);
        }
        Ok(raw)
    }
}

/// Shares given so far towards unsealing.
#[derive(Debug)]
pub struct Unsealing {
    /// The seal being opened.
    pub seal: ShamirSeal,
    /// The split of a root key rotation's `.rotate` file, if one is there: its shares are
    /// taken too (they unseal once the rotation has finished in the database).
    pending: Option<ShamirSeal>,
    given: Vec<Share>,
    /// Whether the shares given so far are of `pending`.
    of_pending: bool,
}

/// The outcome of one share.
pub enum Progress {
    /// More shares are needed: this many are in.
    Partial(u8),
    /// The threshold is met and the root key verified; whether the shares were of the
    /// rotation's pending split.
    Complete(RootKey, bool),
}

impl Unsealing {
    /// No share given yet.
    pub fn new(seal: ShamirSeal) -> Self {
        Self::with_pending(seal, None)
    }

    /// No share given yet; shares of `pending` (a rotation's new split) are taken too.
    pub fn with_pending(seal: ShamirSeal, pending: Option<ShamirSeal>) -> Self {
        Self { seal, pending, given: Vec::new(), of_pending: false }
    }

    /// Shares given so far.
    pub fn progress(&self) -> u8 {
        self.given.len() as u8
    }

    /// Takes one share.
    ///
    /// # Errors
    /// [`ShareError`]; on [`ShareError::Mismatch`] the shares given so far are discarded.
    pub fn add(&mut self, text: &str) -> Result<Progress, ShareError> {
        let (share, of_pending) = match (self.seal.parse_share(text), &self.pending) {
            (Ok(share), _) => (share, false),
            (Err(ShareError::Unknown), Some(pending)) => (pending.parse_share(text)?, true),
            (Err(e), _) => return Err(e),
        };
        if !self.given.is_empty() && of_pending != self.of_pending {
            return Err(ShareError::OtherSplit);
        }
        if self.given.iter().any(|s| s.x() == share.x()) {
            return Err(ShareError::AlreadyGiven(share.x()));
        }
        self.of_pending = of_pending;
        self.given.push(share);
        let seal = match (&self.pending, of_pending) {
            (Some(pending), true) => pending,
            _ => &self.seal,
        };
        if self.given.len() < usize::from(seal.threshold) {
            return Ok(Progress::Partial(self.progress()));
        }
        let combined = seal.combine(&self.given);
        self.given.clear();
        combined.map(|root| Progress::Complete(root, of_pending))
    }

    /// Discards the shares given so far.
    pub fn reset(&mut self) {
        self.given.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_of_shares_unseals_and_forged_or_repeated_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = shamir_path(dir.path());
        let made = init(&path, 5, 3).unwrap();
        assert_eq!(made.shares.len(), 5);
        assert!(matches!(init(&path, 5, 3), Err(SealError::Io { .. })), "init never overwrites");
        let seal = ShamirSeal::load(&path).unwrap();
        assert!(seal.accepts_token(&made.operator_token));
        assert!(!seal.accepts_token("trent-operator-v1-00"));

        let mut unsealing = Unsealing::new(seal.clone());
        assert!(matches!(unsealing.add(&made.shares[4]), Ok(Progress::Partial(1))));
        assert_eq!(unsealing.add(&made.shares[4]).err(), Some(ShareError::AlreadyGiven(5)));
        assert_eq!(unsealing.add("hello").err(), Some(ShareError::Malformed));
        // A forged share: one hex digit of a real one changed.
        let mut forged = made.shares[0].to_string();
        let last = forged.pop().unwrap();
        forged.push(if last == '0' { '1' } else { '0' });
        assert_eq!(unsealing.add(&forged).err(), Some(ShareError::Unknown));
        assert_eq!(unsealing.progress(), 1, "refused shares do not count");
        assert!(matches!(unsealing.add(&made.shares[1]), Ok(Progress::Partial(2))));
        let Ok(Progress::Complete(a, false)) = unsealing.add(&made.shares[2]) else {
            panic!("the third share unseals")
        };
        let mut again = Unsealing::new(seal);
        again.add(&made.shares[0]).ok();
        again.add(&made.shares[3]).ok();
        let Ok(Progress::Complete(b, false)) = again.add(&made.shares[4]) else { panic!("another three unseal") };
        assert_eq!(a.check_value(), b.check_value());
    }

    /// A rotation's pending split: its shares are taken too (and say so), never mixed with the
    /// current split's.
    #[test]
    fn shares_of_a_rotations_pending_split_unseal_but_do_not_mix() {
        let dir = tempfile::tempdir().unwrap();
        let old = init(&shamir_path(dir.path()), 3, 2).unwrap();
        let new = init(&dir.path().join("root.shamir.rotate"), 3, 2).unwrap();
        let (current, pending) = (
            ShamirSeal::load(&shamir_path(dir.path())).unwrap(),
            ShamirSeal::load(&dir.path().join("root.shamir.rotate")).unwrap(),
        );
        let mut unsealing = Unsealing::with_pending(current.clone(), Some(pending.clone()));
        assert!(matches!(unsealing.add(&new.shares[0]), Ok(Progress::Partial(1))));
        assert_eq!(unsealing.add(&old.shares[1]).err(), Some(ShareError::OtherSplit));
        let Ok(Progress::Complete(root, true)) = unsealing.add(&new.shares[2]) else { panic!("the new split unseals") };
        assert!(
            pending
                .combine(&[pending.parse_share(&new.shares[0]).unwrap(), pending.parse_share(&new.shares[1]).unwrap()])
                .is_ok_and(|r| r.check_value() == root.check_value())
        );
        let Ok(Progress::Partial(1)) = unsealing.add(&old.shares[0]) else { panic!("an old share counts") };
        let Ok(Progress::Complete(_, false)) = unsealing.add(&old.shares[2]) else { panic!("the old split unseals") };
        let mut without = Unsealing::new(current);
        assert_eq!(without.add(&new.shares[0]).err(), Some(ShareError::Unknown));
    }

    /// Regression guard: the data directory holds no root key bytes and no share.
    #[test]
    fn the_seal_file_holds_no_root_key_and_no_share() {
        let dir = tempfile::tempdir().unwrap();
        let path = shamir_path(dir.path());
        let made = init(&path, 3, 2).unwrap();
        let seal = ShamirSeal::load(&path).unwrap();
        let shares: Vec<Share> = made.shares[..2].iter().map(|s| seal.parse_share(s).unwrap()).collect();
        let raw = trent_crypto::shamir_combine(&shares).unwrap();
        let text = std::fs::read(&path).unwrap();
        let mut needles = vec![raw.clone(), hex::encode(&raw).into_bytes()];
        for s in &made.shares {
            needles.push(s.as_bytes()[SHARE_PREFIX.len() + 2..].to_vec());
        }
        needles.push(made.operator_token.as_bytes()[TOKEN_PREFIX.len()..].to_vec());
        for needle in needles {
            assert!(!text.windows(needle.len()).any(|w| w == needle.as_slice()), "secret bytes in root.shamir");
        }
    }

    #[test]
    fn a_doctored_check_value_fails_the_combination() {
        let dir = tempfile::tempdir().unwrap();
        let path = shamir_path(dir.path());
        let made = init(&path, 2, 2).unwrap();
        let mut seal = ShamirSeal::load(&path).unwrap();
        seal.root_key_check[0] ^= 1;
        let mut unsealing = Unsealing::new(seal);
        unsealing.add(&made.shares[0]).ok();
        assert!(matches!(unsealing.add(&made.shares[1]), Err(ShareError::Mismatch)));
        assert_eq!(unsealing.progress(), 0);
        assert!(init(&shamir_path(dir.path()).with_extension("x"), 3, 1).is_err());
        assert!(init(&shamir_path(dir.path()).with_extension("y"), 17, 3).is_err());
    }
}
