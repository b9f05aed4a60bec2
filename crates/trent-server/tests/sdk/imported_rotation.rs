//! Rotation of imported key material (AWS's model since June 2025) and single-use import
//! tokens: a symmetric `EXTERNAL` key takes new material with `ImportType`
//! `NEW_KEY_MATERIAL`, which waits as `PENDING_ROTATION` until `RotateKeyOnDemand` makes it
//! current; every ciphertext keeps decrypting with the material it was made under; deleting or
//! expiring any material the key is bound to makes it `PendingImport` until that material
//! comes back. The material is wrapped by `openssl` as AWS's developer guide does it.

use std::path::Path;

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, ImportState, ImportType, IncludeKeyMaterial, KeyMaterialState, KeySpec,
    KeyState, KeyUsageType, OriginType, RotationType, RotationsListEntry, WrappingKeySpec,
};
use trent_core::Clock as _;

use crate::common::{TestServer, blob, code, expect_code, message, quiet_scheduler};
use crate::imported::{openssl, openssl_oaep_sha256, path};

/// 32 bytes of material from `openssl rand`, in `dir/name`.
fn material(dir: &Path, name: &str) -> Vec<u8> {
    openssl(&["rand", "-out", &path(dir, name), "32"]);
    std::fs::read(path(dir, name)).unwrap()
}

/// `material` wrapped by `openssl` for `public` (DER): RSAES_OAEP_SHA_256 (`pkeyutl`), or
/// RSA_AES_KEY_WRAP_SHA_256 (`enc -id-aes256-wrap-pad` under a fresh AES key, which goes
/// under RSA-OAEP first).
fn wrap(dir: &Path, public: &[u8], material: &[u8], algorithm: &AlgorithmSpec) -> Vec<u8> {
    std::fs::write(path(dir, "wrapping.der"), public).unwrap();
    std::fs::write(path(dir, "plain"), material).unwrap();
    if *algorithm == AlgorithmSpec::RsaesOaepSha256 {
        openssl_oaep_sha256(dir, "plain", "wrapping.der", "wrapped");
        return std::fs::read(path(dir, "wrapped")).unwrap();
    }
    openssl(&["rand", "-out", &path(dir, "aes"), "32"]);
    let aes = hex::encode(std::fs::read(path(dir, "aes")).unwrap());
    let (plain, inner) = (path(dir, "plain"), path(dir, "inner"));
    openssl(&["enc", "-id-aes256-wrap-pad", "-K", &aes, "-iv", "A65959A6", "-in", &plain, "-out", &inner]);
    openssl_oaep_sha256(dir, "aes", "wrapping.der", "outer");
    let mut out = std::fs::read(path(dir, "outer")).unwrap();
    out.extend(std::fs::read(path(dir, "inner")).unwrap());
    out
}

/// What an import sets besides the material.
#[derive(Default)]
struct Options {
    import_type: Option<ImportType>,
    description: Option<&'static str>,
    material_id: Option<String>,
    valid_to: Option<time::OffsetDateTime>,
}

/// Fresh parameters, `openssl` wrapping, `ImportKeyMaterial`: the `KeyMaterialId`, or
/// "code: message".
async fn import(kms: &Client, dir: &Path, key: &str, material: &[u8], o: Options) -> Result<String, String> {
    let algorithm = AlgorithmSpec::RsaAesKeyWrapSha256;
    let params = kms
        .get_parameters_for_import()
        .key_id(key)
        .wrapping_algorithm(algorithm.clone())
        .wrapping_key_spec(WrappingKeySpec::Rsa3072)
        .send()
        .await
        .expect("GetParametersForImport");
    let wrapped = wrap(dir, params.public_key().unwrap().as_ref(), material, &algorithm);
    let model = if o.valid_to.is_some() {
        ExpirationModelType::KeyMaterialExpires
    } else {
        ExpirationModelType::KeyMaterialDoesNotExpire
    };
    kms.import_key_material()
        .key_id(key)
        .import_token(params.import_token().unwrap().clone())
        .encrypted_key_material(blob(&wrapped))
        .expiration_model(model)
        .set_valid_to(o.valid_to.map(|t| DateTime::from_secs(t.unix_timestamp())))
        .set_import_type(o.import_type)
        .set_key_material_description(o.description.map(str::to_owned))
        .set_key_material_id(o.material_id)
        .send()
        .await
        .map(|out| out.key_material_id().unwrap_or_default().to_owned())
        .map_err(|e| format!("{}: {}", code(&e), message(&e)))
}

async fn rotations(kms: &Client, key: &str, include: IncludeKeyMaterial) -> Vec<RotationsListEntry> {
    let out = kms.list_key_rotations().key_id(key).include_key_material(include).send().await;
    out.expect("ListKeyRotations").rotations().to_vec()
}

/// `(material id, state, import state, description)` of each entry.
fn summary(entries: &[RotationsListEntry]) -> Vec<(String, KeyMaterialState, ImportState, Option<String>)> {
    entries
        .iter()
        .map(|e| {
            (
                e.key_material_id().unwrap().to_owned(),
                e.key_material_state().unwrap().clone(),
                e.import_state().unwrap().clone(),
                e.key_material_description().map(str::to_owned),
            )
        })
        .collect()
}

async fn describe(kms: &Client, key: &str) -> (KeyState, Option<String>) {
    let m = kms.describe_key().key_id(key).send().await.unwrap().key_metadata.unwrap();
    (m.key_state().unwrap().clone(), m.current_key_material_id().map(str::to_owned))
}

async fn encrypt(kms: &Client, key: &str, text: &[u8]) -> Blob {
    kms.encrypt().key_id(key).plaintext(blob(text)).send().await.unwrap().ciphertext_blob().unwrap().clone()
}

/// The plaintext and the material id `Decrypt` answers, or the error code.
async fn decrypt(kms: &Client, ciphertext: &Blob) -> Result<(Vec<u8>, String), String> {
    let out = kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await.map_err(|e| code(&e))?;
    Ok((out.plaintext().unwrap().as_ref().to_vec(), out.key_material_id().unwrap().to_owned()))
}

#[tokio::test]
async fn imported_material_rotates_on_demand_and_every_ciphertext_keeps_its_material() {
    use ImportState::{Imported, PendingImport};
    use KeyMaterialState::{Current, NonCurrent, PendingRotation};
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = kms.create_key().origin(OriginType::External).send().await.unwrap();
    let key = key.key_metadata().unwrap().key_id().to_owned();
    let (m1, m2, m3) = (material(d, "m1"), material(d, "m2"), material(d, "m3"));

    let first = Options { description: Some("first: from the HSM"), ..Options::default() };
    let id1 = import(&kms, d, &key, &m1, first).await.expect("first import");
    let c1 = encrypt(&kms, &key, b"under the first").await;
    let refused = kms.rotate_key_on_demand().key_id(&key).send().await;
    let m = expect_code(refused, "KMSInvalidStateException");
    assert_eq!(m, format!("No available key material pending rotation for the key: {}.", server.key_arn(&key).await));
    // Without ImportType, a key that has material takes only that material again.
    let other = import(&kms, d, &key, &m2, Options::default()).await;
    assert!(other.as_ref().is_err_and(|e| e.starts_with("IncorrectKeyMaterialException")), "{other:?}");

    let valid_to = server.clock.now() + time::Duration::days(30);
    let second = Options {
        import_type: Some(ImportType::NewKeyMaterial),
        description: Some("second"),
        valid_to: Some(valid_to),
        ..Options::default()
    };
    let id2 = import(&kms, d, &key, &m2, second).await.expect("new material");
    assert_ne!(id1, id2);
    assert_eq!(describe(&kms, &key).await, (KeyState::Enabled, Some(id1.clone())), "not current before rotation");
    assert_eq!(decrypt(&kms, &encrypt(&kms, &key, b"x").await).await.map(|(_, m)| m), Ok(id1.clone()));
    let all = rotations(&kms, &key, IncludeKeyMaterial::AllKeyMaterial).await;
    assert_eq!(
        summary(&all),
        vec![
            (id1.clone(), Current, Imported, Some("first: from the HSM".into())),
            (id2.clone(), PendingRotation, Imported, Some("second".into())),
        ]
    );
    assert_eq!(all[0].expiration_model(), Some(&ExpirationModelType::KeyMaterialDoesNotExpire));
    assert_eq!(all[1].expiration_model(), Some(&ExpirationModelType::KeyMaterialExpires));
    assert_eq!(all[1].valid_to().map(|t| t.secs()), Some(valid_to.unix_timestamp()));
    assert!(all.iter().all(|e| e.rotation_date().is_none() && e.rotation_type().is_none()));
    assert!(rotations(&kms, &key, IncludeKeyMaterial::RotationsOnly).await.is_empty());
    // One material pending rotation at a time, in AWS's words.
    let third = Options { import_type: Some(ImportType::NewKeyMaterial), ..Options::default() };
    let refused = import(&kms, d, &key, &m3, third).await.expect_err("another pending");
    assert!(refused.starts_with("KMSInvalidStateException: New key material (id: "), "{refused}");
    assert!(refused.ends_with(&format!("another key material (id: {id2}) is pending rotation.")), "{refused}");

    kms.rotate_key_on_demand().key_id(&key).send().await.expect("rotate to the imported material");
    assert_eq!(describe(&kms, &key).await, (KeyState::Enabled, Some(id2.clone())));
    let c2 = encrypt(&kms, &key, b"under the second").await;
    assert_eq!(decrypt(&kms, &c2).await, Ok((b"under the second".to_vec(), id2.clone())));
    assert_eq!(decrypt(&kms, &c1).await, Ok((b"under the first".to_vec(), id1.clone())));
    let done = rotations(&kms, &key, IncludeKeyMaterial::RotationsOnly).await;
    assert_eq!(summary(&done), vec![(id2.clone(), Current, Imported, Some("second".into()))]);
    assert_eq!(done[0].rotation_type(), Some(&RotationType::OnDemand));
    assert!(done[0].rotation_date().is_some());
    let all = rotations(&kms, &key, IncludeKeyMaterial::AllKeyMaterial).await;
    assert_eq!(summary(&all)[0].1, NonCurrent);

    // Deleting the non-current material makes the key unusable until it is back.
    let deleted = kms.delete_imported_key_material().key_id(&key).key_material_id(&id1).send().await.unwrap();
    assert_eq!(deleted.key_material_id(), Some(id1.as_str()));
    assert_eq!(describe(&kms, &key).await, (KeyState::PendingImport, Some(id2.clone())));
    assert_eq!(decrypt(&kms, &c2).await, Err("KMSInvalidStateException".into()));
    let all = rotations(&kms, &key, IncludeKeyMaterial::AllKeyMaterial).await;
    assert_eq!(summary(&all)[0], (id1.clone(), NonCurrent, PendingImport, Some("first: from the HSM".into())));
    let wrong_id = Options {
        import_type: Some(ImportType::ExistingKeyMaterial),
        material_id: Some(id2.clone()),
        ..Options::default()
    };
    let refused = import(&kms, d, &key, &m1, wrong_id).await;
    assert!(refused.as_ref().is_err_and(|e| e.starts_with("IncorrectKeyMaterialException")), "{refused:?}");
    let back = Options {
        import_type: Some(ImportType::ExistingKeyMaterial),
        material_id: Some(id1.clone()),
        ..Options::default()
    };
    assert_eq!(import(&kms, d, &key, &m1, back).await, Ok(id1.clone()));
    assert_eq!(describe(&kms, &key).await.0, KeyState::Enabled);
    assert_eq!(decrypt(&kms, &c1).await.map(|(p, _)| p), Ok(b"under the first".to_vec()));
    let all = rotations(&kms, &key, IncludeKeyMaterial::AllKeyMaterial).await;
    assert_eq!(summary(&all)[0].3.as_deref(), Some("first: from the HSM"), "kept when not given again");
    let again_new = Options { import_type: Some(ImportType::NewKeyMaterial), ..Options::default() };
    let refused = import(&kms, d, &key, &m1, again_new).await;
    assert!(refused.as_ref().is_err_and(|e| e.starts_with("IncorrectKeyMaterialException")), "{refused:?}");
    let both =
        Options { import_type: Some(ImportType::NewKeyMaterial), material_id: Some(id1.clone()), ..Options::default() };
    let refused = import(&kms, d, &key, &m3, both).await;
    assert!(refused.as_ref().is_err_and(|e| e.starts_with("ValidationException")), "{refused:?}");

    // The second material expires: the scheduler deletes it and the key waits for it.
    server.clock.advance(time::Duration::days(30));
    assert_eq!(server.run_scheduler().await.expired, 1);
    assert_eq!(describe(&kms, &key).await.0, KeyState::PendingImport);
    assert_eq!(summary(&rotations(&kms, &key, IncludeKeyMaterial::AllKeyMaterial).await)[1].2, PendingImport);
    assert_eq!(import(&kms, d, &key, &m2, Options::default()).await, Ok(id2.clone()));
    assert_eq!(decrypt(&kms, &c2).await.map(|(p, _)| p), Ok(b"under the second".to_vec()));
    assert_eq!(describe(&kms, &key).await, (KeyState::Enabled, Some(id2)));
}

#[tokio::test]
async fn material_pending_rotation_is_forgotten_when_deleted() {
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = kms.create_key().origin(OriginType::External).send().await.unwrap();
    let key = key.key_metadata().unwrap().key_id().to_owned();
    let id1 = import(&kms, d, &key, &material(d, "a"), Options::default()).await.unwrap();
    let new = || Options { import_type: Some(ImportType::NewKeyMaterial), ..Options::default() };
    let id2 = import(&kms, d, &key, &material(d, "b"), new()).await.unwrap();
    kms.delete_imported_key_material().key_id(&key).key_material_id(&id2).send().await.unwrap();
    assert_eq!(describe(&kms, &key).await, (KeyState::Enabled, Some(id1.clone())), "the key is still whole");
    let all = rotations(&kms, &key, IncludeKeyMaterial::AllKeyMaterial).await;
    assert_eq!(all.iter().map(|e| e.key_material_id().unwrap()).collect::<Vec<_>>(), vec![id1.as_str()]);
    expect_code(kms.rotate_key_on_demand().key_id(&key).send().await, "KMSInvalidStateException");
    // Other material may take its place.
    import(&kms, d, &key, &material(d, "c"), new()).await.expect("a replacement");
    kms.rotate_key_on_demand().key_id(&key).send().await.expect("rotates to the replacement");
}

#[tokio::test]
async fn an_import_token_imports_once_and_a_refused_import_leaves_it_usable() {
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = kms.create_key().origin(OriginType::External).send().await.unwrap();
    let key = key.key_metadata().unwrap().key_id().to_owned();
    let params = |algorithm: AlgorithmSpec| {
        kms.get_parameters_for_import()
            .key_id(&key)
            .wrapping_algorithm(algorithm)
            .wrapping_key_spec(WrappingKeySpec::Rsa2048)
            .send()
    };
    let a = params(AlgorithmSpec::RsaesOaepSha256).await.unwrap();
    let b = params(AlgorithmSpec::RsaesOaepSha256).await.unwrap();
    let m = material(d, "m");
    let send = |token: Blob, public: Vec<u8>, model: Option<ExpirationModelType>| {
        let wrapped = wrap(d, &public, &m, &AlgorithmSpec::RsaesOaepSha256);
        kms.import_key_material()
            .key_id(&key)
            .import_token(token)
            .encrypted_key_material(blob(&wrapped))
            .set_expiration_model(model)
            .send()
    };
    let (a_token, a_public) = (a.import_token().unwrap().clone(), a.public_key().unwrap().as_ref().to_vec());
    // Refused for its ValidTo (AWS's sentence): the token is not spent.
    let m1 = expect_code(send(a_token.clone(), a_public.clone(), None).await, "ValidationException");
    assert_eq!(m1, "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
    let never = Some(ExpirationModelType::KeyMaterialDoesNotExpire);
    send(a_token.clone(), a_public.clone(), never.clone()).await.expect("the same token, now right");
    expect_code(send(a_token, a_public, never.clone()).await, "InvalidImportTokenException");
    // A token issued before that import is spent with it.
    let (b_token, b_public) = (b.import_token().unwrap().clone(), b.public_key().unwrap().as_ref().to_vec());
    expect_code(send(b_token, b_public, never.clone()).await, "InvalidImportTokenException");
    let c = params(AlgorithmSpec::RsaesOaepSha256).await.unwrap();
    let (c_token, c_public) = (c.import_token().unwrap().clone(), c.public_key().unwrap().as_ref().to_vec());
    send(c_token, c_public, never).await.expect("a fresh token re-imports the same material");
    assert_eq!(describe(&kms, &key).await.0, KeyState::Enabled);
}

/// `ImportType`, `KeyMaterialId` and `KeyMaterialDescription` are for symmetric keys; other
/// keys answer no `KeyMaterialId` and show no `CurrentKeyMaterialId`, as AWS does.
#[tokio::test]
async fn the_symmetric_only_members_are_refused_for_other_keys() {
    let server = TestServer::start().await;
    let kms = server.client();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kms
        .create_key()
        .origin(OriginType::External)
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .send()
        .await
        .unwrap();
    let key = out.key_metadata().unwrap().key_id().to_owned();
    let hmac = material(d, "hmac");
    for o in [
        Options { import_type: Some(ImportType::NewKeyMaterial), ..Options::default() },
        Options { description: Some("mac"), ..Options::default() },
    ] {
        let refused = import(&kms, d, &key, &hmac, o).await;
        assert!(refused.as_ref().is_err_and(|e| e.starts_with("UnsupportedOperationException")), "{refused:?}");
    }
    assert_eq!(import(&kms, d, &key, &hmac, Options::default()).await, Ok(String::new()), "no KeyMaterialId");
    let (state, current) = describe(&kms, &key).await;
    assert_eq!((state, current), (KeyState::Enabled, None));
    expect_code(kms.list_key_rotations().key_id(&key).send().await, "UnsupportedOperationException");
}
