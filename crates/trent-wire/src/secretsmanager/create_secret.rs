//! `CreateSecret`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{CreateSecretInput, SecretValue, Secrets};

use super::shapes::{
    DESCRIPTION, KMS_KEY_ID, NAME, SECRET_ARN, TagShape, VERSION_ID, check_values, de_secret_binary, de_secret_string, one_value,
    ReplicaRegionShape, ReplicationStatusShape, replica_regions, replication_status, tags,
};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    name: Option<String>,
    client_request_token: Option<String>,
    description: Option<String>,
    kms_key_id: Option<String>,
    #[serde(default, deserialize_with = "de_secret_binary", skip_serializing)]
    secret_binary: Option<SecretValue>,
    #[serde(default, deserialize_with = "de_secret_string", skip_serializing)]
    secret_string: Option<SecretValue>,
    tags: Option<Vec<TagShape>>,
    add_replica_regions: Option<Vec<ReplicaRegionShape>>,
    force_overwrite_replica_secret: Option<bool>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(rename = "CrossAccountPrimaryARN")]
    cross_account_primary_arn: Option<String>,
}

names!(Request);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replication_status: Vec<ReplicationStatusShape>,
}

names!(Response, arn);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("name", req.name, NAME);
    v.text("clientRequestToken", req.client_request_token.as_deref(), VERSION_ID);
    v.text("description", req.description.as_deref(), DESCRIPTION);
    v.text("kmsKeyId", req.kms_key_id.as_deref(), KMS_KEY_ID);
    v.text("crossAccountPrimaryARN", req.cross_account_primary_arn.as_deref(), SECRET_ARN);
    check_values(&mut v, req.secret_string.as_ref(), req.secret_binary.as_ref());
    let tags = tags(&mut v, req.tags);
    let replica_regions = replica_regions(&mut v, req.add_replica_regions);
    v.finish()?;
    let value = one_value(req.secret_string, req.secret_binary)?;
    let input = CreateSecretInput {
        name,
        token: req.client_request_token,
        description: req.description,
        kms_key_id: req.kms_key_id.filter(|k| !k.is_empty()),
        value,
        tags,
        replica_regions,
        force_overwrite_replica: req.force_overwrite_replica_secret.unwrap_or(false),
        cross_account_primary: req.cross_account_primary_arn,
    };
    let out = secrets.create_secret(caller, input).await?;
    let replication_status = replication_status(&out.replicas);
    Ok(Response { arn: Some(out.arn), name: out.name, version_id: out.version_id, replication_status })
}
