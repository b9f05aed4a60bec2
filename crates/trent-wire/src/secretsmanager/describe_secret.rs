//! `DescribeSecret`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{ReplicationStatusShape, SECRET_ID, SecretMetadata, Stages, described_replication_status};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(flatten)]
    metadata: SecretMetadata,
    version_ids_to_stages: Stages,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replication_status: Vec<ReplicationStatusShape>,
}

impl super::Names for Response {
    fn secret(&self) -> Option<&str> {
        Some(self.metadata.arn())
    }
}

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.finish()?;
    let d = secrets.describe_secret(caller, &id).await?;
    let replication_status = described_replication_status(&d);
    Ok(Response { metadata: SecretMetadata::new(&d), version_ids_to_stages: d.versions_to_stages, replication_status })
}
