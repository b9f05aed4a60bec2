//! `GenerateMac`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyUsed, Kms};
use trent_crypto::Plaintext;

use super::constraints::KEY_ID;
use super::shapes::{grant_tokens, issued_grant_tokens, mac_message};
use crate::AwsError;
use crate::json::{Blob, Violations, de_plaintext};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    #[serde(default, deserialize_with = "de_plaintext")]
    #[serde(skip_serializing)]
    message: Option<Plaintext>,
    key_id: Option<String>,
    mac_algorithm: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    mac: Blob,
    mac_algorithm: &'static str,
    key_id: String,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let (message, algorithm) = mac_message(&mut v, req.message, req.mac_algorithm.as_deref());
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    grant_tokens(&mut v, &req.grant_tokens);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let (Some(message), Some(algorithm)) = (message, algorithm) else {
        return Err(AwsError::validation("Message and MacAlgorithm are required"));
    };
    let out = kms.generate_mac(caller, &id, message.expose_secret(), algorithm, req.dry_run.unwrap_or(false)).await?;
    Ok(Response { mac: Blob(out.mac), mac_algorithm: algorithm.as_str(), key_id: out.key_arn, used: Some(out.used) })
}
