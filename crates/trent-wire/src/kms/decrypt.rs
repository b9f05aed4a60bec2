//! `Decrypt`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CiphertextInput, EncryptionAlgorithm, KeyUsed, Kms};
use trent_crypto::Plaintext;

use super::constraints::{CIPHERTEXT, KEY_ID};
use super::shapes::{
    RecipientShape, algorithm, context, dry_run_modifiers, grant_tokens, issued_grant_tokens, no_recipient, recipient,
};
use crate::AwsError;
use crate::json::{SecretBlob, Violations, de_blob};

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
    recipient: Option<RecipientShape>,
    dry_run: Option<bool>,
    dry_run_modifiers: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    plaintext: SecretBlob<Plaintext>,
    encryption_algorithm: &'static str,
    /// Only for symmetric keys, as on AWS.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_material_id: Option<String>,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let blob = v.required("ciphertextBlob", req.ciphertext_blob).unwrap_or_default();
    v.blob("ciphertextBlob", Some(blob.len()), CIPHERTEXT);
    let ctx = context(&mut v, "encryptionContext", req.encryption_context);
    grant_tokens(&mut v, &req.grant_tokens);
    v.text("keyId", req.key_id.as_deref(), KEY_ID);
    let alg = algorithm(&mut v, "encryptionAlgorithm", req.encryption_algorithm.as_deref());
    recipient(&mut v, &req.recipient);
    let dry_run = req.dry_run.unwrap_or(false);
    let modifiers = dry_run_modifiers(&mut v, req.dry_run_modifiers.as_deref(), dry_run);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    no_recipient(&req.recipient)?;
    modifiers?;
    let out = kms
        .decrypt(
            caller,
            CiphertextInput { blob: &blob, context: &ctx, key_id: req.key_id.as_deref(), algorithm: alg },
            dry_run,
        )
        .await?;
    Ok(Response {
        key_id: out.key_arn, used: Some(out.used),
        plaintext: SecretBlob(out.plaintext),
        encryption_algorithm: out.algorithm.as_str(),
        key_material_id: (out.algorithm == EncryptionAlgorithm::SymmetricDefault).then(|| out.material_id.to_hex()),
    })
}
