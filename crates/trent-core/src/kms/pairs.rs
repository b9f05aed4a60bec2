//! `GenerateDataKeyPair` (with and without the plaintext private key) and
//! `DeriveSharedSecret`.

use trent_crypto::{
    CryptoError, DataKey, EncryptionContext, KeyMaterialId, Plaintext, PrivateKey, generate_private_key,
};

use super::access::KeyCall;
use super::crypto::check_symmetric_encryption;
use super::keys::off_worker_for;
use super::signing::{algorithm_refused, check_usage, private_key};
use super::{CryptoInput, Invalid};
use super::{
    DataKeyPairSpec, GrantOperation, KeyAction, KeyAgreementAlgorithm, KeyUsage, KeyUsed, Kms, KmsError, Origin,
    Unsupported, UsageOperation,
};
use crate::identity::Caller;

/// What `GenerateDataKeyPair` and `GenerateDataKeyPairWithoutPlaintext` return.
#[derive(Debug)]
pub struct DataKeyPairOutput {
    /// The private key, PKCS#8 DER (absent for the without-plaintext variant).
    pub private_plaintext: Option<DataKey>,
    /// The private key encrypted under the KMS key (a symmetric ciphertext blob).
    pub private_ciphertext: Vec<u8>,
    /// The public key, DER `SubjectPublicKeyInfo`.
    pub public_key: Vec<u8>,
    /// ARN of the KMS key that encrypted the private key.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
    /// The backing key that encrypted it.
    pub material_id: KeyMaterialId,
}

/// What `DeriveSharedSecret` returns.
#[derive(Debug)]
pub struct SharedSecretOutput {
    /// The raw ECDH shared secret.
    pub shared_secret: Plaintext,
    /// ARN of the key.
    pub key_arn: String,
    /// The key used and for what, for `GetKeyLastUsage`.
    pub used: KeyUsed,
    /// The key's origin.
    pub origin: Origin,
}

impl Kms {
    /// `GenerateDataKeyPair` / `GenerateDataKeyPairWithoutPlaintext`: a fresh key pair of
    /// `spec`, its private key encrypted under a symmetric encryption key with `ctx`. Charged
    /// against the quota of the pair's spec.
    ///
    /// # Errors
    /// `Unsupported` for SM2 (China Regions only); `InvalidKeyUsage` for a KMS key that is
    /// not a symmetric encryption key; key-state errors as for `Encrypt`; `DryRun` when asked.
    pub async fn generate_data_key_pair(
        &self,
        caller: &Caller,
        key_id: &str,
        ctx: &EncryptionContext,
        spec: DataKeyPairSpec,
        with_plaintext: bool,
        dry_run: bool,
    ) -> Result<DataKeyPairOutput, KmsError> {
        let Some(kind) = spec.key_spec().private_key_kind() else {
            return Err(KmsError::Unsupported(Unsupported::ChinaKeyPairSpec(spec)));
        };
        self.charge_data_key_pair(caller, spec.as_str())?;
        let (action, op) = if with_plaintext {
            (KeyAction::GenerateDataKeyPair, GrantOperation::GenerateDataKeyPair)
        } else {
            (KeyAction::GenerateDataKeyPairWithoutPlaintext, GrantOperation::GenerateDataKeyPairWithoutPlaintext)
        };
        let mut call = KeyCall::new(action).granted(op).context(ctx);
        call.extra = vec![("kms:DataKeyPairSpec".to_owned(), vec![spec.as_str().to_owned()])];
        let key = self.key_for_use(caller, key_id, call).await?;
        check_symmetric_encryption(&key, action)?;
        if key.record.hsm.is_some() {
            // AWS: "You cannot use an asymmetric KMS key or a KMS key in a custom key store."
            return Err(KmsError::Unsupported(Unsupported::DataKeyPairInCustomKeyStore { key_arn: key.arn.clone() }));
        }
        if dry_run {
            return Err(KmsError::DryRun);
        }
        // An RSA pair's generation takes a random, long-tailed time: off the runtime's workers.
        let (private, public_key) = off_worker_for(kind, move || {
            let private = generate_private_key(kind)?;
            let public_key = PrivateKey::from_pkcs8(kind, private.expose_secret())?.public_key_der().to_vec();
            Ok((private, public_key))
        })
        .await?;
        let (private_ciphertext, material_id) = self.seal(&key, ctx, private.expose_secret())?;
        let operation = if with_plaintext {
            UsageOperation::GenerateDataKeyPair
        } else {
            UsageOperation::GenerateDataKeyPairWithoutPlaintext
        };
        Ok(DataKeyPairOutput {
            private_plaintext: with_plaintext.then(|| DataKey::from_slice(private.expose_secret())),
            private_ciphertext,
            public_key,
            key_arn: key.arn.clone(),
            used: KeyUsed::new(&key, operation),
            material_id,
        })
    }

    /// `DeriveSharedSecret`: ECDH between a `KEY_AGREEMENT` key's private key and a peer's
    /// public key (DER `SubjectPublicKeyInfo` on the same curve).
    ///
    /// # Errors
    /// `InvalidKeyUsage` for a key that does not agree keys; `Validation` for a public key
    /// that is not a point of the key's curve; key-state errors; `DryRun` when asked.
    pub async fn derive_shared_secret(
        &self,
        caller: &Caller,
        key_id: &str,
        algorithm: KeyAgreementAlgorithm,
        peer_public_key: &[u8],
        dry_run: bool,
    ) -> Result<SharedSecretOutput, KmsError> {
        let mut call = KeyCall::new(KeyAction::DeriveSharedSecret).granted(GrantOperation::DeriveSharedSecret);
        call.extra = vec![("kms:KeyAgreementAlgorithm".to_owned(), vec![algorithm.as_str().to_owned()])];
        let key = self.key_for_use(caller, key_id, call).await?;
        check_usage(&key, KeyUsage::KeyAgreement, KeyAction::DeriveSharedSecret)?;
        if !key.record.key_agreement_algorithms().contains(&algorithm) {
            return Err(algorithm_refused(&key, "Key agreement", algorithm.as_str()));
        }
        let private = private_key(&key)?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        let secret = private.agree(peer_public_key).map_err(|e| match e {
            CryptoError::Malformed => {
                KmsError::Validation(Invalid::Crypto(CryptoInput::PeerPublicKey(key.record.spec)))
            }
            other => other.into(),
        })?;
        Ok(SharedSecretOutput {
            shared_secret: Plaintext::from_slice(secret.expose_secret()),
            key_arn: key.arn.clone(),
            used: KeyUsed::new(&key, UsageOperation::DeriveSharedSecret),
            origin: key.record.origin,
        })
    }
}
