//! `ReEncrypt`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CiphertextInput, EncryptionAlgorithm, KeyUsed, Kms};

use super::constraints::{CIPHERTEXT, KEY_ID};
use super::shapes::{algorithm, context, dry_run_modifiers, grant_tokens, issued_grant_tokens};
use crate::AwsError;
use crate::json::{Blob, Violations, de_blob};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    #[serde(default, deserialize_with = "de_blob")]
    #[serde(skip_serializing)]
    ciphertext_blob: Option<Vec<u8>>,
    source_encryption_context: Option<BTreeMap<String, String>>,
    source_key_id: Option<String>,
    destination_key_id: Option<String>,
    destination_encryption_context: Option<BTreeMap<String, String>>,
    source_encryption_algorithm: Option<String>,
    destination_encryption_algorithm: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
    dry_run_modifiers: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    ciphertext_blob: Blob,
    source_key_id: String,
    key_id: String,
    source_encryption_algorithm: &'static str,
    destination_encryption_algorithm: &'static str,
    /// Only for symmetric keys, as on AWS.
    #[serde(skip_serializing_if = "Option::is_none")]
    source_key_material_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination_key_material_id: Option<String>,
    /// The keys used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    source_used: Option<KeyUsed>,
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(source_key_id, destination_key_id));

names!(response(source_key_id, key_id; used source_used, used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let blob = v.required("ciphertextBlob", req.ciphertext_blob).unwrap_or_default();
    v.blob("ciphertextBlob", Some(blob.len()), CIPHERTEXT);
    let source_ctx = context(&mut v, "sourceEncryptionContext", req.source_encryption_context);
    v.text("sourceKeyId", req.source_key_id.as_deref(), KEY_ID);
    let destination = v.required_text("destinationKeyId", req.destination_key_id, KEY_ID);
    let dest_ctx = context(&mut v, "destinationEncryptionContext", req.destination_encryption_context);
    let source_alg = algorithm(&mut v, "sourceEncryptionAlgorithm", req.source_encryption_algorithm.as_deref());
    let dest_alg = algorithm(&mut v, "destinationEncryptionAlgorithm", req.destination_encryption_algorithm.as_deref());
    grant_tokens(&mut v, &req.grant_tokens);
    let dry_run = req.dry_run.unwrap_or(false);
    let modifiers = dry_run_modifiers(&mut v, req.dry_run_modifiers.as_deref(), dry_run);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    modifiers?;
    let source = CiphertextInput {
        blob: &blob,
        context: &source_ctx,
        key_id: req.source_key_id.as_deref(),
        algorithm: source_alg,
    };
    let out = kms.re_encrypt(caller, source, &destination, &dest_ctx, dest_alg, dry_run).await?;
    Ok(Response {
        ciphertext_blob: Blob(out.ciphertext),
        source_key_id: out.source_key_arn,
        key_id: out.destination_key_arn,
        source_used: Some(out.source_used),
        used: Some(out.destination_used),
        source_encryption_algorithm: out.source_algorithm.as_str(),
        destination_encryption_algorithm: out.destination_algorithm.as_str(),
        source_key_material_id: symmetric(out.source_algorithm).then(|| out.source_material_id.to_hex()),
        destination_key_material_id: symmetric(out.destination_algorithm)
            .then(|| out.destination_material_id.to_hex()),
    })
}

fn symmetric(algorithm: EncryptionAlgorithm) -> bool {
    algorithm == EncryptionAlgorithm::SymmetricDefault
}
