//! The envelope layer's one error type.
//!
//! Every failure of parsing, authentication, policy or a keyring ends here, with typed
//! payloads and the cause kept as `#[source]`. Messages never contain plaintext or keys.

use crate::kms::KmsError;

/// Why an envelope operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the input or writing the output failed.
    #[error("I/O error")]
    Io(#[from] std::io::Error),
    /// The message ended before its structure did.
    #[error("the message is truncated ({0})")]
    Truncated(&'static str),
    /// Bytes follow the end of the message.
    #[error("unexpected bytes after the end of the message")]
    TrailingData,
    /// A field of the message is malformed.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    /// The message format version is not 1 or 2.
    #[error("unsupported message format version 0x{0:02X}")]
    UnsupportedVersion(u8),
    /// The algorithm suite id is unknown, or not allowed with this message version.
    #[error("unsupported algorithm suite 0x{0:04X}")]
    UnsupportedSuite(u16),
    /// The commitment policy forbids this algorithm suite.
    #[error("commitment policy {policy} does not allow algorithm suite 0x{suite:04X}")]
    CommitmentPolicy {
        /// The suite.
        suite: u16,
        /// The policy in force.
        policy: crate::CommitmentPolicy,
    },
    /// More encrypted data keys than the configured maximum.
    #[error("{count} encrypted data keys exceed the maximum of {max}")]
    TooManyEncryptedDataKeys {
        /// How many the message or the materials have.
        count: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The key commitment in the header does not match the data key.
    #[error("key commitment does not match")]
    CommitmentMismatch,
    /// The header authentication tag does not verify.
    #[error("header authentication failed")]
    HeaderAuthentication,
    /// A frame (or the single block) does not authenticate.
    #[error("body authentication failed at frame {sequence}")]
    BodyAuthentication {
        /// The frame's sequence number (1 for a non-framed body).
        sequence: u32,
    },
    /// The footer signature does not verify.
    #[error("signature verification failed")]
    SignatureVerification,
    /// The caller's encryption context uses the reserved `aws-crypto-` prefix.
    #[error("encryption context key {0:?} uses the reserved prefix aws-crypto-")]
    ReservedContextKey(String),
    /// The reproduced encryption context disagrees with the message.
    #[error("encryption context value for {0:?} does not match the message")]
    ContextMismatch(String),
    /// A required encryption context key is missing.
    #[error("required encryption context key {0:?} is missing")]
    MissingRequiredContextKey(String),
    /// The encryption context is too large to serialize.
    #[error("encryption context too large: {0}")]
    ContextTooLarge(&'static str),
    /// No keyring could produce or decrypt a data key.
    #[error("no keyring could decrypt any of the {edks} encrypted data keys{}", describe(.errors))]
    NoDecryptableKey {
        /// Number of encrypted data keys in the message.
        edks: usize,
        /// What each attempt said.
        errors: Vec<Error>,
    },
    /// A keyring was misused or is misconfigured.
    #[error("keyring: {0}")]
    Keyring(String),
    /// A call to KMS failed.
    #[error("KMS call failed")]
    Kms(#[source] KmsError),
    /// The branch-key store failed.
    #[error("branch key store: {0}")]
    KeyStore(String),
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The plaintext length differs from the one announced to the materials manager.
    #[error("plaintext length differs from the announced length")]
    PlaintextLength,
    /// A cryptographic primitive failed (bad key material, RNG failure).
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
    /// The system OpenSSL failed to compute the message digest (`openssl-sha384` feature).
    #[cfg(feature = "openssl-sha384")]
    #[error("OpenSSL message digest failed")]
    OpenSsl(#[source] openssl::error::ErrorStack),
}

fn describe(errors: &[Error]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = errors.iter().map(|e| error_chain(e)).collect();
    format!(": {}", parts.join("; "))
}

/// `e` and its sources on one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Maps an unexpected end of input to `Truncated(what)`, other I/O errors to `Io`.
    pub(crate) fn read(what: &'static str) -> impl Fn(std::io::Error) -> Error {
        move |e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof { Error::Truncated(what) } else { Error::Io(e) }
        }
    }
}
