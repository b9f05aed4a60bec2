//! `GetParametersByPath`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::params::PathQuery;

use super::Services;
use super::shapes::{NAME, NEXT_TOKEN, ParameterShape, StringFilterShape, string_filters};
use crate::AwsError;
use crate::json::{Bounds, Violations};

/// `GetParametersByPathMaxResults`.
const MAX_RESULTS: Bounds = Bounds { min: 1, max: 10 };

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    path: Option<String>,
    recursive: Option<bool>,
    parameter_filters: Option<Vec<StringFilterShape>>,
    with_decryption: Option<bool>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    parameters: Vec<ParameterShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let path = v.required_text("path", req.path, NAME);
    let filters = string_filters(&mut v, "parameterFilters", req.parameter_filters);
    let max_results = v.range("maxResults", req.max_results, MAX_RESULTS);
    v.text("nextToken", req.next_token.as_deref(), NEXT_TOKEN);
    v.finish()?;
    let query = PathQuery {
        path,
        recursive: req.recursive.unwrap_or(false),
        filters,
        with_decryption: req.with_decryption.unwrap_or(false),
        max_results: max_results.unwrap_or(MAX_RESULTS.max),
        next_token: req.next_token,
    };
    let page = s.params.get_parameters_by_path(s.kms, caller, query).await?;
    Ok(Response {
        parameters: page.parameters.into_iter().map(ParameterShape::from).collect(),
        next_token: page.next_token,
    })
}
