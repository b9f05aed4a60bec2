//! `GenerateDataKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{DataKeySize, DataKeySpec, KeyUsed, Kms};
use trent_crypto::DataKey;

use super::constraints::{KEY_ID, NUMBER_OF_BYTES};
use super::shapes::{RecipientShape, context, grant_tokens, issued_grant_tokens, no_recipient, recipient};
use crate::AwsError;
use crate::json::{Blob, SecretBlob, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    encryption_context: Option<BTreeMap<String, String>>,
    number_of_bytes: Option<i64>,
    key_spec: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    recipient: Option<RecipientShape>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    ciphertext_blob: Blob,
    plaintext: SecretBlob<DataKey>,
    key_id: String,
    key_material_id: String,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

/// `KeySpec` of `GenerateDataKey` and `GenerateDataKeyWithoutPlaintext`.
pub(super) fn data_key_spec(v: &mut Violations, key_spec: Option<&str>) -> Option<DataKeySpec> {
    v.choice("keySpec", key_spec, DataKeySpec::ALL, DataKeySpec::as_str)
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let ctx = context(&mut v, "encryptionContext", req.encryption_context);
    let number_of_bytes = v.range("numberOfBytes", req.number_of_bytes, NUMBER_OF_BYTES);
    let spec = data_key_spec(&mut v, req.key_spec.as_deref());
    grant_tokens(&mut v, &req.grant_tokens);
    recipient(&mut v, &req.recipient);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    no_recipient(&req.recipient)?;
    let size = DataKeySize { spec, number_of_bytes };
    let out = kms.generate_data_key(caller, &id, &ctx, size, true, req.dry_run.unwrap_or(false)).await?;
    let plaintext = out.plaintext.ok_or_else(AwsError::internal)?;
    Ok(Response {
        ciphertext_blob: Blob(out.ciphertext),
        plaintext: SecretBlob(plaintext),
        key_id: out.key_arn, used: Some(out.used),
        key_material_id: out.material_id.to_hex(),
    })
}
