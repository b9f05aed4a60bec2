//! Imported key material (keys of origin `EXTERNAL`): `GetParametersForImport`,
//! `ImportKeyMaterial`, `DeleteImportedKeyMaterial`, and the expiry of material whose
//! `ValidTo` has passed (run by the scheduler).
//!
//! The import token is stateless: the wrapping private key, the wrapping algorithm and the
//! token's expiry, wrapped under the root key with the key's ARN as AAD, so a token opens only
//! for the key it was issued for and nothing about it needs storing. A key remembers the id of
//! the material imported into it ([`ImportedMaterial`]), so only that material may come back
//! after it was deleted or expired, and every ciphertext made before decrypts again.

use time::{Duration, OffsetDateTime};
use trent_crypto::{
    ImportWrapping, KeyMaterial, KeyMaterialId, OaepHash, PrivateKey, PrivateKeyKind, derive_material_id,
    generate_private_key, unwrap_imported,
};

use super::KeyAction;
use super::keyref::{self, Aliases};
use super::{
    Contended, ImportedMaterial, KeyMaterialRecord, KeyRecord, KeyState, Kms, KmsError, Origin, check_seed_material,
    material_wrap_aad,
};
use crate::enums::string_enum;
use crate::identity::Caller;
use crate::ids::{KeyId, Scope};
use crate::store::StoreError;

/// How long a public key and import token from `GetParametersForImport` stay usable.
pub const IMPORT_TOKEN_VALIDITY: Duration = Duration::hours(24);
/// The latest `ValidTo` AWS accepts, in days from the request.
pub const MAX_VALID_TO_DAYS: i64 = 365;
/// Version byte of the import token's wrapped payload.
const TOKEN_VERSION: u8 = 1;

string_enum!(
    /// How key material is wrapped for import (`AlgorithmSpec`).
    WrappingAlgorithm {
        /// RSA PKCS#1 v1.5 (no longer accepted by AWS).
        RsaesPkcs1V15 = "RSAES_PKCS1_V1_5",
        /// RSA-OAEP with SHA-1.
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        /// RSA-OAEP with SHA-256.
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        /// RSA-OAEP (SHA-1) of an AES key, then AES key wrap with padding.
        RsaAesKeyWrapSha1 = "RSA_AES_KEY_WRAP_SHA_1",
        /// RSA-OAEP (SHA-256) of an AES key, then AES key wrap with padding.
        RsaAesKeyWrapSha256 = "RSA_AES_KEY_WRAP_SHA_256",
        /// SM2 public-key encryption (China Regions).
        Sm2Pke = "SM2PKE",
    }
);

string_enum!(
    /// The wrapping key's type (`WrappingKeySpec`).
    WrappingKeySpec {
        /// RSA 2048.
        Rsa2048 = "RSA_2048",
        /// RSA 3072.
        Rsa3072 = "RSA_3072",
        /// RSA 4096.
        Rsa4096 = "RSA_4096",
        /// SM2 (China Regions).
        Sm2 = "SM2",
    }
);

string_enum!(
    /// Whether imported material expires (`ExpirationModelType`).
    ExpirationModel {
        /// It expires at `ValidTo`.
        KeyMaterialExpires = "KEY_MATERIAL_EXPIRES",
        /// It does not expire.
        KeyMaterialDoesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }
);

string_enum!(
    /// What an import is for (`ImportType`).
    ImportType {
        /// Material the key has never had (the first import, or a rotation).
        NewKeyMaterial = "NEW_KEY_MATERIAL",
        /// The material imported before, again.
        ExistingKeyMaterial = "EXISTING_KEY_MATERIAL",
    }
);

impl WrappingAlgorithm {
    /// The unwrapping scheme; `None` for the algorithms this server does not accept.
    fn scheme(self) -> Option<ImportWrapping> {
        match self {
            Self::RsaesOaepSha1 => Some(ImportWrapping::Oaep(OaepHash::Sha1)),
            Self::RsaesOaepSha256 => Some(ImportWrapping::Oaep(OaepHash::Sha256)),
            Self::RsaAesKeyWrapSha1 => Some(ImportWrapping::RsaAesKeyWrap(OaepHash::Sha1)),
            Self::RsaAesKeyWrapSha256 => Some(ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256)),
            Self::RsaesPkcs1V15 | Self::Sm2Pke => None,
        }
    }

    fn code(self) -> u8 {
        match self {
            Self::RsaesPkcs1V15 => 0,
            Self::RsaesOaepSha1 => 1,
            Self::RsaesOaepSha256 => 2,
            Self::RsaAesKeyWrapSha1 => 3,
            Self::RsaAesKeyWrapSha256 => 4,
            Self::Sm2Pke => 5,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.code() == code)
    }
}

impl WrappingKeySpec {
    /// RSA modulus bits; `None` for SM2.
    fn rsa_bits(self) -> Option<usize> {
        match self {
            Self::Rsa2048 => Some(2048),
            Self::Rsa3072 => Some(3072),
            Self::Rsa4096 => Some(4096),
            Self::Sm2 => None,
        }
    }
}

/// What `GetParametersForImport` returns.
pub struct ImportParameters {
    /// ARN of the key.
    pub key_arn: String,
    /// The wrapping public key, DER `SubjectPublicKeyInfo`.
    pub public_key: Vec<u8>,
    /// The opaque token to send back with `ImportKeyMaterial`.
    pub import_token: Vec<u8>,
    /// When the public key and token stop being accepted.
    pub valid_to: OffsetDateTime,
}

/// The inputs of `ImportKeyMaterial`, decoded from the wire.
pub struct ImportKeyMaterialInput {
    /// `KeyId` (key id or key ARN).
    pub key_id: String,
    /// `ImportToken`.
    pub import_token: Vec<u8>,
    /// `EncryptedKeyMaterial`.
    pub encrypted_key_material: Vec<u8>,
    /// `ValidTo`.
    pub valid_to: Option<OffsetDateTime>,
    /// `ExpirationModel`; AWS's default is `KEY_MATERIAL_EXPIRES`.
    pub expiration_model: Option<ExpirationModel>,
    /// `ImportType`.
    pub import_type: Option<ImportType>,
    /// `KeyMaterialId`: when given, the id the material must have.
    pub key_material_id: Option<KeyMaterialId>,
}

/// What `ImportKeyMaterial` and `DeleteImportedKeyMaterial` return.
#[derive(Clone, Debug)]
pub struct ImportedKeyMaterial {
    /// ARN of the key.
    pub key_arn: String,
    /// The imported (or deleted) material's id; `None` for a key that never had material.
    pub material_id: Option<KeyMaterialId>,
}

/// The import operations are for keys of origin `EXTERNAL` only.
fn check_external(rec: &KeyRecord) -> Result<(), KmsError> {
    if rec.origin != Origin::External {
        return Err(KmsError::Unsupported(format!(
            "{} has origin {}; importing key material requires origin EXTERNAL.",
            rec.arn(),
            rec.origin.as_str()
        )));
    }
    Ok(())
}

/// `GetParametersForImport` and `ImportKeyMaterial` need `PendingImport`, `Enabled` or `Disabled`.
fn check_import_state(rec: &KeyRecord) -> Result<(), KmsError> {
    match rec.state {
        KeyState::PendingImport | KeyState::Enabled | KeyState::Disabled => Ok(()),
        _ => super::lifecycle::refuse_pending_deletion(rec),
    }
}

fn token_aad(key_arn: &str) -> Vec<u8> {
    format!("trent/kms-import-token/v1|{key_arn}").into_bytes()
}

/// An opened import token.
struct Token {
    algorithm: WrappingAlgorithm,
    bits: usize,
    expires: OffsetDateTime,
    wrapping_key: KeyMaterial,
}

/// Payload: version, algorithm code, RSA bits (u16), expiry (i64 Unix seconds), PKCS#8.
fn encode_token(algorithm: WrappingAlgorithm, bits: usize, expires: OffsetDateTime, pkcs8: &[u8]) -> KeyMaterial {
    let mut out = Vec::with_capacity(12 + pkcs8.len());
    out.push(TOKEN_VERSION);
    out.push(algorithm.code());
    out.extend_from_slice(&u16::try_from(bits).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(&expires.unix_timestamp().to_be_bytes());
    out.extend_from_slice(pkcs8);
    KeyMaterial::new(out)
}

fn decode_token(payload: &[u8]) -> Option<Token> {
    let (head, rest) = payload.split_first_chunk::<4>()?;
    let [version, code, b0, b1] = *head;
    if version != TOKEN_VERSION {
        return None;
    }
    let (expires, pkcs8) = rest.split_first_chunk::<8>()?;
    Some(Token {
        algorithm: WrappingAlgorithm::from_code(code)?,
        bits: usize::from(u16::from_be_bytes([b0, b1])),
        expires: OffsetDateTime::from_unix_timestamp(i64::from_be_bytes(*expires)).ok()?,
        wrapping_key: KeyMaterial::from_slice(pkcs8),
    })
}

/// The expiry an import asks for: `Some(valid_to)`, or `None` for material that does not expire.
fn expiry(
    model: Option<ExpirationModel>,
    valid_to: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, KmsError> {
    match (model.unwrap_or(ExpirationModel::KeyMaterialExpires), valid_to) {
        (ExpirationModel::KeyMaterialDoesNotExpire, None) => Ok(None),
        (ExpirationModel::KeyMaterialDoesNotExpire, Some(_)) => Err(KmsError::Validation(
            "ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.".into(),
        )),
        (ExpirationModel::KeyMaterialExpires, None) => {
            Err(KmsError::Validation("ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.".into()))
        }
        (ExpirationModel::KeyMaterialExpires, Some(t)) if t <= now => {
            Err(KmsError::Validation("ValidTo must be a future date and time.".into()))
        }
        (ExpirationModel::KeyMaterialExpires, Some(t)) if t > now + Duration::days(MAX_VALID_TO_DAYS) => Err(
            KmsError::Validation(format!("ValidTo must be at most {MAX_VALID_TO_DAYS} days from the request date.")),
        ),
        (ExpirationModel::KeyMaterialExpires, Some(t)) => Ok(Some(t)),
    }
}

impl Kms {
    /// `GetParametersForImport`: a fresh RSA wrapping key pair and an import token, valid 24 hours.
    ///
    /// # Errors
    /// `Unsupported` for a key whose origin is not `EXTERNAL`, for SM2 and for
    /// `RSAES_PKCS1_V1_5` (which AWS no longer accepts); `InvalidState` while pending deletion.
    pub async fn get_parameters_for_import(
        &self,
        caller: &Caller,
        key_id: &str,
        algorithm: WrappingAlgorithm,
        spec: WrappingKeySpec,
    ) -> Result<ImportParameters, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::GetParametersForImport).await?;
        let rec = self.record(&scope, &id).await?;
        check_external(&rec)?;
        check_import_state(&rec)?;
        let (Some(_), Some(bits)) = (algorithm.scheme(), spec.rsa_bits()) else {
            return Err(KmsError::Unsupported(format!(
                "Wrapping algorithm {} with wrapping key spec {} is not supported; use an RSA wrapping key with \
                 RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.",
                algorithm.as_str(),
                spec.as_str()
            )));
        };
        let kind = PrivateKeyKind::Rsa { bits };
        let pkcs8 = generate_private_key(kind)?;
        let public_key = PrivateKey::from_pkcs8(kind, pkcs8.expose_secret())?.public_key_der().to_vec();
        let valid_to = self.clock.now() + IMPORT_TOKEN_VALIDITY;
        let payload = encode_token(algorithm, bits, valid_to, pkcs8.expose_secret());
        let import_token = self.wrapper.wrap(&token_aad(&rec.arn()), payload.expose_secret())?;
        Ok(ImportParameters { key_arn: rec.arn(), public_key, import_token, valid_to })
    }

    /// `ImportKeyMaterial`: unwraps the material with the token's wrapping key, checks it is
    /// material of the key's spec (and the material imported before, if any) and makes the key
    /// usable.
    ///
    /// # Errors
    /// `InvalidImportToken`, `ExpiredImportToken`; `InvalidCiphertext` for material not wrapped
    /// under the token's public key; `IncorrectKeyMaterial` for material that is not valid for
    /// the key or not the material imported before; `Validation` for `ExpirationModel` and
    /// `ValidTo`; `InvalidState` while the key has material or is pending deletion;
    /// `Unsupported` for a key that is not `EXTERNAL` and for importing new material into a key
    /// that has some (rotation of imported keys).
    pub async fn import_key_material(
        &self,
        caller: &Caller,
        input: ImportKeyMaterialInput,
    ) -> Result<ImportedKeyMaterial, KmsError> {
        let r = keyref::parse(caller, &input.key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::ImportKeyMaterial).await?;
        let rec = self.record(&scope, &id).await?;
        check_external(&rec)?;
        check_import_state(&rec)?;
        let now = self.clock.now();
        let valid_to = expiry(input.expiration_model, input.valid_to, now)?;
        let arn = rec.arn();
        let payload =
            self.wrapper.unwrap(&token_aad(&arn), &input.import_token).map_err(|_| KmsError::InvalidImportToken)?;
        let token = decode_token(payload.expose_secret()).ok_or(KmsError::InvalidImportToken)?;
        if token.expires <= now {
            return Err(KmsError::ExpiredImportToken);
        }
        let scheme = token.algorithm.scheme().ok_or(KmsError::InvalidImportToken)?;
        let wrapping_key =
            PrivateKey::from_pkcs8(PrivateKeyKind::Rsa { bits: token.bits }, token.wrapping_key.expose_secret())
                .map_err(|_| KmsError::InvalidImportToken)?;
        let material = unwrap_imported(&wrapping_key, scheme, &input.encrypted_key_material)
            .map_err(|_| KmsError::InvalidCiphertext)?;
        check_seed_material(rec.spec, material.expose_secret()).map_err(|why| {
            KmsError::IncorrectKeyMaterial(format!("The key material is not valid for {arn}: {why}."))
        })?;
        let material_id = derive_material_id(&material);
        if input.key_material_id.is_some_and(|given| given != material_id) {
            return Err(KmsError::IncorrectKeyMaterial(format!(
                "The key material does not have the KeyMaterialId given for {arn}."
            )));
        }
        if let Some(before) = &rec.imported {
            if before.present {
                return Err(if input.import_type == Some(ImportType::NewKeyMaterial) {
                    KmsError::Unsupported(format!(
                        "{arn} already has imported key material; rotating imported key material is not supported \
                         by this server."
                    ))
                } else {
                    KmsError::InvalidState { key_arn: arn, what: "not pending import" }
                });
            }
            if before.material_id != material_id {
                return Err(KmsError::IncorrectKeyMaterial(format!(
                    "The key material is not the key material previously imported into {arn}."
                )));
            }
        } else if input.import_type == Some(ImportType::ExistingKeyMaterial) {
            return Err(KmsError::IncorrectKeyMaterial(format!("{arn} has no key material to import again.")));
        }
        let wrapped = self.wrapper.wrap(&material_wrap_aad(&arn, &material_id), material.expose_secret())?;
        let record = KeyMaterialRecord { material_id, seq: 0, created_at: now, rotation_type: None, wrapped };
        let imported = ImportedMaterial { material_id, valid_to, present: true };
        self.replace_material(&scope, &id, Some(&record), move |rec| {
            if rec.imported.as_ref().is_some_and(|i| i.present) {
                return Err(KmsError::InvalidState { key_arn: rec.arn(), what: "not pending import" });
            }
            if rec.state == KeyState::PendingImport {
                rec.state = KeyState::Enabled;
            }
            rec.imported = Some(imported.clone());
            Ok(())
        })
        .await?;
        tracing::info!(key_id = %id, material_id = %material_id.to_hex(), "key material imported");
        Ok(ImportedKeyMaterial { key_arn: arn, material_id: Some(material_id) })
    }

    /// `DeleteImportedKeyMaterial`: the key becomes `PendingImport` (a key pending deletion
    /// stays so) and unusable until the same material is imported again.
    ///
    /// # Errors
    /// `Unsupported` for a key that is not `EXTERNAL`; `Validation` for a `KeyMaterialId` that
    /// is not the key's material.
    pub async fn delete_imported_key_material(
        &self,
        caller: &Caller,
        key_id: &str,
        key_material_id: Option<KeyMaterialId>,
    ) -> Result<ImportedKeyMaterial, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::DeleteImportedKeyMaterial).await?;
        let rec = self.record(&scope, &id).await?;
        check_external(&rec)?;
        let material_id = rec.imported.as_ref().map(|i| i.material_id);
        if let Some(given) = key_material_id
            && Some(given) != material_id
        {
            return Err(KmsError::Validation(format!(
                "KeyMaterialId {} does not identify key material of {}.",
                given.to_hex(),
                rec.arn()
            )));
        }
        self.remove_material(&scope, &id).await?;
        tracing::info!(key_id = %id, "imported key material deleted");
        Ok(ImportedKeyMaterial { key_arn: rec.arn(), material_id })
    }

    /// Deletes a key's imported material whose `ValidTo` has passed (the scheduler's work);
    /// `false` when another pass did it already.
    pub(crate) async fn expire_material(
        &self,
        scope: &Scope,
        id: &KeyId,
        now: OffsetDateTime,
    ) -> Result<bool, KmsError> {
        let Some(rec) = self.store.get_key(scope, id).await? else { return Ok(false) };
        let due = rec.imported.as_ref().is_some_and(|i| i.present && i.valid_to.is_some_and(|t| t <= now));
        if !due {
            return Ok(false);
        }
        self.remove_material(scope, id).await?;
        tracing::info!(key_id = %id, "imported key material expired and deleted");
        Ok(true)
    }

    /// Removes a key's imported material: `Enabled` and `Disabled` become `PendingImport`.
    async fn remove_material(&self, scope: &Scope, id: &KeyId) -> Result<(), KmsError> {
        self.replace_material(scope, id, None, |rec| {
            if matches!(rec.state, KeyState::Enabled | KeyState::Disabled) {
                rec.state = KeyState::PendingImport;
            }
            if let Some(i) = rec.imported.as_mut() {
                i.present = false;
            }
            Ok(())
        })
        .await
    }

    /// Replaces a key's backing keys with `material` (or none) and edits its metadata with
    /// `f`, in one store transaction under the key's revision, retrying on conflicts.
    async fn replace_material<F>(
        &self,
        scope: &Scope,
        id: &KeyId,
        material: Option<&KeyMaterialRecord>,
        f: F,
    ) -> Result<(), KmsError>
    where
        F: Fn(&mut KeyRecord) -> Result<(), KmsError> + Send,
    {
        for _ in 0..8 {
            let mut rec = self.record(scope, id).await?;
            let expected = rec.revision;
            f(&mut rec)?;
            rec.revision = expected + 1;
            let written = self.store.replace_materials(&rec, expected, material).await;
            // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
            self.cache.invalidate_key(scope, id);
            match written {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(super::keys::not_found(&rec.arn())),
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Conflict(Contended::Key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_payload_round_trips_and_truncations_are_refused() {
        let expires = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        let payload = encode_token(WrappingAlgorithm::RsaAesKeyWrapSha256, 3072, expires, b"pkcs8");
        let token = decode_token(payload.expose_secret()).expect("decode");
        assert_eq!(
            (token.algorithm, token.bits, token.expires, token.wrapping_key.expose_secret()),
            (WrappingAlgorithm::RsaAesKeyWrapSha256, 3072, expires, &b"pkcs8"[..])
        );
        for n in 0..12 {
            assert!(decode_token(&payload.expose_secret()[..n]).is_none(), "{n} bytes");
        }
    }

    #[test]
    fn expiration_model_and_valid_to_follow_aws() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        let later = now + Duration::days(30);
        assert_eq!(expiry(Some(ExpirationModel::KeyMaterialDoesNotExpire), None, now).ok(), Some(None));
        assert_eq!(expiry(None, Some(later), now).ok(), Some(Some(later)));
        assert!(expiry(None, None, now).is_err(), "the default model is KEY_MATERIAL_EXPIRES");
        assert!(expiry(Some(ExpirationModel::KeyMaterialDoesNotExpire), Some(later), now).is_err());
        assert!(expiry(None, Some(now), now).is_err(), "ValidTo must be in the future");
        assert!(expiry(None, Some(now + Duration::days(366)), now).is_err());
        assert!(expiry(None, Some(now + Duration::days(365)), now).is_ok());
    }
}
