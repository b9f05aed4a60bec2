//! `ReplicateSecretToRegions`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ReplicateSecretToRegions.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{Replication, Secrets};

use super::shapes::{ReplicaRegionShape, ReplicationStatusShape, SECRET_ID, replica_regions, replication_status};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    add_replica_regions: Option<Vec<ReplicaRegionShape>>,
    force_overwrite_replica_secret: Option<bool>,
}

names!(Request, secret_id);

/// The answer of the replication operations: the primary's ARN and its replicas.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    replication_status: Vec<ReplicationStatusShape>,
}

names!(Response, arn);

impl From<Replication> for Response {
    fn from(r: Replication) -> Self {
        Response { arn: Some(r.arn), replication_status: replication_status(&r.replicas) }
    }
}

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let listed = v.required("addReplicaRegions", req.add_replica_regions);
    if listed.as_ref().is_some_and(Vec::is_empty) {
        v.custom(
            "Value '[]' at 'addReplicaRegions' failed to satisfy constraint: Member must have length greater than or \
             equal to 1"
                .to_owned(),
        );
    }
    let regions = replica_regions(&mut v, listed);
    v.finish()?;
    let force = req.force_overwrite_replica_secret.unwrap_or(false);
    Ok(secrets.replicate_secret_to_regions(caller, &id, &regions, force).await?.into())
}
