//! `GenerateDataKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{DataKeySize, DataKeySpec, Kms};
use trent_crypto::DataKey;

use super::shapes::{context, grant_tokens, key_id, no_recipient};
use crate::AwsError;
use crate::json::{Blob, SecretBlob, enum_value, opt_range};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    encryption_context: Option<BTreeMap<String, String>>,
    number_of_bytes: Option<i64>,
    key_spec: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    recipient: Option<serde_json::Value>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    ciphertext_blob: Blob,
    plaintext: SecretBlob<DataKey>,
    key_id: String,
    key_material_id: String,
}

/// The members `GenerateDataKey` and `GenerateDataKeyWithoutPlaintext` share, checked.
pub(super) fn data_key_spec(
    key_spec: Option<&str>,
    number_of_bytes: Option<i64>,
) -> Result<(Option<DataKeySpec>, Option<u32>), AwsError> {
    let spec = key_spec
        .map(|s| enum_value("keySpec", s, DataKeySpec::parse, DataKeySpec::ALL, DataKeySpec::as_str))
        .transpose()?;
    let n = opt_range("numberOfBytes", number_of_bytes, 1, trent_core::kms::MAX_RANDOM_BYTES.into())?;
    Ok((spec, n))
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let id = key_id(req.key_id, "keyId")?;
    grant_tokens(&req.grant_tokens)?;
    no_recipient(&req.recipient)?;
    let (spec, n) = data_key_spec(req.key_spec.as_deref(), req.number_of_bytes)?;
    let out = kms
        .generate_data_key(caller, &id, &context("encryptionContext", req.encryption_context)?, DataKeySize { spec, number_of_bytes: n }, true, req.dry_run.unwrap_or(false))
        .await?;
    let plaintext = out.plaintext.ok_or_else(AwsError::internal)?;
    Ok(Response {
        ciphertext_blob: Blob(out.ciphertext),
        plaintext: SecretBlob(plaintext),
        key_id: out.key_arn,
        key_material_id: out.material_id.to_hex(),
    })
}
