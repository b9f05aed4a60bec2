//! `DeriveSharedSecret`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_DeriveSharedSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{KeyAgreementAlgorithm, KeyUsed, Kms};
use trent_crypto::Plaintext;

use super::constraints::{KEY_ID, PUBLIC_KEY};
use super::shapes::{RecipientShape, grant_tokens, issued_grant_tokens, no_recipient, recipient};
use crate::AwsError;
use crate::json::{SecretBlob, Violations, de_blob};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    key_agreement_algorithm: Option<String>,
    #[serde(default, deserialize_with = "de_blob")]
    #[serde(skip_serializing)]
    public_key: Option<Vec<u8>>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
    recipient: Option<RecipientShape>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    shared_secret: SecretBlob<Plaintext>,
    key_agreement_algorithm: &'static str,
    key_origin: &'static str,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let algorithm = v.required("keyAgreementAlgorithm", req.key_agreement_algorithm.as_deref());
    let algorithm =
        v.choice("keyAgreementAlgorithm", algorithm, KeyAgreementAlgorithm::ALL, KeyAgreementAlgorithm::as_str);
    let public_key = v.required("publicKey", req.public_key);
    v.blob("publicKey", public_key.as_ref().map(Vec::len), PUBLIC_KEY);
    grant_tokens(&mut v, &req.grant_tokens);
    recipient(&mut v, &req.recipient);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    no_recipient(&req.recipient)?;
    let (Some(algorithm), Some(public_key)) = (algorithm, public_key) else {
        return Err(AwsError::validation("KeyAgreementAlgorithm and PublicKey are required"));
    };
    let out = kms.derive_shared_secret(caller, &id, algorithm, &public_key, req.dry_run.unwrap_or(false)).await?;
    Ok(Response {
        key_id: out.key_arn, used: Some(out.used),
        shared_secret: SecretBlob(out.shared_secret),
        key_agreement_algorithm: algorithm.as_str(),
        key_origin: out.origin.as_str(),
    })
}
