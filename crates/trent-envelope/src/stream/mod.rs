//! Encrypting and decrypting whole messages as streams, in memory that does not grow with
//! the message: the options, the summary of a message, and the one-shot helpers.

mod buf;
mod decrypt;
mod encrypt;
mod pipeline;

pub use decrypt::decrypt_stream;
pub use encrypt::encrypt_stream;

use std::path::PathBuf;

use trent_crypto::Plaintext;
use zeroize::Zeroizing;

use crate::cmm::MaterialsManager;
use crate::context::EncryptionContext;
use crate::error::Result;
use crate::header::EncryptedDataKey;
use crate::materials::CommitmentPolicy;
use crate::suite::AlgorithmSuite;

/// Default frame length.
pub const DEFAULT_FRAME_LENGTH: u32 = 4096;
/// Largest frame length every SDK reads.
pub const MAX_FRAME_LENGTH: u32 = i32::MAX as u32;
/// Frames per pipeline batch are chosen to fill about this many bytes.
pub(crate) const BATCH_BYTES: usize = 1 << 20;

/// How to encrypt.
#[derive(Clone, Debug)]
pub struct EncryptOptions {
    /// The encryption context.
    pub context: EncryptionContext,
    /// The suite, or `None` for the commitment policy's default (0x0578).
    pub suite: Option<&'static AlgorithmSuite>,
    /// Plaintext bytes per frame, 1..=2^31-1.
    pub frame_length: u32,
    /// The commitment policy.
    pub commitment_policy: CommitmentPolicy,
    /// Fail if the materials carry more encrypted data keys than this.
    pub max_encrypted_data_keys: Option<usize>,
    /// The plaintext length, when known in advance (enables the caching manager; the
    /// encryption fails if the input is longer or shorter).
    pub plaintext_length: Option<u64>,
    /// Threads for the body (1 = the calling thread only).
    pub threads: usize,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        Self {
            context: EncryptionContext::new(),
            suite: None,
            frame_length: DEFAULT_FRAME_LENGTH,
            commitment_policy: CommitmentPolicy::default(),
            max_encrypted_data_keys: None,
            plaintext_length: None,
            threads: default_threads(),
        }
    }
}

/// When plaintext of a signed message may leave the decryptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Release {
    /// Only after the signature verified: the ciphertext is spooled to an unnamed temporary
    /// file and decrypted a second time (the default).
    #[default]
    AfterVerification,
    /// Frame by frame as each authenticates, before the signature is checked; a forged
    /// signed message is detected only at its end. Must be asked for explicitly.
    Streaming,
}

/// How to decrypt.
#[derive(Clone, Debug, Default)]
pub struct DecryptOptions {
    /// The commitment policy.
    pub commitment_policy: CommitmentPolicy,
    /// Fail before any key is decrypted if the header has more encrypted data keys.
    pub max_encrypted_data_keys: Option<usize>,
    /// The encryption context the caller expects (must match the stored pairs; supplies
    /// the authenticated-only ones).
    pub reproduced_context: Option<EncryptionContext>,
    /// Release policy for signed messages.
    pub release: Release,
    /// Threads for the body (0 = the default).
    pub threads: usize,
    /// Where the spool of a signed message goes (default: the system temporary directory).
    pub spool_dir: Option<PathBuf>,
}

/// What a message was made of (no secrets).
#[derive(Clone, Debug)]
pub struct MessageInfo {
    /// The suite.
    pub suite: &'static AlgorithmSuite,
    /// The message id.
    pub message_id: Vec<u8>,
    /// The full encryption context (stored and authenticated-only pairs).
    pub context: EncryptionContext,
    /// The encrypted data keys.
    pub edks: Vec<EncryptedDataKey>,
    /// The frame length (0 for a non-framed body).
    pub frame_length: u32,
    /// Plaintext bytes.
    pub plaintext_bytes: u64,
    /// Message bytes.
    pub message_bytes: u64,
}

/// The number of threads to use by default: the machine's parallelism.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Encrypts `plaintext` into one message.
///
/// # Errors
/// As `encrypt_stream`.
pub fn encrypt(cmm: &dyn MaterialsManager, options: &EncryptOptions, plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(plaintext.len() + plaintext.len() / 64 + 1024);
    let options = EncryptOptions { plaintext_length: Some(plaintext.len() as u64), ..options.clone() };
    encrypt_stream(cmm, &options, &mut &*plaintext, &mut out)?;
    Ok(out)
}

/// Decrypts one whole message held in memory; nothing is returned unless everything,
/// signature included, verified.
///
/// # Errors
/// As `decrypt_stream`.
pub fn decrypt(
    cmm: &dyn MaterialsManager,
    options: &DecryptOptions,
    message: &[u8],
) -> Result<(Plaintext, MessageInfo)> {
    let mut out = Zeroizing::new(Vec::with_capacity(message.len()));
    let options = DecryptOptions { release: Release::Streaming, ..options.clone() };
    let info = decrypt_stream(cmm, &options, &mut &*message, &mut *out)?;
    Ok((Plaintext::new(std::mem::take(&mut *out)), info))
}
