//! `Encrypt`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyUsed, Kms};
use trent_crypto::Plaintext;

use super::constraints::{KEY_ID, PLAINTEXT};
use super::shapes::{algorithm, context, grant_tokens, issued_grant_tokens};
use crate::AwsError;
use crate::json::{Blob, Violations, de_plaintext};

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
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let plaintext = v.required("plaintext", req.plaintext);
    v.blob("plaintext", plaintext.as_ref().map(Plaintext::len), PLAINTEXT);
    let ctx = context(&mut v, "encryptionContext", req.encryption_context);
    grant_tokens(&mut v, &req.grant_tokens);
    let alg = algorithm(&mut v, "encryptionAlgorithm", req.encryption_algorithm.as_deref());
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let plaintext = plaintext.unwrap_or_else(|| Plaintext::new(Vec::new()));
    let out = kms.encrypt(caller, &id, &plaintext, &ctx, alg, req.dry_run.unwrap_or(false)).await?;
    Ok(Response {
        ciphertext_blob: Blob(out.ciphertext),
        key_id: out.key_arn, used: Some(out.used),
        encryption_algorithm: out.algorithm.as_str(),
    })
}
