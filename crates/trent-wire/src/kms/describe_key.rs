//! `DescribeKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::KEY_ID;
use super::shapes::{KeyMetadata, grant_tokens, issued_grant_tokens};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_metadata: KeyMetadata,
}

names!(request(key_id));

impl super::Names for Response {
    fn keys(&self) -> [Option<&str>; 2] {
        [Some(self.key_metadata.arn()), None]
    }
}

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    grant_tokens(&mut v, &req.grant_tokens);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let described = kms.describe_key(caller, &id).await?;
    Ok(Response { key_metadata: KeyMetadata::from(&described) })
}
