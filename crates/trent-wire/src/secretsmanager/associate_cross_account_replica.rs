//! `AssociateCrossAccountReplica`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_AssociateCrossAccountReplica.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{SECRET_ARN, SECRET_ID};
use crate::AwsError;
use crate::json::{Text, Violations};

/// `RoleARNType`.
const ROLE_ARN: Text = Text::new(20, 2048);

/// `ReplicaRestrictionType`, in the model's order. This server models no AWS Organizations, so
/// `SameOrg` (the default) restricts nothing: either value is accepted.
const REPLICA_RESTRICTIONS: &[&str] = &["SameOrg", "NoRestriction"];

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    #[serde(rename = "CrossAccountReplicaARN")]
    cross_account_replica_arn: Option<String>,
    replica_restriction: Option<String>,
    #[serde(rename = "ReplicationRoleARN")]
    replication_role_arn: Option<String>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    #[serde(rename = "CrossAccountReplicaARN")]
    cross_account_replica_arn: String,
    replication_status: &'static str,
}

names!(Response, arn);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let replica = v.required_text("crossAccountReplicaARN", req.cross_account_replica_arn, SECRET_ARN);
    v.choice("replicaRestriction", req.replica_restriction.as_deref(), REPLICA_RESTRICTIONS, |r| r);
    v.text("replicationRoleARN", req.replication_role_arn.as_deref(), ROLE_ARN);
    v.finish()?;
    let out = secrets
        .associate_cross_account_replica(caller, &id, &replica, req.replication_role_arn.as_deref())
        .await?;
    Ok(Response {
        arn: Some(out.arn),
        cross_account_replica_arn: out.replica_arn,
        replication_status: out.status.as_str(),
    })
}
