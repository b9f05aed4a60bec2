//! `RemoveRegionsFromReplication`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RemoveRegionsFromReplication.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::replicate_secret_to_regions::Response;
use super::shapes::{REGION, REPLICA_REGIONS_MAX, SECRET_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    remove_replica_regions: Option<Vec<String>>,
}

names!(Request, secret_id);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let regions = v.required("removeReplicaRegions", req.remove_replica_regions).unwrap_or_default();
    if regions.is_empty() {
        v.custom(
            "Value '[]' at 'removeReplicaRegions' failed to satisfy constraint: Member must have length greater \
             than or equal to 1"
                .to_owned(),
        );
    }
    v.text_list("removeReplicaRegions", Some(&regions), Some(REPLICA_REGIONS_MAX), REGION, true);
    v.finish()?;
    Ok(secrets.remove_regions_from_replication(caller, &id, &regions).await?.into())
}
