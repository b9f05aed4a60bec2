//! `DisassociateCrossAccountReplica`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DisassociateCrossAccountReplica.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{SECRET_ARN, SECRET_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    #[serde(rename = "CrossAccountReplicaARN")]
    cross_account_replica_arn: Option<String>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    #[serde(rename = "CrossAccountReplicaARN")]
    cross_account_replica_arn: String,
}

names!(Response, arn);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let replica = v.required_text("crossAccountReplicaARN", req.cross_account_replica_arn, SECRET_ARN);
    v.finish()?;
    let arn = secrets.disassociate_cross_account_replica(caller, &id, &replica).await?;
    Ok(Response { arn: Some(arn), cross_account_replica_arn: replica })
}
