//! `ListSecretVersionIds`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecretVersionIds.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::{MAX_RESULTS, NEXT_TOKEN, SECRET_ID};
use crate::AwsError;
use crate::json::{Epoch, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    include_deprecated: Option<bool>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    version_id: String,
    version_stages: Vec<String>,
    created_date: Epoch,
    kms_key_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    versions: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: String,
}

names!(Response, arn);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    let max = v.range("maxResults", req.max_results, MAX_RESULTS);
    v.text("nextToken", req.next_token.as_deref(), NEXT_TOKEN);
    v.finish()?;
    let page = secrets
        .list_secret_version_ids(
            caller,
            &id,
            req.include_deprecated.unwrap_or(false),
            max.map(|m| m as usize),
            req.next_token.as_deref(),
        )
        .await?;
    let versions = page
        .versions
        .into_iter()
        .map(|e| Entry {
            version_id: e.version_id,
            version_stages: e.stages,
            created_date: Epoch(e.created_at),
            kms_key_ids: e.kms_key_ids,
        })
        .collect();
    Ok(Response { versions, next_token: page.next_token, arn: Some(page.arn), name: page.name })
}
