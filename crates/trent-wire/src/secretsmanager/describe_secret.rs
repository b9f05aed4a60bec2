//! `DescribeSecret`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{CrossAccountFailure, Secrets};

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
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'static str>,
}

/// `CrossAccountPrimaryType`: a replica's primary in another account.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CrossAccountPrimaryShape {
    #[serde(rename = "PrimarySecretARN")]
    primary_secret_arn: String,
    replication_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'static str>,
}

/// The `StatusMessage` of a `Failed` cross-account link, shown on both sides. AWS publishes no
/// wording ("when a AWS KMS key permission is missing", the user guide says of its use): Trent's
/// own, naming the permission or key that refused and nothing the secret holds.
fn status_message(failure: CrossAccountFailure) -> &'static str {
    match failure {
        CrossAccountFailure::ReplicaAccess => {
            "Secrets Manager can't reach the replica secret: the replicating identity isn't allowed \
             secretsmanager:AcceptCrossAccountReplication on it, or it no longer exists."
        }
        CrossAccountFailure::PrimaryKey => {
            "Secrets Manager can't decrypt the primary secret: the replicating identity needs kms:Decrypt on the \
             primary secret's KMS key, which must be enabled."
        }
        CrossAccountFailure::ReplicaKey => {
            "Secrets Manager can't encrypt the replica secret: the replicating identity needs kms:GenerateDataKey \
             and kms:Encrypt on the replica secret's KMS key, which must be enabled."
        }
        CrossAccountFailure::ReplicationRole => {
            "Secrets Manager can't assume the ReplicationRoleARN role: it doesn't exist in the primary secret's \
             account."
        }
        CrossAccountFailure::ReplicationRoleTrust => {
            "Secrets Manager can't assume the ReplicationRoleARN role: its trust policy doesn't allow the service \
             principal secretsmanager.amazonaws.com to call sts:AssumeRole."
        }
    }
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
            status_message: r.failure.map(status_message),
        })
        .collect();
    let cross_account_primary = (d.secret.cross_account_primary.as_ref()).map(|p| CrossAccountPrimaryShape {
        primary_secret_arn: p.arn.clone(),
        replication_status: p.status.as_str(),
        status_message: p.failure.map(status_message),
    });
    Ok(Response {
        metadata: SecretMetadata::new(&d),
        version_ids_to_stages: d.versions_to_stages,
        replication_status,
        cross_account_replicas,
        cross_account_primary,
    })
}
