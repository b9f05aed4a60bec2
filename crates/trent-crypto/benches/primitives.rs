//! The primitives of the KMS cryptographic operations alone, single-threaded, through the
//! same calls the server makes: a [`PrivateKey`] parsed once from PKCS#8 (as the key cache
//! holds it) for `Sign`, `Verify`, `Decrypt`, `Encapsulate` and `Decapsulate`; [`hmac_tag`] for
//! `GenerateMac`; [`seal_symmetric`] for `Encrypt`. The message is 64 bytes, as in `trent bench`.
//!
//! It prints operations per second for each, of the thread's CPU time (as `openssl speed`
//! divides by its CPU user time) and of wall-clock time, to set beside `openssl speed` on the
//! same core (see BENCHMARKS.md, "The primitives alone: aws-lc-rs vs openssl speed"):
//!
//! ```sh
//! cargo bench -p trent-crypto --bench primitives --no-run
//! taskset -c 0 cargo bench -p trent-crypto --bench primitives -- --seconds 3 [NAME...]
//! ```
//!
//! A `NAME` keeps only the rows whose name contains it. It knows nothing of the server: no
//! request, no cache lookup, no audit record; only the primitive and the allocations the
//! crate's call makes around it.

use std::hint::black_box;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use trent_crypto::{
    EcCurve, EncryptionContext, KeyMaterial, KeyMaterialId, MacHash, MlDsaLevel, MlKemLevel, OaepHash, PrivateKey,
    PrivateKeyKind, SignatureHash, SignatureScheme, SignedInput, derive_material_id, generate_private_key, hmac_tag,
    random_array, seal_symmetric,
};

#[path = "support/timing.rs"]
mod timing;

use timing::{Args, Row, rate, row};

/// The message of every row: `trent bench`'s 64 bytes.
const MESSAGE: [u8; 64] = [0x5a; 64];

/// How long each row runs unless `--seconds` says otherwise (as `openssl speed -seconds 3`).
const DEFAULT_SECONDS: f64 = 3.0;

fn parsed(kind: PrivateKeyKind) -> PrivateKey {
    let der = generate_private_key(kind).expect("key generation");
    PrivateKey::from_pkcs8(kind, der.expose_secret()).expect("a generated key parses")
}

/// A signing row and its verifying row for `scheme` under `key`; the verify row checks a
/// signature made once here, as `trent bench`'s Verify ops do.
fn sign_and_verify<'a>(
    key: &'a PrivateKey,
    scheme: SignatureScheme,
    sign_name: &'static str,
    verify_name: &'static str,
) -> [Row<'a>; 2] {
    let sig = key.sign(scheme, SignedInput::Raw(&MESSAGE)).expect("sign");
    key.verify(scheme, SignedInput::Raw(&MESSAGE), &sig).expect("own signature verifies");
    [
        row(sign_name, move || {
            black_box(key.sign(scheme, SignedInput::Raw(black_box(&MESSAGE))).expect("sign"));
        }),
        row(verify_name, move || {
            key.verify(scheme, SignedInput::Raw(black_box(&MESSAGE)), black_box(&sig)).expect("verify");
        }),
    ]
}

fn main() {
    let args = Args::parse(DEFAULT_SECONDS);

    let rsa = parsed(PrivateKeyKind::Rsa { bits: 2048 });
    let p256 = parsed(PrivateKeyKind::Ec(EcCurve::P256));
    let ed25519 = parsed(PrivateKeyKind::Ed25519);
    let ml_dsa = parsed(PrivateKeyKind::MlDsa(MlDsaLevel::L65));
    let ml_kem = parsed(PrivateKeyKind::MlKem(MlKemLevel::L768));

    let oaep_ct = rsa.oaep_encrypt(OaepHash::Sha256, &MESSAGE).expect("OAEP encrypt");
    let (kem_ct, _) = ml_kem.encapsulate().expect("encapsulate");
    let hmac_key: [u8; 32] = random_array().expect("random");
    let material = KeyMaterial::from_slice(&random_array::<32>().expect("random"));
    let material_id: KeyMaterialId = derive_material_id(&material);
    let key_id: [u8; 16] = random_array().expect("random");
    let context = EncryptionContext::new();
    let aes_key: [u8; 32] = random_array().expect("random");
    let aes = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &aes_key).expect("AES key"));

    let mut rows = Vec::new();
    rows.extend(sign_and_verify(
        &rsa,
        SignatureScheme::RsaPss(SignatureHash::Sha256),
        "rsa2048 sign RSASSA_PSS_SHA_256",
        "rsa2048 verify RSASSA_PSS_SHA_256",
    ));
    let [pkcs1_sign, _] = sign_and_verify(
        &rsa,
        SignatureScheme::RsaPkcs1(SignatureHash::Sha256),
        "rsa2048 sign RSASSA_PKCS1_V1_5_SHA_256",
        "rsa2048 verify RSASSA_PKCS1_V1_5_SHA_256",
    );
    rows.push(pkcs1_sign);
    rows.push(row("rsa2048 decrypt RSAES_OAEP_SHA_256", || {
        black_box(rsa.oaep_decrypt(OaepHash::Sha256, black_box(&oaep_ct)).expect("OAEP decrypt"));
    }));
    rows.extend(sign_and_verify(
        &p256,
        SignatureScheme::Ecdsa(SignatureHash::Sha256),
        "p256 sign ECDSA_SHA_256",
        "p256 verify ECDSA_SHA_256",
    ));
    rows.extend(sign_and_verify(&ed25519, SignatureScheme::Ed25519, "ed25519 sign", "ed25519 verify"));
    rows.extend(sign_and_verify(&ml_dsa, SignatureScheme::MlDsa, "ml-dsa-65 sign", "ml-dsa-65 verify"));
    rows.push(row("ml-kem-768 encapsulate", || {
        black_box(ml_kem.encapsulate().expect("encapsulate"));
    }));
    rows.push(row("ml-kem-768 decapsulate", || {
        black_box(ml_kem.decapsulate(black_box(&kem_ct)).expect("decapsulate"));
    }));
    rows.push(row("hmac-sha256 GenerateMac 64 B", || {
        black_box(hmac_tag(MacHash::Sha256, black_box(&hmac_key), black_box(&MESSAGE)));
    }));
    rows.push(row("encrypt seal_symmetric 64 B (HKDF + AES-256-GCM)", || {
        let blob = seal_symmetric(7, key_id, material_id, &material, &context, black_box(&MESSAGE));
        black_box(blob.expect("seal"));
    }));
    let mut nonce_counter: u64 = 0;
    rows.push(row("aes-256-gcm seal 64 B alone (key set up once)", move || {
        nonce_counter += 1;
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&nonce_counter.to_be_bytes());
        let mut buf = MESSAGE;
        let tag = aes.seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf);
        black_box(&buf);
        black_box(tag.expect("seal").as_ref());
    }));

    println!("{:<52} {:>14} {:>10} {:>14}", "primitive (one thread)", "ops/s (CPU)", "µs/op", "ops/s (wall)");
    for mut r in rows {
        if !args.wants(r.name) {
            continue;
        }
        let rate = rate(args.seconds, &mut r.op);
        let per_second = rate.per_second();
        println!("{:<52} {:>14.0} {:>10.2} {:>14.0}", r.name, per_second, 1e6 / per_second, rate.wall);
    }
}
