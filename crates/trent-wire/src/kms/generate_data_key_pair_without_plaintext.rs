//! `GenerateDataKeyPairWithoutPlaintext`:
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPairWithoutPlaintext.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyUsed, Kms};

use super::generate_data_key_pair::pair_request;
use crate::AwsError;
use crate::json::Blob;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    encryption_context: Option<BTreeMap<String, String>>,
    key_id: Option<String>,
    key_pair_spec: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    private_key_ciphertext_blob: Blob,
    public_key: Blob,
    key_id: String,
    key_pair_spec: &'static str,
    key_material_id: String,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let p = pair_request(req.key_id, req.encryption_context, req.key_pair_spec.as_deref(), &req.grant_tokens, &None)?;
    let out = kms
        .generate_data_key_pair(caller, &p.key_id, &p.context, p.spec, false, req.dry_run.unwrap_or(false))
        .await?;
    Ok(Response {
        private_key_ciphertext_blob: Blob(out.private_ciphertext),
        public_key: Blob(out.public_key),
        key_id: out.key_arn, used: Some(out.used),
        key_pair_spec: p.spec.as_str(),
        key_material_id: out.material_id.to_hex(),
    })
}
