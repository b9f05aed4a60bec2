//! `GetSecretValue`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{Secrets, ValueKind, ValueOutput, VersionSelector};

use super::shapes::{SECRET_ID, VERSION_ID, VERSION_STAGE, ValueOut};
use crate::AwsError;
use crate::json::{Epoch, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    version_id: Option<String>,
    version_stage: Option<String>,
}

names!(Request, secret_id);

/// The answer, shared with `BatchGetSecretValue`'s entries. Holds the value; its
/// serialisation goes to the caller only (the audit rules record no answer of this operation).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: String,
    version_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_binary: Option<ValueOutBox>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_string: Option<ValueOutBox>,
    version_stages: Vec<String>,
    created_date: Epoch,
}

names!(Response, arn);

/// An owned value serialised as its member.
pub(crate) struct ValueOutBox(trent_core::secrets::SecretValue);

impl Serialize for ValueOutBox {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ValueOut(&self.0).serialize(s)
    }
}

impl From<ValueOutput> for Response {
    fn from(out: ValueOutput) -> Self {
        let (string, binary) = match out.value.kind {
            ValueKind::String => (Some(ValueOutBox(out.value)), None),
            ValueKind::Binary => (None, Some(ValueOutBox(out.value))),
        };
        Response {
            arn: Some(out.arn),
            name: out.name,
            version_id: out.version_id,
            secret_binary: binary,
            secret_string: string,
            version_stages: out.stages,
            created_date: Epoch(out.created_at),
        }
    }
}

/// The `GetSecretValue` answer as JSON text, zeroized on drop: Parameter Store's
/// `SourceResult` for a secret read through `/aws/reference/secretsmanager/...`.
pub(crate) fn answer_json(out: ValueOutput) -> trent_crypto::Plaintext {
    let mut text = Vec::new();
    // Writing plain strings, numbers and lists into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut text, &Response::from(out));
    trent_crypto::Plaintext::new(text)
}

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.text("versionId", req.version_id.as_deref(), VERSION_ID);
    v.text("versionStage", req.version_stage.as_deref(), VERSION_STAGE);
    v.finish()?;
    let selector = VersionSelector { version_id: req.version_id, version_stage: req.version_stage };
    Ok(secrets.get_secret_value(caller, &id, &selector).await?.into())
}
