//! `GetParameter`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{NAME, ParameterShape};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    name: Option<String>,
    with_decryption: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    parameter: ParameterShape,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("name", req.name, NAME);
    v.finish()?;
    let read = s.params.get_parameter(s.sources(), caller, &name, req.with_decryption.unwrap_or(false)).await?;
    Ok(Response { parameter: read.into() })
}
