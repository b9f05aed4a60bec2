//! `GenerateDataKeyWithoutPlaintext`:
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyWithoutPlaintext.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{DataKeySize, KeyUsed, Kms};

use super::generate_data_key::data_key_spec;
use super::constraints::{KEY_ID, NUMBER_OF_BYTES};
use super::shapes::{context, grant_tokens, issued_grant_tokens};
use crate::AwsError;
use crate::json::{Blob, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    encryption_context: Option<BTreeMap<String, String>>,
    key_spec: Option<String>,
    number_of_bytes: Option<i64>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    ciphertext_blob: Blob,
    key_id: String,
    key_material_id: String,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let ctx = context(&mut v, "encryptionContext", req.encryption_context);
    let spec = data_key_spec(&mut v, req.key_spec.as_deref());
    let number_of_bytes = v.range("numberOfBytes", req.number_of_bytes, NUMBER_OF_BYTES);
    grant_tokens(&mut v, &req.grant_tokens);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let size = DataKeySize { spec, number_of_bytes };
    let out = kms.generate_data_key(caller, &id, &ctx, size, false, req.dry_run.unwrap_or(false)).await?;
    Ok(Response { ciphertext_blob: Blob(out.ciphertext), key_id: out.key_arn, used: Some(out.used), key_material_id: out.material_id.to_hex() })
}
