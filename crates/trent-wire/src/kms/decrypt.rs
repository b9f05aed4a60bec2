//! `Decrypt`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CiphertextInput, Kms};
use trent_crypto::Plaintext;

use super::shapes::{algorithm, context, grant_tokens, no_recipient, opt_key_id};
use crate::AwsError;
use crate::json::{SecretBlob, blob_length, de_blob, required};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    #[serde(default, deserialize_with = "de_blob")]
    #[serde(skip_serializing)]
    ciphertext_blob: Option<Vec<u8>>,
    encryption_context: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    key_id: Option<String>,
    encryption_algorithm: Option<String>,
    recipient: Option<serde_json::Value>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    plaintext: SecretBlob<Plaintext>,
    encryption_algorithm: &'static str,
    key_material_id: String,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let blob = required(req.ciphertext_blob, "ciphertextBlob")?;
    blob_length("ciphertextBlob", &blob, 1, 6144)?;
    let key_id = opt_key_id(req.key_id, "keyId")?;
    grant_tokens(&req.grant_tokens)?;
    no_recipient(&req.recipient)?;
    let alg = algorithm("encryptionAlgorithm", req.encryption_algorithm.as_deref())?;
    let ctx = context("encryptionContext", req.encryption_context)?;
    let out = kms
        .decrypt(
            caller,
            CiphertextInput { blob: &blob, context: &ctx, key_id: key_id.as_deref(), algorithm: alg },
            req.dry_run.unwrap_or(false),
        )
        .await?;
    Ok(Response {
        key_id: out.key_arn,
        plaintext: SecretBlob(out.plaintext),
        encryption_algorithm: "SYMMETRIC_DEFAULT",
        key_material_id: out.material_id.to_hex(),
    })
}
