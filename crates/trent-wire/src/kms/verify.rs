//! `Verify`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyUsed, Kms, SignedMessage};
use trent_crypto::Plaintext;

use super::constraints::{CIPHERTEXT, KEY_ID};
use super::shapes::{grant_tokens, issued_grant_tokens, signed_message};
use crate::AwsError;
use crate::json::{Violations, de_blob, de_plaintext};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    #[serde(default, deserialize_with = "de_plaintext")]
    #[serde(skip_serializing)]
    message: Option<Plaintext>,
    message_type: Option<String>,
    #[serde(default, deserialize_with = "de_blob")]
    #[serde(skip_serializing)]
    signature: Option<Vec<u8>>,
    signing_algorithm: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    signature_valid: bool,
    signing_algorithm: &'static str,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let (message, message_type, algorithm) =
        signed_message(&mut v, req.message, req.message_type.as_deref(), req.signing_algorithm.as_deref());
    let signature = v.required("signature", req.signature);
    v.blob("signature", signature.as_ref().map(Vec::len), CIPHERTEXT);
    grant_tokens(&mut v, &req.grant_tokens);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let (Some(message), Some(algorithm), Some(signature)) = (message, algorithm, signature) else {
        return Err(AwsError::validation("Message, Signature and SigningAlgorithm are required"));
    };
    let m = SignedMessage { message: message.expose_secret(), message_type, algorithm };
    let out = kms.verify(caller, &id, m, &signature, req.dry_run.unwrap_or(false)).await?;
    Ok(Response { key_id: out.key_arn, used: Some(out.used), signature_valid: true, signing_algorithm: algorithm.as_str() })
}
