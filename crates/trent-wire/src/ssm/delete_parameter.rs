//! `DeleteParameter`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameter.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::NAME;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    name: Option<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("name", req.name, NAME);
    v.finish()?;
    s.params.delete_parameter(caller, &name).await?;
    Ok(serde_json::json!({}))
}
