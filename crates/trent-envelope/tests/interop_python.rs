//! Interop with the official AWS Encryption SDK for Python (`.venv`, set up by `.ci/run`),
//! both ways: every suite, framed and non-framed (Python writes those), empty, one byte,
//! exactly one frame, many frames, with and without context, raw AES 128/192/256 and raw
//! RSA with every padding. One Python process runs all jobs of a direction.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::{Value, json};
use trent_crypto::KeyMaterial;
use trent_envelope::{
    ALL_SUITES, AlgorithmSuite, CommitmentPolicy, DecryptOptions, DefaultCmm, EncryptOptions, EncryptionContext,
    Keyring, RawAesKeyring, RawRsaKeyring, RsaPadding, decrypt, encrypt,
};

const FRAME: u32 = 128;

struct Key {
    json: Value,
    keyring: Arc<dyn Keyring>,
}

fn keys() -> Vec<Key> {
    let mut out = Vec::new();
    for len in [16usize, 24, 32] {
        let material: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(7).wrapping_add(3)).collect();
        let name = format!("aes-{}", len * 8);
        out.push(Key {
            json: json!({ "type": "aes", "namespace": "trent-interop", "name": name, "hex": hex::encode(&material) }),
            keyring: Arc::new(RawAesKeyring::new("trent-interop", &name, KeyMaterial::new(material)).unwrap()),
        });
    }
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let pem = pem("PRIVATE KEY", der.as_ref());
    for (padding, name) in [
        (RsaPadding::Pkcs1, "pkcs1"),
        (RsaPadding::OaepSha1, "oaep-sha1"),
        (RsaPadding::OaepSha256, "oaep-sha256"),
        (RsaPadding::OaepSha384, "oaep-sha384"),
        (RsaPadding::OaepSha512, "oaep-sha512"),
    ] {
        let key_name = format!("rsa-{name}");
        out.push(Key {
            json: json!({ "type": "rsa", "namespace": "trent-interop", "name": key_name, "padding": name, "pem": pem }),
            keyring: Arc::new(
                RawRsaKeyring::new("trent-interop", &key_name, padding, None, Some(pem.as_bytes())).unwrap(),
            ),
        });
    }
    out
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

struct Case {
    suite: &'static AlgorithmSuite,
    key: usize,
    size: usize,
    context: EncryptionContext,
    frame_length: u32,
}

/// The matrix: every suite with every size under AES-256; the other keys with two sizes.
fn cases(keys: &[Key], framed_only: bool) -> Vec<Case> {
    let sizes = [0usize, 1, FRAME as usize, FRAME as usize * 7 + 5];
    let with_context: EncryptionContext =
        [("purpose".to_owned(), "interop".to_owned()), ("ünï".to_owned(), "cødé".to_owned())].into();
    let mut out = Vec::new();
    for suite in ALL_SUITES {
        for (i, size) in sizes.iter().enumerate() {
            let context = if i % 2 == 0 { EncryptionContext::new() } else { with_context.clone() };
            out.push(Case { suite, key: 2, size: *size, context: context.clone(), frame_length: FRAME });
            if !framed_only && *size > 0 {
                out.push(Case { suite, key: 2, size: *size, context, frame_length: 0 });
            }
        }
    }
    for key in 0..keys.len() {
        for size in [1usize, FRAME as usize * 3] {
            let suite = ALL_SUITES[(key + size) % ALL_SUITES.len()];
            out.push(Case { suite, key, size, context: with_context.clone(), frame_length: FRAME });
        }
    }
    out
}

fn plaintext(size: usize, salt: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 131 + salt * 7 + 1) as u8).collect()
}

fn run_python(py: &Path, dir: &Path, jobs: &[Value]) {
    let file = dir.join("jobs.json");
    std::fs::write(&file, serde_json::to_vec(jobs).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/esdk_jobs.py");
    let out = Command::new(py).arg(script).arg(&file).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn result(path: &PathBuf) -> Vec<u8> {
    let err = PathBuf::from(format!("{}.error", path.display()));
    if let Ok(e) = std::fs::read_to_string(&err) {
        panic!("python job {} failed: {e}", path.display());
    }
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn trent_messages_decrypt_with_the_python_sdk() {
    let Some(py) = common::python("trent_messages_decrypt_with_the_python_sdk") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let keys = keys();
    let cases = cases(&keys, true);
    let mut jobs = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let policy = if c.suite.is_committing() {
            CommitmentPolicy::default()
        } else {
            CommitmentPolicy::ForbidEncryptAllowDecrypt
        };
        let opts = EncryptOptions {
            suite: Some(c.suite),
            frame_length: c.frame_length,
            context: c.context.clone(),
            commitment_policy: policy,
            ..EncryptOptions::default()
        };
        let msg = encrypt(&DefaultCmm::new(keys[c.key].keyring.clone()), &opts, &plaintext(c.size, i)).unwrap();
        let input = dir.path().join(format!("{i}.trent"));
        std::fs::write(&input, msg).unwrap();
        jobs.push(json!({ "op": "decrypt", "in": input, "out": dir.path().join(format!("{i}.plain")),
                          "key": keys[c.key].json, "context": c.context }));
    }
    run_python(&py, dir.path(), &jobs);
    for (i, c) in cases.iter().enumerate() {
        let got = result(&dir.path().join(format!("{i}.plain")));
        assert!(got == plaintext(c.size, i), "case {i}: suite {} size {}", c.suite, c.size);
    }
    eprintln!("{} Trent messages decrypted by the Python SDK", cases.len());
}

#[test]
fn python_messages_decrypt_with_trent() {
    let Some(py) = common::python("python_messages_decrypt_with_trent") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let keys = keys();
    let cases = cases(&keys, false);
    let mut jobs = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let input = dir.path().join(format!("{i}.plain"));
        std::fs::write(&input, plaintext(c.size, i)).unwrap();
        jobs.push(json!({ "op": "encrypt", "in": input, "out": dir.path().join(format!("{i}.python")),
                          "key": keys[c.key].json, "suite": c.suite.id, "frame_length": c.frame_length,
                          "context": c.context }));
    }
    run_python(&py, dir.path(), &jobs);
    for (i, c) in cases.iter().enumerate() {
        let msg = result(&dir.path().join(format!("{i}.python")));
        let opts =
            DecryptOptions { commitment_policy: CommitmentPolicy::RequireEncryptAllowDecrypt, ..Default::default() };
        let (got, info) = decrypt(&DefaultCmm::new(keys[c.key].keyring.clone()), &opts, &msg)
            .unwrap_or_else(|e| panic!("case {i}: suite {} size {} frame {}: {e:?}", c.suite, c.size, c.frame_length));
        assert!(got.expose_secret() == plaintext(c.size, i), "case {i}");
        assert_eq!(info.frame_length, c.frame_length, "case {i}");
        for (k, v) in &c.context {
            assert_eq!(info.context.get(k), Some(v));
        }
    }
    eprintln!("{} Python SDK messages decrypted by Trent", cases.len());
}
