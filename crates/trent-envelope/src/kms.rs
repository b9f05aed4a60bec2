//! What a KMS keyring and the branch-key store need from a KMS: a synchronous client trait
//! with the four operations they call, in typed requests and answers.
//!
//! This crate does no network I/O itself. `trent-client` (behind the `client` feature,
//! `TrentKms`) implements the trait over SigV4 and HTTP(S) for Trent or AWS KMS; tests use
//! local implementations.

use std::fmt;

use trent_crypto::DataKey;

use crate::context::EncryptionContext;

/// A failed KMS call: the AWS error code when the service answered, and the cause.
#[derive(Debug)]
pub struct KmsError {
    /// The AWS error code (`NotFoundException`, ...), or `None` for transport failures.
    pub code: Option<String>,
    /// What happened (no secrets).
    pub message: String,
    /// The underlying error.
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for KmsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl KmsError {
    /// An error with a message only (for answers that do not make sense).
    pub fn invalid(message: impl Into<String>) -> Self {
        KmsError { code: None, message: message.into(), source: None }
    }
}

/// `GenerateDataKey` / `GenerateDataKeyWithoutPlaintext` arguments.
#[derive(Clone, Debug)]
pub struct GenerateDataKeyRequest {
    /// Key id, ARN or alias.
    pub key_id: String,
    /// Data key length in bytes.
    pub number_of_bytes: u32,
    /// KMS encryption context.
    pub context: EncryptionContext,
    /// Grant tokens.
    pub grant_tokens: Vec<String>,
}

/// `GenerateDataKey` answer.
#[derive(Debug)]
pub struct GenerateDataKeyResponse {
    /// The ARN of the key that encrypted the data key.
    pub key_id: String,
    /// The data key.
    pub plaintext: DataKey,
    /// The encrypted data key.
    pub ciphertext: Vec<u8>,
}

/// `Encrypt` arguments.
#[derive(Debug)]
pub struct EncryptRequest {
    /// Key id, ARN or alias.
    pub key_id: String,
    /// What to encrypt (a data key).
    pub plaintext: DataKey,
    /// KMS encryption context.
    pub context: EncryptionContext,
    /// Grant tokens.
    pub grant_tokens: Vec<String>,
}

/// `Encrypt` and `GenerateDataKeyWithoutPlaintext` answer.
#[derive(Clone, Debug)]
pub struct EncryptResponse {
    /// The ARN of the key used.
    pub key_id: String,
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
}

/// `Decrypt` arguments.
#[derive(Clone, Debug)]
pub struct DecryptRequest {
    /// The key that must be used.
    pub key_id: String,
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// KMS encryption context.
    pub context: EncryptionContext,
    /// Grant tokens.
    pub grant_tokens: Vec<String>,
}

/// `Decrypt` answer.
#[derive(Debug)]
pub struct DecryptResponse {
    /// The ARN of the key that decrypted.
    pub key_id: String,
    /// The plaintext.
    pub plaintext: DataKey,
}

/// A synchronous KMS client. Implementations may block the calling thread.
pub trait KmsClient: Send + Sync {
    /// `GenerateDataKey`.
    ///
    /// # Errors
    /// The service's error or a transport failure.
    fn generate_data_key(&self, req: &GenerateDataKeyRequest) -> Result<GenerateDataKeyResponse, KmsError>;

    /// `GenerateDataKeyWithoutPlaintext`.
    ///
    /// # Errors
    /// The service's error or a transport failure.
    fn generate_data_key_without_plaintext(&self, req: &GenerateDataKeyRequest) -> Result<EncryptResponse, KmsError>;

    /// `Encrypt`.
    ///
    /// # Errors
    /// The service's error or a transport failure.
    fn encrypt(&self, req: &EncryptRequest) -> Result<EncryptResponse, KmsError>;

    /// `Decrypt`.
    ///
    /// # Errors
    /// The service's error or a transport failure.
    fn decrypt(&self, req: &DecryptRequest) -> Result<DecryptResponse, KmsError>;
}

/// Whether `s` is a KMS key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`).
pub fn is_key_arn(s: &str) -> bool {
    parse_key_arn(s).is_some()
}

/// The partition and account of a KMS key ARN.
pub fn parse_key_arn(s: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "kms" || parts[3].is_empty() {
        return None;
    }
    let resource = parts[5];
    let id = resource.strip_prefix("key/")?;
    if id.is_empty() || parts[1].is_empty() || parts[4].is_empty() {
        return None;
    }
    Some((parts[1], parts[4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_arns() {
        assert_eq!(parse_key_arn("arn:aws:kms:us-east-1:111122223333:key/1234abcd"), Some(("aws", "111122223333")));
        assert!(!is_key_arn("arn:aws:kms:us-east-1:111122223333:alias/app"));
        assert!(!is_key_arn("alias/app"));
        assert!(!is_key_arn("arn:aws:kms::111122223333:key/x"));
    }
}
