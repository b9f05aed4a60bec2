//! `Decapsulate`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_Decapsulate.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{EncapsulationAlgorithm, KeyUsed, Kms};
use trent_crypto::Plaintext;

use super::constraints::{CIPHERTEXT, KEY_ID};
use super::shapes::{grant_tokens, issued_grant_tokens};
use crate::AwsError;
use crate::json::{SecretBlob, Violations, de_blob};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    #[serde(default, deserialize_with = "de_blob")]
    #[serde(skip_serializing)]
    shared_secret_ciphertext_blob: Option<Vec<u8>>,
    encapsulation_algorithm: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    shared_secret: SecretBlob<Plaintext>,
    encapsulation_algorithm: &'static str,
    /// The key used, for `GetKeyLastUsage` (not sent).
    #[serde(skip)]
    used: Option<KeyUsed>,
}

names!(request(key_id));

names!(response(key_id; used used));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let ciphertext = v.required("sharedSecretCiphertextBlob", req.shared_secret_ciphertext_blob);
    v.blob("sharedSecretCiphertextBlob", ciphertext.as_ref().map(Vec::len), CIPHERTEXT);
    let algorithm = v.required("encapsulationAlgorithm", req.encapsulation_algorithm.as_deref());
    let algorithm =
        v.choice("encapsulationAlgorithm", algorithm, EncapsulationAlgorithm::ALL, EncapsulationAlgorithm::as_str);
    grant_tokens(&mut v, &req.grant_tokens);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let (Some(ciphertext), Some(algorithm)) = (ciphertext, algorithm) else {
        return Err(AwsError::validation("SharedSecretCiphertextBlob and EncapsulationAlgorithm are required"));
    };
    let out = kms.decapsulate(caller, &id, algorithm, &ciphertext, req.dry_run.unwrap_or(false)).await?;
    Ok(Response {
        key_id: out.key_arn,
        used: Some(out.used),
        shared_secret: SecretBlob(out.shared_secret),
        encapsulation_algorithm: algorithm.as_str(),
    })
}
