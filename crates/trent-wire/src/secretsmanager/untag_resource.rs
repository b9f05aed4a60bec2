//! `UntagResource`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UntagResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{SECRET_ID, TAG_KEY};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    tag_keys: Option<Vec<String>>,
}

names!(Request, secret_id);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let keys = v.required("tagKeys", req.tag_keys);
    v.text_list("tagKeys", keys.as_deref(), None, TAG_KEY, true);
    v.finish()?;
    secrets.untag_resource(caller, &id, &keys.unwrap_or_default()).await?;
    Ok(serde_json::json!({}))
}
