//! `Encrypt`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;
use trent_crypto::Plaintext;

use super::shapes::{algorithm, context, grant_tokens, key_id};
use crate::AwsError;
use crate::json::{Blob, blob_length, de_plaintext, required};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    #[serde(default, deserialize_with = "de_plaintext")]
    #[serde(skip_serializing)]
    plaintext: Option<Plaintext>,
    encryption_context: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    encryption_algorithm: Option<String>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    ciphertext_blob: Blob,
    key_id: String,
    encryption_algorithm: &'static str,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    let plaintext = required(req.plaintext, "plaintext")?;
    blob_length("plaintext", plaintext.expose_secret(), 1, trent_core::kms::MAX_PLAINTEXT)?;
    grant_tokens(&req.grant_tokens)?;
    let alg = algorithm("encryptionAlgorithm", req.encryption_algorithm.as_deref())?;
    let out = kms
        .encrypt(caller, &id, &plaintext, &context("encryptionContext", req.encryption_context)?, alg, req.dry_run.unwrap_or(false))
        .await?;
    Ok(Response {
        ciphertext_blob: Blob(out.ciphertext),
        key_id: out.key_arn,
        encryption_algorithm: "SYMMETRIC_DEFAULT",
    })
}
