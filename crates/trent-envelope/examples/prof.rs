use std::sync::Arc;
use std::time::Instant;
use trent_crypto::KeyMaterial;
use trent_envelope::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let mib: usize = a[1].parse().unwrap();
    let suite = if a[2] == "0478" {
        &suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY
    } else {
        &suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
    };
    let mode = &a[3];
    let data = vec![7u8; mib << 20];
    let cmm = DefaultCmm::new(Arc::new(RawAesKeyring::new("n", "k", KeyMaterial::new(vec![3; 32])).unwrap()));
    let opts = EncryptOptions { suite: Some(suite), threads: 2, ..EncryptOptions::default() };
    let mut msg = Vec::with_capacity(data.len() + data.len() / 64);
    let t = Instant::now();
    encrypt_stream(&cmm, &opts, &mut data.as_slice(), &mut msg).unwrap();
    println!("enc {:.0} MB/s", data.len() as f64 / 1e6 / t.elapsed().as_secs_f64());
    if mode == "dec" {
        for _ in 0..3 {
            let mut out = Vec::with_capacity(data.len());
            let t = Instant::now();
            decrypt_stream(
                &cmm,
                &DecryptOptions { release: Release::Streaming, ..Default::default() },
                &mut msg.as_slice(),
                &mut out,
            )
            .unwrap();
            println!("dec {:.0} MB/s", data.len() as f64 / 1e6 / t.elapsed().as_secs_f64());
        }
    } else {
        for _ in 0..3 {
            msg.clear();
            let t = Instant::now();
            encrypt_stream(&cmm, &opts, &mut data.as_slice(), &mut msg).unwrap();
            println!("enc {:.0} MB/s", data.len() as f64 / 1e6 / t.elapsed().as_secs_f64());
        }
    }
}
