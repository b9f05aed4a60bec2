//! `ListSecrets`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{ListSecretsInput, Secrets, SortBy, SortOrder};

use super::shapes::{FilterShape, MAX_RESULTS, NEXT_TOKEN, SecretMetadata, Stages, filters};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    include_planned_deletion: Option<bool>,
    max_results: Option<i64>,
    next_token: Option<String>,
    filters: Option<Vec<FilterShape>>,
    sort_order: Option<String>,
    sort_by: Option<String>,
}

names!(Request);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    #[serde(flatten)]
    metadata: SecretMetadata,
    secret_versions_to_stages: Stages,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    secret_list: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

names!(Response);

const SORT_ORDERS: &[&str] = &["asc", "desc"];
const SORT_BY: &[&str] = &["created-date", "last-accessed-date", "last-changed-date", "name"];

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let max = v.range("maxResults", req.max_results, MAX_RESULTS);
    v.text("nextToken", req.next_token.as_deref(), NEXT_TOKEN);
    let filters = filters(&mut v, req.filters);
    let order = v.choice("sortOrder", req.sort_order.as_deref(), SORT_ORDERS, |s| s);
    let by = v.choice("sortBy", req.sort_by.as_deref(), SORT_BY, |s| s);
    v.finish()?;
    let input = ListSecretsInput {
        include_planned_deletion: req.include_planned_deletion.unwrap_or(false),
        max_results: max.map(|m| m as usize),
        next_token: req.next_token,
        filters,
        sort_order: if order == Some("asc") { SortOrder::Asc } else { SortOrder::Desc },
        sort_by: by.and_then(SortBy::parse).unwrap_or_default(),
    };
    let page = secrets.list_secrets(caller, &input).await?;
    let secret_list = page
        .secrets
        .into_iter()
        .map(|d| Entry { metadata: SecretMetadata::new(&d), secret_versions_to_stages: d.versions_to_stages })
        .collect();
    Ok(Response { secret_list, next_token: page.next_token })
}
