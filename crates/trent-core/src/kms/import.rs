//! Imported key material (keys of origin `EXTERNAL`): `GetParametersForImport`,
//! `ImportKeyMaterial`, `DeleteImportedKeyMaterial`, and the expiry of material whose
//! `ValidTo` has passed (run by the scheduler). The rules for a key's list of materials are in
//! [`super::imported`].
//!
//! The import token is stateless: the wrapping private key, the wrapping algorithm, the
//! token's expiry and the key's import count when it was issued, wrapped under the root key
//! with the key's ARN as AAD, so a token opens only for the key it was issued for. Each
//! successful import bumps the key's count, so a token imports once (AWS: a new wrapping key
//! and token for every import); a refused import leaves it usable, as on AWS.

use time::{Duration, OffsetDateTime};
use trent_crypto::{
    ImportWrapping, KeyMaterial, KeyMaterialId, OaepHash, PrivateKey, PrivateKeyKind, derive_material_id,
    generate_private_key, unwrap_imported,
};

use super::KeyAction;
use super::imported::{self, Import, MaterialChange};
use super::keyref::{self, Aliases};
use super::keys::off_worker_for;
use super::{
    ImportInput, Invalid, KeyMaterialRecord, KeyRecord, KeySpec, KeyState, Kms, KmsError, Mismatch, Origin,
    Unsupported, check_seed_material, material_wrap_aad,
};
use crate::enums::string_enum;
use crate::identity::Caller;
use crate::ids::{KeyId, Scope};

/// How long a public key and import token from `GetParametersForImport` stay usable.
pub const IMPORT_TOKEN_VALIDITY: Duration = Duration::hours(24);
/// The latest `ValidTo` AWS accepts, in days from the request.
pub const MAX_VALID_TO_DAYS: i64 = 365;
/// Version byte of the import token's wrapped payload (1 had no import count; such tokens,
/// at most 24 hours old at an upgrade, are refused).
const TOKEN_VERSION: u8 = 2;

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
    /// `KeyMaterialDescription`.
    pub description: Option<String>,
}

/// What `ImportKeyMaterial` and `DeleteImportedKeyMaterial` return.
#[derive(Clone, Debug)]
pub struct ImportedKeyMaterial {
    /// ARN of the key.
    pub key_arn: String,
    /// The imported (or deleted) material's id: only for symmetric keys, as AWS answers, and
    /// `None` for a key that never had material.
    pub material_id: Option<KeyMaterialId>,
}

/// `ValidationException` for a rule of the import operations.
fn invalid(rule: ImportInput) -> KmsError {
    KmsError::Validation(Invalid::Import(rule))
}

/// The import operations are for keys of origin `EXTERNAL` only.
fn check_external(rec: &KeyRecord) -> Result<(), KmsError> {
    if rec.origin != Origin::External {
        return Err(KmsError::Unsupported(Unsupported::ImportOrigin { key_arn: rec.arn(), origin: rec.origin }));
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
    /// The key's import count when the token was issued: the token imports only while the
    /// count is still this.
    import_count: u64,
    wrapping_key: KeyMaterial,
}

/// Payload: version, algorithm code, RSA bits (u16), expiry (i64 Unix seconds), import count
/// (u64), PKCS#8.
fn encode_token(
    algorithm: WrappingAlgorithm,
    bits: usize,
    expires: OffsetDateTime,
    import_count: u64,
    pkcs8: &[u8],
) -> KeyMaterial {
    let mut out = Vec::with_capacity(20 + pkcs8.len());
    out.push(TOKEN_VERSION);
    out.push(algorithm.code());
    out.extend_from_slice(&u16::try_from(bits).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(&expires.unix_timestamp().to_be_bytes());
    out.extend_from_slice(&import_count.to_be_bytes());
    out.extend_from_slice(pkcs8);
    KeyMaterial::new(out)
}

fn decode_token(payload: &[u8]) -> Option<Token> {
    let (head, rest) = payload.split_first_chunk::<4>()?;
    let [version, code, b0, b1] = *head;
    if version != TOKEN_VERSION {
        return None;
    }
    let (expires, rest) = rest.split_first_chunk::<8>()?;
    let (count, pkcs8) = rest.split_first_chunk::<8>()?;
    Some(Token {
        algorithm: WrappingAlgorithm::from_code(code)?,
        bits: usize::from(u16::from_be_bytes([b0, b1])),
        expires: OffsetDateTime::from_unix_timestamp(i64::from_be_bytes(*expires)).ok()?,
        import_count: u64::from_be_bytes(*count),
        wrapping_key: KeyMaterial::from_slice(pkcs8),
    })
}

/// `ImportType`, `KeyMaterialId` and `KeyMaterialDescription` are for symmetric encryption
/// keys only; AWS refuses them for other specs.
fn check_symmetric_only(rec: &KeyRecord, input: &ImportKeyMaterialInput) -> Result<(), KmsError> {
    let given = [
        ("ImportType", input.import_type.is_some()),
        ("KeyMaterialId", input.key_material_id.is_some()),
        ("KeyMaterialDescription", input.description.is_some()),
    ];
    match given.into_iter().find(|(_, set)| *set) {
        Some((member, _)) if rec.spec != KeySpec::SymmetricDefault => {
            Err(KmsError::Unsupported(Unsupported::ImportMemberNotSymmetric {
                member,
                key_arn: rec.arn(),
                spec: rec.spec,
            }))
        }
        _ => Ok(()),
    }
}

/// The expiry an import asks for: `Some(valid_to)`, or `None` for material that does not expire.
fn expiry(
    model: Option<ExpirationModel>,
    valid_to: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, KmsError> {
    match (model.unwrap_or(ExpirationModel::KeyMaterialExpires), valid_to) {
        (ExpirationModel::KeyMaterialDoesNotExpire, None) => Ok(None),
        (ExpirationModel::KeyMaterialDoesNotExpire, Some(_)) => Err(invalid(ImportInput::ValidToGiven)),
        (ExpirationModel::KeyMaterialExpires, None) => Err(invalid(ImportInput::ValidToMissing)),
        (ExpirationModel::KeyMaterialExpires, Some(t)) if t <= now => Err(invalid(ImportInput::ValidToPast)),
        (ExpirationModel::KeyMaterialExpires, Some(t)) if t > now + Duration::days(MAX_VALID_TO_DAYS) => {
            Err(invalid(ImportInput::ValidToFar))
        }
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
            return Err(KmsError::Unsupported(Unsupported::Wrapping { algorithm, spec }));
        };
        let kind = PrivateKeyKind::Rsa { bits };
        // An RSA key generation takes a random, long-tailed time: off the runtime's workers.
        let (pkcs8, public_key) = off_worker_for(kind, move || {
            let pkcs8 = generate_private_key(kind)?;
            let public_key = PrivateKey::from_pkcs8(kind, pkcs8.expose_secret())?.public_key_der().to_vec();
            Ok((pkcs8, public_key))
        })
        .await?;
        let valid_to = self.clock.now() + IMPORT_TOKEN_VALIDITY;
        let payload = encode_token(algorithm, bits, valid_to, rec.import_count, pkcs8.expose_secret());
        let import_token = self.wrapper.wrap(&token_aad(&rec.arn()), payload.expose_secret())?;
        Ok(ImportParameters { key_arn: rec.arn(), public_key, import_token, valid_to })
    }

    /// `ImportKeyMaterial`: unwraps the material with the token's wrapping key, checks it is
    /// material of the key's spec, and applies it (see [`imported::apply_import`]): the first
    /// material, new material for the next rotation, or material the key had before.
    ///
    /// # Errors
    /// `InvalidImportToken` (also for a token already used), `ExpiredImportToken`;
    /// `InvalidCiphertext` for material not wrapped under the token's public key;
    /// `IncorrectKeyMaterial` for material that is not valid for the key, not the material
    /// named, or not new or not known as the import type says; `Validation` for
    /// `ExpirationModel`, `ValidTo`, and a `KeyMaterialId` with `NEW_KEY_MATERIAL`;
    /// `RotationPending` for new material while other waits for rotation; `InvalidState`
    /// while pending deletion; `Unsupported` for a key that is not `EXTERNAL` and for the
    /// symmetric-only members on other keys.
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
        check_symmetric_only(&rec, &input)?;
        if input.import_type == Some(ImportType::NewKeyMaterial) && input.key_material_id.is_some() {
            return Err(invalid(ImportInput::MaterialIdWithNew));
        }
        let now = self.clock.now();
        let valid_to = expiry(input.expiration_model, input.valid_to, now)?;
        let arn = rec.arn();
        let payload =
            self.wrapper.unwrap(&token_aad(&arn), &input.import_token).map_err(|_| KmsError::InvalidImportToken)?;
        let token = decode_token(payload.expose_secret()).ok_or(KmsError::InvalidImportToken)?;
        if token.expires <= now {
            return Err(KmsError::ExpiredImportToken);
        }
        if token.import_count != rec.import_count {
            return Err(KmsError::InvalidImportToken);
        }
        let scheme = token.algorithm.scheme().ok_or(KmsError::InvalidImportToken)?;
        let wrapping_key =
            PrivateKey::from_pkcs8(PrivateKeyKind::Rsa { bits: token.bits }, token.wrapping_key.expose_secret())
                .map_err(|_| KmsError::InvalidImportToken)?;
        let material = unwrap_imported(&wrapping_key, scheme, &input.encrypted_key_material)
            .map_err(|_| KmsError::InvalidCiphertext)?;
        check_seed_material(rec.spec, material.expose_secret())
            .map_err(|fault| KmsError::IncorrectKeyMaterial(Mismatch::Invalid { key_arn: arn.clone(), fault }))?;
        let material_id = derive_material_id(&material);
        if input.key_material_id.is_some_and(|given| given != material_id) {
            return Err(KmsError::IncorrectKeyMaterial(Mismatch::OtherId { key_arn: arn.clone() }));
        }
        let wrapped = self.wrapper.wrap(&material_wrap_aad(&arn, &material_id), material.expose_secret())?;
        let record = KeyMaterialRecord { material_id, seq: 0, created_at: now, rotation_type: None, wrapped };
        let (rec, ()) = self
            .change_materials(&scope, &id, Some(&record), |rec| {
                if rec.import_count != token.import_count {
                    // Another import used this token (or came first) since it was checked.
                    return Err(KmsError::InvalidImportToken);
                }
                check_import_state(rec)?;
                let import = Import {
                    material_id,
                    import_type: input.import_type,
                    valid_to,
                    description: input.description.clone(),
                };
                Ok((imported::apply_import(rec, import)?, ()))
            })
            .await?;
        tracing::info!(key_id = %id, material_id = %material_id.to_hex(), "key material imported");
        let symmetric = rec.spec == KeySpec::SymmetricDefault;
        Ok(ImportedKeyMaterial { key_arn: arn, material_id: symmetric.then_some(material_id) })
    }

    /// `DeleteImportedKeyMaterial`: deletes the material `key_material_id` names, or the
    /// current one (see [`imported::apply_deletion`]).
    ///
    /// # Errors
    /// `Unsupported` for a key that is not `EXTERNAL`; `Validation` for a `KeyMaterialId` that
    /// is not one of the key's materials.
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
        let (rec, deleted) = self
            .change_materials(&scope, &id, None, |rec| {
                let (deleted, change) = imported::apply_deletion(rec, key_material_id)?;
                Ok((change, deleted))
            })
            .await?;
        tracing::info!(key_id = %id, "imported key material deleted");
        let symmetric = rec.spec == KeySpec::SymmetricDefault;
        Ok(ImportedKeyMaterial { key_arn: rec.arn(), material_id: deleted.filter(|_| symmetric) })
    }

    /// Deletes a key's imported materials whose `ValidTo` has passed (the scheduler's work);
    /// `false` when another pass did it already.
    pub(crate) async fn expire_material(
        &self,
        scope: &Scope,
        id: &KeyId,
        now: OffsetDateTime,
    ) -> Result<bool, KmsError> {
        let mut any = false;
        // One material per write, each under the key's revision; at most every material.
        loop {
            let Some(rec) = self.store.get_key(scope, id).await? else { return Ok(any) };
            let Some(due) = imported::expired(&rec, now).first().copied() else { return Ok(any) };
            self.change_materials(scope, id, None, |rec| {
                if !imported::expired(rec, now).contains(&due) {
                    return Ok((MaterialChange::Nothing, ()));
                }
                Ok((imported::apply_deletion(rec, Some(due))?.1, ()))
            })
            .await?;
            any = true;
            tracing::info!(key_id = %id, material_id = %due.to_hex(), "imported key material expired and deleted");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_payload_round_trips_and_truncations_are_refused() {
        let expires = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        let payload = encode_token(WrappingAlgorithm::RsaAesKeyWrapSha256, 3072, expires, 7, b"pkcs8");
        let token = decode_token(payload.expose_secret()).expect("decode");
        assert_eq!(
            (token.algorithm, token.bits, token.expires, token.import_count, token.wrapping_key.expose_secret()),
            (WrappingAlgorithm::RsaAesKeyWrapSha256, 3072, expires, 7, &b"pkcs8"[..])
        );
        for n in 0..20 {
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
