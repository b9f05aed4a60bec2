//! `trent kms import-key-material`: the importer's side of imported key material, done locally
//! as AWS's developer guide does it by hand with `openssl`: fetch a wrapping public key and an
//! import token (`GetParametersForImport`), wrap the material on this machine, send it
//! (`ImportKeyMaterial`). The material never leaves this process unwrapped.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use serde_json::{Value, json};
use trent_client::JsonClient;
use trent_crypto::{ImportWrapping, OaepHash, wrap_for_import};

/// What to import, and how to wrap it.
#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The key (origin EXTERNAL): key id or key ARN.
    #[arg(long)]
    key_id: String,
    /// The key material: 32 raw bytes (SYMMETRIC_DEFAULT), the HMAC key, or a PKCS#8 DER
    /// private key (asymmetric keys).
    #[arg(long)]
    material_file: PathBuf,
    /// RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256
    /// (needed for private keys, which are longer than one RSA block).
    #[arg(long, default_value = "RSA_AES_KEY_WRAP_SHA_256")]
    wrapping_algorithm: String,
    /// RSA_2048, RSA_3072 or RSA_4096.
    #[arg(long, default_value = "RSA_4096")]
    wrapping_key_spec: String,
    /// When the material expires (RFC 3339); without it the material does not expire.
    #[arg(long)]
    valid_to: Option<String>,
    /// NEW_KEY_MATERIAL (material for the key's next RotateKeyOnDemand, symmetric keys) or
    /// EXISTING_KEY_MATERIAL (material the key had); by default the server decides: new for a
    /// key that never had material, existing after.
    #[arg(long)]
    import_type: Option<String>,
    /// The id the material must have (64 hexadecimal digits; with EXISTING_KEY_MATERIAL).
    #[arg(long)]
    key_material_id: Option<String>,
    /// A description of this material, shown by list-key-rotations (symmetric keys).
    #[arg(long)]
    key_material_description: Option<String>,
}

/// How long one `GetParametersForImport` attempt may take: the server generates an RSA
/// wrapping key pair, and an RSA_4096 generation has a long random tail (measured here: 4 to
/// 19 seconds in a debug build on a loaded machine), past the client's usual 30 seconds; a
/// retry after a timeout would only start a second generation beside the first.
const WRAPPING_KEY_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

fn scheme(algorithm: &str) -> Result<ImportWrapping, String> {
    Ok(match algorithm {
        "RSAES_OAEP_SHA_1" => ImportWrapping::Oaep(OaepHash::Sha1),
        "RSAES_OAEP_SHA_256" => ImportWrapping::Oaep(OaepHash::Sha256),
        "RSA_AES_KEY_WRAP_SHA_1" => ImportWrapping::RsaAesKeyWrap(OaepHash::Sha1),
        "RSA_AES_KEY_WRAP_SHA_256" => ImportWrapping::RsaAesKeyWrap(OaepHash::Sha256),
        other => return Err(format!("wrapping algorithm {other} is not one this command can wrap with")),
    })
}

/// Runs the three steps; the `ImportKeyMaterial` answer.
pub(crate) async fn import(client: &JsonClient, args: ImportArgs) -> Result<Value, Box<dyn std::error::Error>> {
    let scheme = scheme(&args.wrapping_algorithm)?;
    let material = zeroize::Zeroizing::new(
        std::fs::read(&args.material_file).map_err(|e| format!("{}: {e}", args.material_file.display()))?,
    );
    let expiry = match &args.valid_to {
        Some(t) => {
            let t = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|e| format!("--valid-to {t}: {e}"))?;
            json!({ "ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": t.unix_timestamp() })
        }
        None => json!({ "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE" }),
    };
    let params = client
        .call_with_attempt_timeout(
            "GetParametersForImport",
            &json!({ "KeyId": args.key_id, "WrappingAlgorithm": args.wrapping_algorithm,
                     "WrappingKeySpec": args.wrapping_key_spec }),
            WRAPPING_KEY_ATTEMPT_TIMEOUT,
        )
        .await?;
    let field = |name: &str| -> Result<Vec<u8>, String> {
        let text = params.get(name).and_then(Value::as_str).ok_or_else(|| format!("the answer has no {name}"))?;
        STANDARD.decode(text).map_err(|e| format!("{name}: {e}"))
    };
    let wrapped = wrap_for_import(&field("PublicKey")?, scheme, &material)
        .map_err(|e| format!("wrapping the material: {e} (a private key needs an RSA_AES_KEY_WRAP algorithm)"))?;
    let mut body = json!({
        "KeyId": args.key_id,
        "ImportToken": STANDARD.encode(field("ImportToken")?),
        "EncryptedKeyMaterial": STANDARD.encode(wrapped),
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), expiry.as_object()) {
        b.extend(e.clone());
        let optional = [
            ("ImportType", args.import_type),
            ("KeyMaterialId", args.key_material_id),
            ("KeyMaterialDescription", args.key_material_description),
        ];
        b.extend(optional.into_iter().filter_map(|(name, value)| Some((name.to_owned(), Value::String(value?)))));
    }
    Ok(client.call("ImportKeyMaterial", &body).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rsa_wrapping_algorithm_has_a_scheme_and_others_are_refused() {
        for a in ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"] {
            assert!(scheme(a).is_ok(), "{a}");
        }
        assert!(scheme("RSAES_PKCS1_V1_5").is_err());
        assert!(scheme("SM2PKE").is_err());
    }
}
