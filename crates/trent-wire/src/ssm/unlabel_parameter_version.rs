//! `UnlabelParameterVersion`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_UnlabelParameterVersion.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::label_parameter_version::{labels_list, version};
use super::shapes::NAME;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    name: Option<String>,
    parameter_version: Option<i64>,
    labels: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    removed_labels: Vec<String>,
    invalid_labels: Vec<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("name", req.name, NAME);
    let parameter_version = v.required("parameterVersion", version(req.parameter_version));
    let labels = labels_list(&mut v, req.labels);
    v.finish()?;
    let (removed, invalid) =
        s.params.unlabel_parameter_version(caller, &name, parameter_version.unwrap_or(0), &labels).await?;
    Ok(Response { removed_labels: removed, invalid_labels: invalid })
}
