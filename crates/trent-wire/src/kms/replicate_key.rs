//! `ReplicateKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, ReplicateKeyInput};

use super::constraints::{DESCRIPTION, KEY_ID, POLICY, REGION};
use super::shapes::{KeyMetadata, TagShape, tags};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    replica_region: Option<String>,
    policy: Option<String>,
    bypass_policy_lockout_safety_check: Option<bool>,
    description: Option<String>,
    tags: Option<Vec<TagShape>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    replica_key_metadata: KeyMetadata,
    replica_policy: String,
    replica_tags: Vec<TagShape>,
}

names!(request(key_id));

impl super::Names for Response {
    fn keys(&self) -> [Option<&str>; 2] {
        [Some(self.replica_key_metadata.arn()), None]
    }
}

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let key_id = v.required_text("keyId", req.key_id, KEY_ID);
    let replica_region = v.required_text("replicaRegion", req.replica_region, REGION);
    v.text("policy", req.policy.as_deref(), POLICY);
    v.text("description", req.description.as_deref(), DESCRIPTION);
    let tags = tags(&mut v, req.tags);
    v.finish()?;
    let input = ReplicateKeyInput {
        key_id,
        replica_region,
        policy: req.policy,
        bypass_policy_lockout_safety_check: req.bypass_policy_lockout_safety_check.unwrap_or(false),
        description: req.description,
        tags,
    };
    let out = kms.replicate_key(caller, input).await?;
    Ok(Response {
        replica_key_metadata: KeyMetadata::from(&out.replica),
        replica_policy: out.policy,
        replica_tags: out.tags.into_iter().map(TagShape::from).collect(),
    })
}
