//! `GetParameters`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{MAX_NAMES, NAME, ParameterShape};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    names: Option<Vec<String>>,
    with_decryption: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    parameters: Vec<ParameterShape>,
    invalid_parameters: Vec<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let names = names_list(&mut v, "names", req.names);
    v.finish()?;
    let (found, invalid) =
        s.params.get_parameters(s.sources(), caller, &names, req.with_decryption.unwrap_or(false)).await?;
    Ok(Response { parameters: found.into_iter().map(ParameterShape::from).collect(), invalid_parameters: invalid })
}

/// Checks a required `ParameterNameList`: 1..=10 names of `PSParameterName`.
pub(super) fn names_list(v: &mut Violations, field: &str, names: Option<Vec<String>>) -> Vec<String> {
    let Some(names) = v.required(field, names) else { return Vec::new() };
    v.text_list(field, Some(&names), Some(MAX_NAMES), NAME, true);
    if names.is_empty() {
        v.custom(format!(
            "Value '[]' at '{field}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ));
    }
    names
}
