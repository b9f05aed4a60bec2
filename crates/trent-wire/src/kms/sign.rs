//! `Sign`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyUsed, Kms, SignedMessage};
use trent_crypto::Plaintext;

use super::constraints::KEY_ID;
use super::shapes::{grant_tokens, issued_grant_tokens, signed_message};
use crate::AwsError;
use crate::json::{Blob, Violations, de_plaintext};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    #[serde(default, deserialize_with = "de_plaintext")]
    #[serde(skip_serializing)]
    message: Option<Plaintext>,
    message_type: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    signing_algorithm: Option<String>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    signature: Blob,
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
    grant_tokens(&mut v, &req.grant_tokens);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let (Some(message), Some(algorithm)) = (message, algorithm) else {
        return Err(AwsError::validation("Message and SigningAlgorithm are required"));
    };
    let m = SignedMessage { message: message.expose_secret(), message_type, algorithm };
    let out = kms.sign(caller, &id, m, req.dry_run.unwrap_or(false)).await?;
    Ok(Response { key_id: out.key_arn, used: Some(out.used), signature: Blob(out.signature), signing_algorithm: out.algorithm.as_str() })
}
