//! The official-format decrypt vectors (`tests/esdk-vectors`: an unmodified Apache-2.0 copy of
//! AWS's files, whose README says where each comes from; read at run time): every positive
//! message decrypts to its plaintext, every negative one fails, and the key commitment
//! known-answer tests hold.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use trent_crypto::DataKey;
use trent_envelope::{
    CommitmentPolicy, DecryptOptions, DecryptRequest, DecryptionMaterials, DefaultCmm, EncryptionMaterials,
    EncryptionRequest, Error, MaterialsManager, MultiKeyring, RequiredContextCmm, decrypt,
};

#[test]
fn decrypt_manifest_passes() {
    let Some(dir) = common::vectors_dir("decrypt_manifest_passes") else {
        return;
    };
    let manifest = common::read_json(&dir.join("manifest.json"));
    assert_eq!(manifest["manifest"]["type"], "awses-decrypt");
    let keys = common::read_json(&common::file_ref(&dir, manifest["keys"].as_str().unwrap()))["keys"].clone();
    let tests = manifest["tests"].as_object().unwrap();
    let (mut passed, mut failed_as_expected, mut problems) = (0, 0, Vec::new());
    for (name, t) in tests {
        let children: Vec<_> =
            t["master-keys"].as_array().unwrap().iter().filter_map(|m| common::keyring_for(m, &keys)).collect();
        let keyring = Arc::new(MultiKeyring::new(None, children).unwrap());
        let mut cmm: Arc<dyn MaterialsManager> = Arc::new(DefaultCmm::new(keyring));
        let context: trent_envelope::EncryptionContext =
            serde_json::from_value(t["encryption-context"].clone()).unwrap();
        let mut options = DecryptOptions {
            commitment_policy: CommitmentPolicy::RequireEncryptAllowDecrypt,
            ..DecryptOptions::default()
        };
        if t["cmm"] == "RequiredEncryptionContext" {
            cmm = Arc::new(RequiredContextCmm::new(cmm, context.keys().cloned().collect()));
            options.reproduced_context = Some(context.clone());
        }
        let message = std::fs::read(common::file_ref(&dir, t["ciphertext"].as_str().unwrap())).unwrap();
        let result = decrypt(&*cmm, &options, &message);
        match (&t["result"]["output"]["plaintext"], result) {
            (serde_json::Value::String(p), Ok((plain, _))) => {
                let expected = std::fs::read(common::file_ref(&dir, p)).unwrap();
                if plain.expose_secret() == expected {
                    passed += 1;
                } else {
                    problems.push(format!("{name}: wrong plaintext"));
                }
            }
            (serde_json::Value::String(_), Err(e)) => problems.push(format!("{name}: {e:?}")),
            (_, Err(_)) => failed_as_expected += 1,
            (_, Ok(_)) => problems.push(format!("{name}: decrypted but must fail")),
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert_eq!((passed, failed_as_expected), (55, 8));
}

/// A materials manager that hands out a known data key (the KATs give it directly).
struct KnownKey(Vec<u8>);

impl MaterialsManager for KnownKey {
    fn get_encryption_materials(&self, _: EncryptionRequest) -> trent_envelope::Result<EncryptionMaterials> {
        Err(Error::Keyring("decrypt only".into()))
    }

    fn decrypt_materials(&self, request: DecryptRequest) -> trent_envelope::Result<DecryptionMaterials> {
        Ok(DecryptionMaterials {
            suite: request.suite,
            context: request.context,
            required_context_keys: Vec::new(),
            data_key: Some(DataKey::from_slice(&self.0)),
            verification_key: None,
        })
    }
}

#[test]
fn commitment_known_answers() {
    let Some(dir) = common::vectors_dir("commitment_known_answers") else {
        return;
    };
    let kat = common::read_json(&dir.join("commitment-kat.json"));
    let tests = kat["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3);
    for t in tests {
        let b = |k: &str| STANDARD.decode(t[k].as_str().unwrap()).unwrap();
        let message = b("ciphertext");
        let header = trent_envelope::read_message_header(&mut message.as_slice(), None).unwrap();
        assert_eq!(header.message_id, b("message-id"), "{}", t["comment"]);
        let cmm = KnownKey(b("decrypted-dek"));
        let result = decrypt(&cmm, &DecryptOptions::default(), &message);
        if t["status"] == true {
            assert_eq!(header.suite_data, b("commitment"), "{}", t["comment"]);
            let (plain, _) = result.unwrap_or_else(|e| panic!("{}: {e:?}", t["comment"]));
            let frames: Vec<u8> =
                t["plaintext-frames"].as_array().unwrap().iter().flat_map(|f| f.as_str().unwrap().bytes()).collect();
            assert_eq!(plain.expose_secret(), frames);
        } else {
            assert!(matches!(result, Err(Error::CommitmentMismatch)), "{}: {result:?}", t["comment"]);
        }
    }
}
