//! `DescribeParameters`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::params::names::parameter_arn;

use super::Services;
use super::shapes::{
    LegacyFilterShape, MetadataShape, NEXT_TOKEN, StringFilterShape, legacy_filters, string_filters,
};
use crate::AwsError;
use crate::json::{Bounds, Violations};

/// `MaxResults`.
const MAX_RESULTS: Bounds = Bounds { min: 1, max: 50 };

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    filters: Option<Vec<LegacyFilterShape>>,
    parameter_filters: Option<Vec<StringFilterShape>>,
    max_results: Option<i64>,
    next_token: Option<String>,
    shared: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    parameters: Vec<MetadataShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let legacy = legacy_filters(&mut v, "filters", req.filters);
    let filters = string_filters(&mut v, "parameterFilters", req.parameter_filters);
    let max_results = v.range("maxResults", req.max_results, MAX_RESULTS);
    v.text("nextToken", req.next_token.as_deref(), NEXT_TOKEN);
    v.finish()?;
    // `Shared` adds parameters other accounts shared through AWS RAM; this server shares none.
    let _ = req.shared;
    let page = s
        .params
        .describe_parameters(caller, &legacy, &filters, max_results.unwrap_or(MAX_RESULTS.max), req.next_token.as_deref())
        .await?;
    let scope = caller.scope();
    Ok(Response {
        parameters: page
            .parameters
            .into_iter()
            .map(|p| {
                let arn = parameter_arn(&scope, &p.name);
                MetadataShape::new(p, arn)
            })
            .collect(),
        next_token: page.next_token,
    })
}
