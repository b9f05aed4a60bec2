//! Throughput of the primitives (as aws-lc-rs, and with `--features openssl-sha384` the system
//! OpenSSL, run them here) and of the library from memory to memory:
//! `cargo run --release -p trent-envelope --features openssl-sha384 --example throughput [MiB]`.

use std::sync::Arc;
use std::time::Instant;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::digest::{Context, SHA384};
use trent_crypto::KeyMaterial;
use trent_envelope::{
    DecryptOptions, DefaultCmm, EncryptOptions, RawAesKeyring, Release, decrypt_stream, encrypt_stream, suites,
};

fn rate(label: &str, bytes: usize, started: Instant) {
    let s = started.elapsed().as_secs_f64();
    println!("{label:<44} {:>8.0} MB/s", bytes as f64 / 1e6 / s);
}

/// An empty vector whose capacity has been written once, so that the timings do not include
/// first touches of fresh memory (slow on VMs that hand free memory back to the host).
fn touched(capacity: usize) -> Vec<u8> {
    let mut v = vec![1u8; capacity];
    v.clear();
    v
}

fn main() {
    let mib: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(512);
    let data = vec![7u8; mib << 20];
    let t = Instant::now();
    let mut h = Context::new(&SHA384);
    for c in data.chunks(1 << 20) {
        h.update(c);
    }
    let _ = h.finish();
    rate("aws-lc SHA-384 (1 core)", data.len(), t);
    #[cfg(feature = "openssl-sha384")]
    {
        let t = Instant::now();
        let mut h = openssl::hash::Hasher::new(openssl::hash::MessageDigest::sha384()).unwrap();
        for c in data.chunks(1 << 20) {
            h.update(c).unwrap();
        }
        let _ = h.finish().unwrap();
        rate("OpenSSL SHA-384 (1 core, the message digest)", data.len(), t);
    }

    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[1u8; 32]).unwrap());
    let mut buf = data.clone();
    let t = Instant::now();
    for (i, c) in buf.chunks_mut(4096).enumerate() {
        let mut iv = [0u8; 12];
        iv[8..].copy_from_slice(&(i as u32).to_be_bytes());
        let _ = key.seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::from(&[0u8; 60][..]), c).unwrap();
    }
    rate("aws-lc AES-256-GCM, 4 KiB frames (1 core)", data.len(), t);

    let cmm = DefaultCmm::new(Arc::new(RawAesKeyring::new("n", "k", KeyMaterial::new(vec![3; 32])).unwrap()));
    for suite in [&suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, &suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY] {
        let threads: usize = std::env::var("THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
        let opts = EncryptOptions { suite: Some(suite), threads, ..EncryptOptions::default() };
        let mut msg = touched(data.len() + data.len() / 64);
        let t = Instant::now();
        encrypt_stream(&cmm, &opts, &mut data.as_slice(), &mut msg).unwrap();
        rate(&format!("encrypt {suite}, memory to memory"), data.len(), t);
        for release in [Release::Streaming, Release::AfterVerification] {
            let mut out = touched(data.len());
            let t = Instant::now();
            decrypt_stream(&cmm, &DecryptOptions { release, ..Default::default() }, &mut msg.as_slice(), &mut out)
                .unwrap();
            rate(&format!("decrypt {suite}, {release:?}"), data.len(), t);
            assert!(out == data);
        }
    }
}
