//! The fuzz targets of Trent, one plain function per parser that reads bytes from outside:
//! the SigV4 `Authorization` header and presigned query ([`sigv4`]), the awsJson request
//! bodies of every served operation ([`aws_json`]), the awsQuery form ([`aws_query_form`]), the KMS ciphertext blob ([`kms_blob`]), the Encryption SDK message
//! header ([`esdk_header`]), policy documents ([`policy`]) and seed files ([`seed`]).
//!
//! Each target takes arbitrary bytes, must never panic, hang or allocate out of proportion to
//! its input, and returns whether the input was accepted all the way (parsed, and where there
//! is something to check, verified or decrypted). The return value lets the corpus test check
//! that each target's seeds reach past the first parse; libFuzzer ignores it.
//!
//! Two runners share these functions: the cargo-fuzz crate in `fuzz/` (libFuzzer, with
//! AddressSanitizer, see `scripts/fuzz.sh`), and this crate's `tests/corpus.rs`, which replays
//! every committed file under `fuzz/corpus/` through every target on `cargo test`.

mod http_text;
mod sigv4_target;

use std::path::Path;

pub use sigv4_target::sigv4;

/// A fuzz target: arbitrary bytes in, whether they were accepted out.
pub type Target = fn(&[u8]) -> bool;

/// Every target by name; the name is the binary in `fuzz/fuzz_targets/` and the corpus folder
/// in `fuzz/corpus/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("sigv4", sigv4),
    ("aws_json", aws_json),
    ("aws_query_form", aws_query_form),
    ("kms_blob", kms_blob),
    ("esdk_header", esdk_header),
    ("policy", policy),
    ("seed", seed),
];

/// The awsJson request decoders of every served operation (`trent_wire::decode_json_request`).
/// The input is an `X-Amz-Target` value, a newline, and the body: the first line picks the
/// service and operation, as the header does on the wire, so that libFuzzer mutates both.
pub fn aws_json(data: &[u8]) -> bool {
    let (target, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(target) = std::str::from_utf8(target) else {
        return false;
    };
    matches!(trent_wire::decode_json_request(target, body), Some(Ok(())))
}

/// The awsQuery form parser (`Params::parse`) and the readers of its flattened members.
pub fn aws_query_form(data: &[u8]) -> bool {
    let Ok(params) = trent_wire::query::Params::parse(data) else {
        return false;
    };
    let _ = params.to_json();
    let _ = (params.action(), params.version(), params.int("MaxItems", "maxItems"));
    for name in ["Names", "Tags", "Attributes", "PolicyArns"] {
        let _ = (params.list(name), params.structs(name), params.map(name));
    }
    true
}

/// The material the `kms_blob` seeds were sealed under (32 bytes of `0x42`), with an empty
/// encryption context: a seed decrypts, a mutation must fail cleanly.
pub const BLOB_MATERIAL: [u8; 32] = [0x42; 32];

/// The KMS ciphertext blob: its header parser, then decryption under [`BLOB_MATERIAL`].
pub fn kms_blob(data: &[u8]) -> bool {
    if trent_crypto::parse_blob(data).is_err() {
        return false;
    }
    let material = trent_crypto::KeyMaterial::new(BLOB_MATERIAL.to_vec());
    trent_crypto::open_symmetric(&material, &trent_crypto::EncryptionContext::new(), data).is_ok()
}

/// The most encrypted data keys the header target accepts, as a decrypting caller would bound
/// them; the parser must refuse more before allocating for them.
const MAX_ENCRYPTED_DATA_KEYS: usize = 16;

/// The Encryption SDK message header parser, and the encryption context parser on the raw bytes.
pub fn esdk_header(data: &[u8]) -> bool {
    let _ = trent_envelope::parse_context(data);
    let unbounded = trent_envelope::read_message_header(&mut &data[..], None);
    let bounded = trent_envelope::read_message_header(&mut &data[..], Some(MAX_ENCRYPTED_DATA_KEYS));
    assert!(
        bounded.is_err() || unbounded.is_ok(),
        "a header accepted with a bound on its data keys is accepted without one"
    );
    unbounded.is_ok()
}

/// The policy document parser, as each kind of policy.
pub fn policy(data: &[u8]) -> bool {
    use trent_core::policy::{Policy, PolicyKind};
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let kinds = [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Trust, PolicyKind::Session];
    // Every kind is parsed, not only up to the first that accepts.
    kinds.map(|kind| Policy::parse(text, kind).is_ok()).contains(&true)
}

/// The seed file parser, as YAML and as TOML.
pub fn seed(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let yaml = trent_server::seed::parse(Path::new("fuzz.yaml"), text).is_ok();
    let toml = trent_server::seed::parse(Path::new("fuzz.toml"), text).is_ok();
    yaml || toml
}
