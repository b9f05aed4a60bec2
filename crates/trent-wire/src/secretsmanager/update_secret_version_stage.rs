//! `UpdateSecretVersionStage`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{Secrets, StageMove};

use super::shapes::{SECRET_ID, VERSION_ID, VERSION_STAGE};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    version_stage: Option<String>,
    remove_from_version_id: Option<String>,
    move_to_version_id: Option<String>,
}

names!(Request, secret_id);

/// `ARN` and `Name`, the answer of several operations on one secret.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    pub(crate) arn: Option<String>,
    pub(crate) name: String,
}

names!(Response, arn);

impl From<(String, String)> for Response {
    fn from((arn, name): (String, String)) -> Self {
        Response { arn: Some(arn), name }
    }
}

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let stage = v.required_text("versionStage", req.version_stage, VERSION_STAGE);
    v.text("removeFromVersionId", req.remove_from_version_id.as_deref(), VERSION_ID);
    v.text("moveToVersionId", req.move_to_version_id.as_deref(), VERSION_ID);
    v.finish()?;
    let m = StageMove { secret_id: id, stage, move_to: req.move_to_version_id, remove_from: req.remove_from_version_id };
    Ok(secrets.update_version_stage(caller, &m).await?.into())
}
