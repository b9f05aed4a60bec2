//! `ReEncrypt`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CiphertextInput, Kms};

use super::shapes::{algorithm, context, grant_tokens, key_id, opt_key_id};
use crate::AwsError;
use crate::json::{Blob, blob_length, de_blob, required};

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
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    ciphertext_blob: Blob,
    source_key_id: String,
    key_id: String,
    source_encryption_algorithm: &'static str,
    destination_encryption_algorithm: &'static str,
    source_key_material_id: String,
    destination_key_material_id: String,
}

names!(request(source_key_id, destination_key_id));

names!(response(source_key_id, key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let blob = required(req.ciphertext_blob, "ciphertextBlob")?;
    blob_length("ciphertextBlob", &blob, 1, 6144)?;
    let destination = key_id(req.destination_key_id, "destinationKeyId")?;
    let source = opt_key_id(req.source_key_id, "sourceKeyId")?;
    grant_tokens(&req.grant_tokens)?;
    let source_alg = algorithm("sourceEncryptionAlgorithm", req.source_encryption_algorithm.as_deref())?;
    let dest_alg = algorithm("destinationEncryptionAlgorithm", req.destination_encryption_algorithm.as_deref())?;
    let source_ctx = context("sourceEncryptionContext", req.source_encryption_context)?;
    let out = kms
        .re_encrypt(
            caller,
            CiphertextInput { blob: &blob, context: &source_ctx, key_id: source.as_deref(), algorithm: source_alg },
            &destination,
            &context("destinationEncryptionContext", req.destination_encryption_context)?,
            dest_alg,
            req.dry_run.unwrap_or(false),
        )
        .await?;
    Ok(Response {
        ciphertext_blob: Blob(out.ciphertext),
        source_key_id: out.source_key_arn,
        key_id: out.destination_key_arn,
        source_encryption_algorithm: "SYMMETRIC_DEFAULT",
        destination_encryption_algorithm: "SYMMETRIC_DEFAULT",
        source_key_material_id: out.source_material_id.to_hex(),
        destination_key_material_id: out.destination_material_id.to_hex(),
    })
}
