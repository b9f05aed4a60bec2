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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cross_account_replicas: Vec<CrossAccountReplicaEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cross_account_primary: Option<CrossAccountPrimaryShape>,
}

/// `CrossAccountReplicaEntry`: a primary's replica in another account.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CrossAccountReplicaEntry {
    #[serde(rename = "ReplicaSecretARN")]
    replica_secret_arn: String,
    #[serde(rename = "ReplicationRoleARN", skip_serializing_if = "Option::is_none")]
    replication_role_arn: Option<String>,
    replication_status: &'static str,
}

/// `CrossAccountPrimaryType`: a replica's primary in another account.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CrossAccountPrimaryShape {
    #[serde(rename = "PrimarySecretARN")]
    primary_secret_arn: String,
    replication_status: &'static str,
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
    let cross_account_replicas = (d.secret.cross_account_replica.iter())
        .map(|r| CrossAccountReplicaEntry {
            replica_secret_arn: r.arn.clone(),
            replication_role_arn: r.role_arn.clone(),
            replication_status: r.status.as_str(),
        })
        .collect();
    let cross_account_primary = (d.secret.cross_account_primary.as_ref()).map(|p| CrossAccountPrimaryShape {
        primary_secret_arn: p.arn.clone(),
        replication_status: p.status.as_str(),
    });
    Ok(Response {
        metadata: SecretMetadata::new(&d),
        version_ids_to_stages: d.versions_to_stages,
        replication_status,
        cross_account_replicas,
        cross_account_primary,
    })
}
