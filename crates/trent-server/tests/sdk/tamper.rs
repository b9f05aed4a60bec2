//! Tampered ciphertexts: every single-bit flip, every truncation at a field boundary, an
//! appended byte and random bytes all answer `InvalidCiphertextException` with an empty
//! message (docs/ciphertext-format.md: Decrypt "never says which of these it was").

use aws_sdk_kms::Client;

use crate::common::{TestServer, blob, code, message};

const PLAINTEXT: &[u8] = b"TAMPER-CANARY-0123456789";
const CONTEXT: (&str, &str) = ("purpose", "tamper-test");

/// The fields of a version-1 blob, as `(name, offset, length)`; the ciphertext and tag
/// follow at 102 and `102 + n` (docs/ciphertext-format.md, "Layout").
const HEADER: [(&str, usize, usize); 7] = [
    ("version", 0, 1),
    ("suite", 1, 1),
    ("account", 2, 8),
    ("key id", 10, 16),
    ("material id", 26, 32),
    ("salt", 58, 32),
    ("nonce", 90, 12),
];

fn regions(len: usize) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let n = len - 118;
    let mut out: Vec<_> = HEADER.iter().map(|(name, at, l)| (*name, *at..*at + *l)).collect();
    out.push(("ciphertext", 102..102 + n));
    out.push(("tag", 102 + n..len));
    out
}

async fn sealed(server: &TestServer) -> (Client, Vec<u8>) {
    let kms = server.client();
    let id = server.new_key().await;
    let out = kms.encrypt().key_id(&id).plaintext(blob(PLAINTEXT)).encryption_context(CONTEXT.0, CONTEXT.1);
    let ciphertext = out.send().await.unwrap().ciphertext_blob().unwrap().as_ref().to_vec();
    assert_eq!(ciphertext.len(), 118 + PLAINTEXT.len());
    // The untampered blob decrypts, so every failure below is the tampering's doing.
    let ok = kms.decrypt().ciphertext_blob(blob(&ciphertext)).encryption_context(CONTEXT.0, CONTEXT.1).send();
    assert_eq!(ok.await.unwrap().plaintext().unwrap().as_ref(), PLAINTEXT);
    (kms, ciphertext)
}

/// Decrypts `bytes` (with the right context, without a KeyId) and returns the error code
/// and message, or "<success>".
async fn attempt(kms: &Client, bytes: &[u8]) -> (String, String) {
    let r = kms.decrypt().ciphertext_blob(blob(bytes)).encryption_context(CONTEXT.0, CONTEXT.1).send().await;
    match r {
        Ok(out) => {
            assert_ne!(out.plaintext().map(|p| p.as_ref()), Some(PLAINTEXT), "tampered blob gave the plaintext");
            ("<success>".into(), String::new())
        }
        Err(e) => (code(&e), message(&e)),
    }
}

/// Flips one bit in every byte of the named regions; returns the offsets that did not
/// answer `InvalidCiphertextException` with an empty message.
async fn flip_every_byte(kms: &Client, ciphertext: &[u8], names: &[&str]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut tried = 0;
    for (name, range) in regions(ciphertext.len()).into_iter().filter(|(n, _)| names.contains(n)) {
        for offset in range {
            // Vary the bit so every bit position is exercised somewhere.
            let mut bytes = ciphertext.to_vec();
            bytes[offset] ^= 1 << (offset % 8);
            let (code, message) = attempt(kms, &bytes).await;
            if code != "InvalidCiphertextException" || !message.is_empty() {
                failures.push(format!("{name} @ {offset}: {code} {message:?}"));
            }
            tried += 1;
        }
    }
    assert!(tried > 0, "no region named {names:?}");
    failures
}

#[tokio::test]
async fn every_bit_flip_outside_the_account_field_is_rejected() {
    let server = TestServer::start().await;
    let (kms, ciphertext) = sealed(&server).await;
    let names = ["version", "suite", "key id", "material id", "salt", "nonce", "ciphertext", "tag"];
    let failures = flip_every_byte(&kms, &ciphertext, &names).await;
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn every_bit_flip_in_the_account_field_is_rejected() {
    let server = TestServer::start().await;
    let (kms, ciphertext) = sealed(&server).await;
    let failures = flip_every_byte(&kms, &ciphertext, &["account"]).await;
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn truncations_at_every_field_boundary_are_rejected() {
    let server = TestServer::start().await;
    let (kms, ciphertext) = sealed(&server).await;
    let len = ciphertext.len();
    // An empty blob breaks the model's length constraint (min 1) before any parsing.
    let empty = kms.decrypt().ciphertext_blob(blob(&[])).encryption_context(CONTEXT.0, CONTEXT.1).send().await;
    assert_eq!(empty.as_ref().map_err(code).err().as_deref(), Some("ValidationException"), "{empty:?}");
    let mut cuts: Vec<usize> = vec![1, 2, 10, 26, 58, 90, 102];
    cuts.extend(regions(len).iter().map(|(_, r)| r.start).filter(|&start| start > 0));
    cuts.extend([len - 16, len - 1]);
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts {
        let (code, message) = attempt(&kms, &ciphertext[..cut]).await;
        assert_eq!((code.as_str(), message.as_str()), ("InvalidCiphertextException", ""), "truncated to {cut}");
    }
    for extra in [0u8, 0xff] {
        let mut longer = ciphertext.clone();
        longer.push(extra);
        let (code, message) = attempt(&kms, &longer).await;
        assert_eq!((code.as_str(), message.as_str()), ("InvalidCiphertextException", ""), "appended {extra}");
    }
}

#[tokio::test]
async fn random_bytes_and_spliced_blobs_are_rejected() {
    let server = TestServer::start().await;
    let (kms, ciphertext) = sealed(&server).await;
    for len in [1, 117, 118, ciphertext.len(), 600] {
        let random = trent_crypto::random_vec(len).unwrap();
        let (code, message) = attempt(&kms, &random).await;
        assert_eq!((code.as_str(), message.as_str()), ("InvalidCiphertextException", ""), "{len} random bytes");
    }
    // A valid header followed by random body bytes, and the header of one blob with the
    // body of another: both fail authentication.
    let mut spliced = ciphertext[..102].to_vec();
    spliced.extend(trent_crypto::random_vec(ciphertext.len() - 102).unwrap());
    let (code, _) = attempt(&kms, &spliced).await;
    assert_eq!(code, "InvalidCiphertextException");
    let out = kms.encrypt().key_id(server.new_key().await).plaintext(blob(PLAINTEXT));
    let other = out.encryption_context(CONTEXT.0, CONTEXT.1).send().await.unwrap();
    let mut mixed = other.ciphertext_blob().unwrap().as_ref()[..102].to_vec();
    mixed.extend_from_slice(&ciphertext[102..]);
    let (code, _) = attempt(&kms, &mixed).await;
    assert_eq!(code, "InvalidCiphertextException");
}

#[tokio::test]
async fn naming_the_right_key_does_not_rescue_a_tampered_blob() {
    let server = TestServer::start().await;
    let (kms, ciphertext) = sealed(&server).await;
    let key_id = kms.decrypt().ciphertext_blob(blob(&ciphertext)).encryption_context(CONTEXT.0, CONTEXT.1).send();
    let key_arn = key_id.await.unwrap().key_id().unwrap().to_owned();
    for (name, range) in regions(ciphertext.len()).into_iter().filter(|(n, _)| !matches!(*n, "account" | "key id")) {
        let mut bytes = ciphertext.clone();
        bytes[range.start] ^= 0x80;
        let r = kms.decrypt().ciphertext_blob(blob(&bytes)).encryption_context(CONTEXT.0, CONTEXT.1).key_id(&key_arn);
        let r = r.send().await;
        assert_eq!(r.as_ref().map_err(code).err().as_deref(), Some("InvalidCiphertextException"), "{name}: {r:?}");
    }
}
