//! Encrypt-then-decrypt in process: every suite, the frame-boundary sizes, the keyrings,
//! the required-encryption-context manager, both release modes, the parallel pipeline.

mod common;

use std::sync::Arc;

use trent_crypto::KeyMaterial;
use trent_envelope::{
    ALL_SUITES, CommitmentPolicy, DecryptOptions, DefaultCmm, EncryptOptions, EncryptionContext, Error, Keyring,
    MultiKeyring, RawAesKeyring, RawRsaKeyring, Release, RequiredContextCmm, RsaPadding, decrypt, decrypt_stream,
    encrypt, encrypt_stream, read_message_header,
};

fn aes(name: &str, len: usize) -> Arc<dyn Keyring> {
    Arc::new(RawAesKeyring::new("ns", name, KeyMaterial::new(vec![7u8; len])).unwrap())
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + i / 251) as u8).collect()
}

#[test]
fn every_suite_and_frame_boundary_round_trips() {
    let cmm = DefaultCmm::new(aes("k", 32));
    for suite in ALL_SUITES {
        let policy = if suite.is_committing() {
            CommitmentPolicy::RequireEncryptRequireDecrypt
        } else {
            CommitmentPolicy::ForbidEncryptAllowDecrypt
        };
        for len in [0usize, 1, 63, 64, 65, 128, 640, 1000] {
            let opts = EncryptOptions {
                suite: Some(suite),
                frame_length: 64,
                commitment_policy: policy,
                context: ctx(&[("purpose", "test")]),
                ..EncryptOptions::default()
            };
            let plain = pattern(len);
            let msg = encrypt(&cmm, &opts, &plain).unwrap();
            let header = read_message_header(&mut msg.as_slice(), None).unwrap();
            assert_eq!(header.version, suite.message_version);
            assert_eq!(header.suite.id, suite.id);
            let dopts = DecryptOptions {
                commitment_policy: CommitmentPolicy::RequireEncryptAllowDecrypt,
                ..Default::default()
            };
            let (out, info) = decrypt(&cmm, &dopts, &msg).unwrap_or_else(|e| panic!("{suite} {len}: {e:?}"));
            assert_eq!(out.expose_secret(), plain, "{suite} {len}");
            assert_eq!(info.context.get("purpose").map(String::as_str), Some("test"));
            assert_eq!(info.context.contains_key("aws-crypto-public-key"), suite.is_signed());
            assert_eq!(info.message_bytes, msg.len() as u64);
        }
    }
}

#[test]
fn an_exactly_full_last_frame_is_followed_by_an_empty_final_frame() {
    let cmm = DefaultCmm::new(aes("k", 16));
    let opts = EncryptOptions {
        suite: Some(&trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY),
        frame_length: 100,
        ..EncryptOptions::default()
    };
    let msg = encrypt(&cmm, &opts, &pattern(200)).unwrap();
    let header = read_message_header(&mut msg.as_slice(), None).unwrap();
    let header_len = header.body_bytes.len() + 16;
    let regular = 4 + 12 + 100 + 16;
    let final_frame = 4 + 4 + 12 + 4 + 16;
    assert_eq!(msg.len(), header_len + 2 * regular + final_frame);
    let tail = &msg[header_len + 2 * regular..];
    assert_eq!(&tail[..8], &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3]);
    assert_eq!(&tail[20..24], &[0, 0, 0, 0], "final frame content length 0");
}

#[test]
fn raw_rsa_paddings_and_multi_keyrings_round_trip() {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    for padding in [
        RsaPadding::Pkcs1,
        RsaPadding::OaepSha1,
        RsaPadding::OaepSha256,
        RsaPadding::OaepSha384,
        RsaPadding::OaepSha512,
    ] {
        let rsa: Arc<dyn Keyring> =
            Arc::new(RawRsaKeyring::new("ns", "rsa", padding, None, Some(pkcs8.as_ref())).unwrap());
        let multi = Arc::new(MultiKeyring::new(Some(aes("a", 24)), vec![rsa.clone()]).unwrap());
        let msg = encrypt(&DefaultCmm::new(multi), &EncryptOptions::default(), b"hello rsa").unwrap();
        let header = read_message_header(&mut msg.as_slice(), None).unwrap();
        assert_eq!(header.edks.len(), 2);
        let (out, _) = decrypt(&DefaultCmm::new(rsa), &DecryptOptions::default(), &msg).unwrap();
        assert_eq!(out.expose_secret(), b"hello rsa", "{padding:?}");
    }
}

#[test]
fn required_context_keys_are_authenticated_but_not_stored() {
    let base = Arc::new(DefaultCmm::new(aes("k", 32)));
    let cmm = RequiredContextCmm::new(base.clone(), vec!["tenant".into()]);
    let opts = EncryptOptions { context: ctx(&[("tenant", "acme"), ("app", "x")]), ..EncryptOptions::default() };
    assert!(matches!(
        encrypt(&cmm, &EncryptOptions::default(), b"x"),
        Err(Error::MissingRequiredContextKey(k)) if k == "tenant"
    ));
    let msg = encrypt(&cmm, &opts, b"secret").unwrap();
    let header = read_message_header(&mut msg.as_slice(), None).unwrap();
    assert!(!header.stored_context.contains_key("tenant") && header.stored_context.contains_key("app"));
    let right = DecryptOptions { reproduced_context: Some(ctx(&[("tenant", "acme")])), ..Default::default() };
    assert_eq!(decrypt(&cmm, &right, &msg).unwrap().0.expose_secret(), b"secret");
    assert_eq!(decrypt(&*base, &right, &msg).unwrap().0.expose_secret(), b"secret");
    let wrong = DecryptOptions { reproduced_context: Some(ctx(&[("tenant", "evil")])), ..Default::default() };
    assert!(decrypt(&*base, &wrong, &msg).is_err());
    assert!(matches!(decrypt(&cmm, &DecryptOptions::default(), &msg), Err(Error::MissingRequiredContextKey(_))));
    assert!(decrypt(&*base, &DecryptOptions::default(), &msg).is_err(), "without the pair the header tag fails");
}

#[test]
fn large_messages_stream_through_the_parallel_pipeline_in_both_release_modes() {
    let cmm = DefaultCmm::new(aes("k", 32));
    let plain = pattern(5 * 1024 * 1024 + 17);
    for suite in [
        &trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        &trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ] {
        let opts = EncryptOptions { suite: Some(suite), threads: 3, ..EncryptOptions::default() };
        let mut msg = Vec::new();
        let info = encrypt_stream(&cmm, &opts, &mut plain.as_slice(), &mut msg).unwrap();
        assert_eq!(info.plaintext_bytes, plain.len() as u64);
        let single = encrypt(&cmm, &EncryptOptions { threads: 1, ..opts.clone() }, &plain).unwrap();
        // Same layout with one thread (an ECDSA signature's DER length varies by a byte or two).
        assert!(single.len().abs_diff(msg.len()) <= 2 * usize::from(suite.is_signed()), "{suite}");
        for release in [Release::AfterVerification, Release::Streaming] {
            let mut out = Vec::new();
            let d = DecryptOptions { release, threads: 2, ..Default::default() };
            decrypt_stream(&cmm, &d, &mut msg.as_slice(), &mut out).unwrap();
            assert!(out == plain, "{suite} {release:?}");
        }
    }
}

#[test]
fn announced_plaintext_length_is_enforced() {
    let cmm = DefaultCmm::new(aes("k", 32));
    let opts = EncryptOptions { plaintext_length: Some(10), ..EncryptOptions::default() };
    let mut sink = Vec::new();
    assert!(matches!(encrypt_stream(&cmm, &opts, &mut &b"0123456789ab"[..], &mut sink), Err(Error::PlaintextLength)));
    let mut sink = Vec::new();
    assert!(matches!(encrypt_stream(&cmm, &opts, &mut &b"01234"[..], &mut sink), Err(Error::PlaintextLength)));
}

#[test]
fn frame_length_limits() {
    let cmm = DefaultCmm::new(aes("k", 32));
    for bad in [0u32, 1 << 31] {
        let opts = EncryptOptions { frame_length: bad, ..EncryptOptions::default() };
        assert!(matches!(encrypt(&cmm, &opts, b"x"), Err(Error::Config(_))), "{bad}");
    }
    let opts = EncryptOptions { frame_length: trent_envelope::MAX_FRAME_LENGTH, ..EncryptOptions::default() };
    let msg = encrypt(&cmm, &opts, b"fits in one frame").unwrap();
    assert_eq!(decrypt(&cmm, &DecryptOptions::default(), &msg).unwrap().0.expose_secret(), b"fits in one frame");
}

/// Hands out the bytes in reads of 1, 2, ... 4999 bytes, round and round, as a pipe might.
struct Trickle<'a> {
    data: &'a [u8],
    next: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.next = self.next % 4999 + 1;
        let n = buf.len().min(self.next).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Guards the bulk reads of the pipeline (several frames per read, the bytes after a batch's
/// last frame carried into the next batch, the footer read after the body): short reads
/// anywhere, a frame length that does not divide the batch, and one extra byte after a
/// message of many batches.
#[test]
fn short_reads_and_trailing_bytes_across_batches() {
    let cmm = DefaultCmm::new(aes("k", 32));
    let plain = pattern(3 * 1024 * 1024 + 4321);
    for suite in [
        &trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        &trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ] {
        let opts = EncryptOptions { suite: Some(suite), frame_length: 1000, threads: 2, ..EncryptOptions::default() };
        let mut msg = Vec::new();
        encrypt_stream(&cmm, &opts, &mut Trickle { data: &plain, next: 0 }, &mut msg).unwrap();
        assert_eq!(decrypt(&cmm, &DecryptOptions::default(), &msg).unwrap().0.expose_secret(), plain, "{suite}");
        for (release, threads) in [(Release::AfterVerification, 2), (Release::Streaming, 2), (Release::Streaming, 1)] {
            let d = DecryptOptions { release, threads, ..Default::default() };
            let mut out = Vec::new();
            let info = decrypt_stream(&cmm, &d, &mut Trickle { data: &msg, next: 0 }, &mut out).unwrap();
            assert!(out == plain, "{suite} {release:?} {threads}");
            assert_eq!(info.message_bytes, msg.len() as u64);
            let mut longer = msg.clone();
            longer.push(0);
            let r = decrypt_stream(&cmm, &d, &mut Trickle { data: &longer, next: 0 }, &mut Vec::new());
            assert!(matches!(r, Err(Error::TrailingData)), "{suite} {release:?} {threads}: {r:?}");
        }
    }
}
