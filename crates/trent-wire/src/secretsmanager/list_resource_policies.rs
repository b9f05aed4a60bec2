//! `ListResourcePolicies`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListResourcePolicies.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{MAX_RESULTS, NEXT_TOKEN, SECRET_ID};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

names!(Request, secret_id);

/// `ResourcePolicySummary`: a name, never the document.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Summary {
    policy_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    resource_policies: Vec<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

names!(Response);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let max = v.range("maxResults", req.max_results, MAX_RESULTS);
    v.text("nextToken", req.next_token.as_deref(), NEXT_TOKEN);
    v.finish()?;
    let page = secrets.list_resource_policies(caller, &id, max.map(|m| m as usize), req.next_token.as_deref()).await?;
    let resource_policies = page.names.into_iter().map(|policy_name| Summary { policy_name }).collect();
    Ok(Response { resource_policies, next_token: page.next_token })
}
