//! `GenerateDataKeyPair`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{DataKeyPairSpec, KeyUsed, Kms};
use trent_crypto::DataKey;

use super::constraints::KEY_ID;
use super::shapes::{RecipientShape, context, grant_tokens, issued_grant_tokens, no_recipient, recipient};
use crate::AwsError;
use crate::json::{Blob, SecretBlob, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    encryption_context: Option<BTreeMap<String, String>>,
    key_id: Option<String>,
    key_pair_spec: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    recipient: Option<RecipientShape>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    private_key_ciphertext_blob: Blob,
    private_key_plaintext: SecretBlob<DataKey>,
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

/// The members both forms of `GenerateDataKeyPair` check: key, context, `KeyPairSpec`.
pub(super) struct PairRequest {
    pub(super) key_id: String,
    pub(super) context: BTreeMap<String, String>,
    pub(super) spec: DataKeyPairSpec,
}

/// Checks the shared members into `v` and, once the request is valid, returns them.
pub(super) fn pair_request(
    key_id: Option<String>,
    encryption_context: Option<BTreeMap<String, String>>,
    key_pair_spec: Option<&str>,
    tokens: &Option<Vec<String>>,
    recipient_shape: &Option<RecipientShape>,
) -> Result<PairRequest, AwsError> {
    let mut v = Violations::default();
    let context = context(&mut v, "encryptionContext", encryption_context);
    let key_id = v.required_text("keyId", key_id, KEY_ID);
    let spec = v.required("keyPairSpec", key_pair_spec);
    let spec = v.choice("keyPairSpec", spec, DataKeyPairSpec::ALL, DataKeyPairSpec::as_str);
    grant_tokens(&mut v, tokens);
    recipient(&mut v, recipient_shape);
    v.finish()?;
    issued_grant_tokens(tokens)?;
    no_recipient(recipient_shape)?;
    let spec = spec.ok_or_else(|| AwsError::validation("KeyPairSpec is required"))?;
    Ok(PairRequest { key_id, context, spec })
}

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let p = pair_request(
        req.key_id,
        req.encryption_context,
        req.key_pair_spec.as_deref(),
        &req.grant_tokens,
        &req.recipient,
    )?;
    let out = kms
        .generate_data_key_pair(caller, &p.key_id, &p.context, p.spec, true, req.dry_run.unwrap_or(false))
        .await?;
    let private = out.private_plaintext.ok_or_else(AwsError::internal)?;
    Ok(Response {
        private_key_ciphertext_blob: Blob(out.private_ciphertext),
        private_key_plaintext: SecretBlob(private),
        public_key: Blob(out.public_key),
        key_id: out.key_arn, used: Some(out.used),
        key_pair_spec: p.spec.as_str(),
        key_material_id: out.material_id.to_hex(),
    })
}
