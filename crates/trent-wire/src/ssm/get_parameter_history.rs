//! `GetParameterHistory`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameterHistory.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{HistoryShape, NAME, NEXT_TOKEN};
use crate::AwsError;
use crate::json::{Bounds, Violations};

/// `MaxResults`.
const MAX_RESULTS: Bounds = Bounds { min: 1, max: 50 };

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    name: Option<String>,
    with_decryption: Option<bool>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    parameters: Vec<HistoryShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("name", req.name, NAME);
    let max_results = v.range("maxResults", req.max_results, MAX_RESULTS);
    v.text("nextToken", req.next_token.as_deref(), NEXT_TOKEN);
    v.finish()?;
    let page = s
        .params
        .get_parameter_history(
            s.kms,
            caller,
            &name,
            req.with_decryption.unwrap_or(false),
            max_results.unwrap_or(MAX_RESULTS.max),
            req.next_token.as_deref(),
        )
        .await?;
    Ok(Response {
        parameters: page.versions.into_iter().map(HistoryShape::from).collect(),
        next_token: page.next_token,
    })
}
