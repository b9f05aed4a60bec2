//! Pure cryptography for Trent, built on `aws-lc-rs`.
//!
//! This crate owns the byte-level primitives every other layer relies on: secret-holding
//! types that zeroize on drop and never print themselves, the AES-256-GCM key wrapping used
//! under the root key, the encryption-context encoding used as additional authenticated
//! data, and the self-describing symmetric ciphertext blob (see `docs/ciphertext-format.md`).
//!
//! It knows nothing of accounts, policies, storage, HTTP or async runtimes: callers hand it
//! bytes and get bytes back.

mod asymmetric;
mod blob;
mod context;
mod digest;
mod ed25519;
mod ed25519ph;
mod error;
mod hsm_blob;
mod import;
mod locked;
mod mac;
mod ml_dsa_mu;
mod ml_kem;
mod pem;
mod random;
mod secret;
mod shamir;
mod wrap;

pub use asymmetric::{
    MlDsaLevel, OaepHash, PrivateKey, SignatureHash, SignatureScheme, SignedInput, ec_hash, generate_private_key,
};
pub use blob::{
    BLOB_OVERHEAD, BlobHeader, BlobSuite, KeyMaterialId, MATERIAL_ID_LEN, SYMMETRIC_KEY_LEN, derive_material_id,
    open_symmetric, parse_blob, seal_symmetric,
};
pub use context::{EncryptionContext, encode_context};
pub use digest::{constant_time_eq, hmac_sha256, sha256, sha256_hex};
pub use ed25519::{ED25519_PUBLIC_KEY_LEN, ED25519_SIGNATURE_LEN, Ed25519SigningKey, ed25519_verify};
pub use error::CryptoError;
pub use hsm_blob::{
    HSM_BLOB_OVERHEAD, HSM_IV_LEN, HsmBlob, hsm_blob_aad, hsm_blob_header, hsm_material_id, parse_hsm_blob,
};
pub use import::{ImportWrapping, unwrap_imported, wrap_for_import};
pub use mac::{MacHash, hmac_tag, hmac_verify};
pub use ml_dsa_mu::{ML_DSA_MU_LEN, ml_dsa_mu};
pub use ml_kem::{ML_KEM_LEVELS, ML_KEM_SEED_LEN, ML_KEM_SHARED_SECRET_LEN, MlKemLevel};
pub use pem::{EcCurve, PrivateKeyKind, parse_private_key_pem, pkcs8_kind};
pub use random::{fill_random, random_array, random_vec};
pub use secret::{DataKey, KeyMaterial, Plaintext, SecretBytes};
pub use shamir::{MAX_SHARES, Share, combine as shamir_combine, split as shamir_split};
pub use wrap::{ROOT_KEY_LEN, RootKey, WRAP_OVERHEAD, wrapped_generation};
