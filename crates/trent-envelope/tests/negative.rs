//! Damaged and mismatched messages: every truncation point, every flipped bit of a small
//! message, a wrong encryption context, another key, too many encrypted data keys, a
//! commitment that does not match. Each fails with an error and releases no plaintext.

mod common;

use std::sync::Arc;

use trent_crypto::KeyMaterial;
use trent_envelope::{
    CommitmentPolicy, DecryptOptions, DefaultCmm, EncryptOptions, EncryptionContext, Error, Keyring, MultiKeyring,
    RawAesKeyring, Release, decrypt, decrypt_stream, encrypt, read_message_header, suites,
};

fn aes(name: &str, byte: u8) -> Arc<dyn Keyring> {
    Arc::new(RawAesKeyring::new("ns", name, KeyMaterial::new(vec![byte; 32])).unwrap())
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// Decrypts through the streaming API (release after verification) and returns the
/// result and everything written to the output.
fn stream(cmm: &DefaultCmm, message: &[u8], opts: &DecryptOptions) -> (trent_envelope::Result<()>, Vec<u8>) {
    let mut out = Vec::new();
    let r = decrypt_stream(cmm, opts, &mut &*message, &mut out).map(|_| ());
    (r, out)
}

fn small_message(suite: &'static trent_envelope::AlgorithmSuite, frame_length: u32) -> (DefaultCmm, Vec<u8>) {
    let cmm = DefaultCmm::new(aes("k", 1));
    let commitment_policy =
        if suite.is_committing() { CommitmentPolicy::default() } else { CommitmentPolicy::ForbidEncryptAllowDecrypt };
    let opts = EncryptOptions {
        suite: Some(suite),
        frame_length,
        context: ctx(&[("a", "b")]),
        commitment_policy,
        ..EncryptOptions::default()
    };
    let msg = encrypt(&cmm, &opts, b"a small secret of forty-two bytes, or so!!").unwrap();
    (cmm, msg)
}

#[test]
fn every_truncation_point_fails_without_releasing_plaintext() {
    for (suite, frame) in [
        (&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, 16),
        (&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY, 4096),
    ] {
        let (cmm, msg) = small_message(suite, frame);
        let opts = DecryptOptions::default();
        assert!(stream(&cmm, &msg, &opts).0.is_ok());
        for cut in 0..msg.len() {
            let (r, out) = stream(&cmm, &msg[..cut], &opts);
            assert!(r.is_err(), "{suite}: cut at {cut} of {} decrypted", msg.len());
            assert!(out.is_empty(), "{suite}: cut at {cut} released {} bytes", out.len());
            assert!(decrypt(&cmm, &opts, &msg[..cut]).is_err());
        }
        let mut longer = msg.clone();
        longer.push(0);
        assert!(matches!(stream(&cmm, &longer, &opts).0, Err(Error::TrailingData)));
    }
}

#[test]
fn every_flipped_bit_fails_without_releasing_plaintext() {
    for (suite, frame) in [
        (&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, 16),
        (&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY, 4096),
        (&suites::AES_128_GCM_HKDF_SHA256, 4096),
    ] {
        let (cmm, msg) = small_message(suite, frame);
        let opts =
            DecryptOptions { commitment_policy: CommitmentPolicy::RequireEncryptAllowDecrypt, ..Default::default() };
        let mut flipped = msg.clone();
        for byte in 0..msg.len() {
            for bit in 0..8 {
                flipped[byte] ^= 1 << bit;
                let (r, out) = stream(&cmm, &flipped, &opts);
                assert!(r.is_err(), "{suite}: flipping bit {bit} of byte {byte} went unnoticed");
                assert!(out.is_empty(), "{suite}: flipping bit {bit} of byte {byte} released plaintext");
                flipped[byte] ^= 1 << bit;
            }
        }
    }
}

#[test]
fn a_wrong_encryption_context_fails() {
    let (cmm, msg) = small_message(&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, 4096);
    let wrong = DecryptOptions { reproduced_context: Some(ctx(&[("a", "c")])), ..Default::default() };
    assert!(
        matches!(stream(&cmm, &msg, &wrong), (Err(Error::ContextMismatch(k)), ref out) if k == "a" && out.is_empty())
    );
    let extra = DecryptOptions { reproduced_context: Some(ctx(&[("a", "b"), ("x", "y")])), ..Default::default() };
    // The raw AES keyring binds the whole context, so the extra pair fails there already.
    assert!(matches!(
        stream(&cmm, &msg, &extra),
        (Err(Error::NoDecryptableKey { .. } | Error::HeaderAuthentication), ref out) if out.is_empty()
    ));
    let right = DecryptOptions { reproduced_context: Some(ctx(&[("a", "b")])), ..Default::default() };
    assert!(stream(&cmm, &msg, &right).0.is_ok());
}

#[test]
fn a_message_for_another_key_fails() {
    let (_, msg) = small_message(&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, 4096);
    for other in [DefaultCmm::new(aes("k", 2)), DefaultCmm::new(aes("other-name", 1))] {
        let (r, out) = stream(&other, &msg, &DecryptOptions::default());
        assert!(matches!(r, Err(Error::NoDecryptableKey { edks: 1, .. })), "{r:?}");
        assert!(out.is_empty());
    }
}

#[test]
fn too_many_encrypted_data_keys_fail_both_ways() {
    let multi = Arc::new(MultiKeyring::new(Some(aes("a", 1)), vec![aes("b", 2), aes("c", 3)]).unwrap());
    let cmm = DefaultCmm::new(multi);
    let limited = EncryptOptions { max_encrypted_data_keys: Some(2), ..EncryptOptions::default() };
    assert!(matches!(encrypt(&cmm, &limited, b"x"), Err(Error::TooManyEncryptedDataKeys { count: 3, max: 2 })));
    let msg =
        encrypt(&cmm, &EncryptOptions { max_encrypted_data_keys: Some(3), ..EncryptOptions::default() }, b"x").unwrap();
    let opts = DecryptOptions { max_encrypted_data_keys: Some(2), ..Default::default() };
    let (r, out) = stream(&cmm, &msg, &opts);
    assert!(matches!(r, Err(Error::TooManyEncryptedDataKeys { count: 3, max: 2 })), "{r:?}");
    assert!(out.is_empty());
    assert!(stream(&cmm, &msg, &DecryptOptions { max_encrypted_data_keys: Some(3), ..Default::default() }).0.is_ok());
}

#[test]
fn a_commitment_that_does_not_match_fails_before_the_header_tag() {
    let (cmm, mut msg) = small_message(&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY, 4096);
    let header = read_message_header(&mut msg.as_slice(), None).unwrap();
    let at = header.body_bytes.len() - 1;
    msg[at] ^= 0x80;
    let (r, out) = stream(&cmm, &msg, &DecryptOptions::default());
    assert!(matches!(r, Err(Error::CommitmentMismatch)), "{r:?}");
    assert!(out.is_empty());
}

#[test]
fn non_committing_messages_need_a_permissive_policy() {
    let (cmm, msg) = small_message(&suites::AES_256_GCM_HKDF_SHA384_ECDSA_P384, 4096);
    let (r, out) = stream(&cmm, &msg, &DecryptOptions::default());
    assert!(matches!(r, Err(Error::CommitmentPolicy { suite: 0x0378, .. })), "{r:?}");
    assert!(out.is_empty());
    let forbid = EncryptOptions {
        suite: Some(&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY),
        commitment_policy: CommitmentPolicy::ForbidEncryptAllowDecrypt,
        ..EncryptOptions::default()
    };
    assert!(matches!(encrypt(&cmm, &forbid, b"x"), Err(Error::CommitmentPolicy { .. })));
}

#[test]
fn a_signed_message_with_a_forged_last_frame_releases_nothing_unless_streaming() {
    // Many frames: with release after verification nothing comes out of a damaged message;
    // with streaming release the frames before the damage do, as the caller asked.
    let cmm = DefaultCmm::new(aes("k", 1));
    let opts = EncryptOptions { frame_length: 65536, ..EncryptOptions::default() };
    let mut msg = encrypt(&cmm, &opts, &vec![5u8; 65536 * 40]).unwrap();
    let n = msg.len();
    msg[n - 1000] ^= 1;
    let (r, out) = stream(&cmm, &msg, &DecryptOptions::default());
    assert!(r.is_err() && out.is_empty());
    let streaming = DecryptOptions { release: Release::Streaming, threads: 1, ..Default::default() };
    let (r, out) = stream(&cmm, &msg, &streaming);
    assert!(r.is_err() && !out.is_empty());
}

#[test]
fn reserved_context_keys_are_refused() {
    let cmm = DefaultCmm::new(aes("k", 1));
    let opts = EncryptOptions { context: ctx(&[("aws-crypto-public-key", "x")]), ..EncryptOptions::default() };
    assert!(matches!(encrypt(&cmm, &opts, b"x"), Err(Error::ReservedContextKey(_))));
}

#[test]
fn random_damage_never_panics_and_never_decrypts() {
    // A cheap stand-in for a fuzzer: splices, overwrites and random lengths of a valid message.
    let (cmm, msg) = small_message(&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, 16);
    let random = trent_crypto::random_vec(4 * 20_000).unwrap();
    for chunk in random.chunks(4) {
        let (a, b, c) = (usize::from(chunk[0]), usize::from(chunk[1]), chunk[2]);
        let mut damaged = msg.clone();
        match chunk[3] % 4 {
            0 => damaged[a % msg.len()] = c,
            1 => damaged.truncate(a * msg.len() / 256),
            2 => damaged.splice(a % msg.len()..(a % msg.len() + b % 8).min(msg.len()), [c; 3]).for_each(drop),
            _ => damaged = random[a..a + b].to_vec(),
        }
        if damaged == msg {
            continue;
        }
        let (r, out) = stream(&cmm, &damaged, &DecryptOptions::default());
        assert!(r.is_err() && out.is_empty(), "damage {chunk:?} went unnoticed");
        let _ = read_message_header(&mut damaged.as_slice(), Some(3));
    }
}
