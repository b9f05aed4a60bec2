//! `TagResource`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_TagResource.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{SECRET_ID, TagShape, tags};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    tags: Option<Vec<TagShape>>,
}

names!(Request, secret_id);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let list = v.required("tags", req.tags);
    let list = tags(&mut v, list);
    v.finish()?;
    secrets.tag_resource(caller, &id, &list).await?;
    Ok(serde_json::json!({}))
}
