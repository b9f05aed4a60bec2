//! `LabelParameterVersion`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_LabelParameterVersion.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{LABEL, MAX_NAMES, NAME};
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
    invalid_labels: Vec<String>,
    parameter_version: u64,
}

/// Checks a required `ParameterLabelList`: 1..=10 labels.
pub(super) fn labels_list(v: &mut Violations, labels: Option<Vec<String>>) -> Vec<String> {
    let Some(labels) = v.required("labels", labels) else { return Vec::new() };
    v.text_list("labels", Some(&labels), Some(MAX_NAMES), LABEL, true);
    if labels.is_empty() {
        v.custom(
            "Value '[]' at 'labels' failed to satisfy constraint: Member must have length greater than or equal to 1"
                .to_owned(),
        );
    }
    labels
}

/// A `PSParameterVersion` (a long) as a version number; a negative one names nothing.
pub(super) fn version(v: Option<i64>) -> Option<u64> {
    v.map(|n| u64::try_from(n).unwrap_or(u64::MAX))
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("name", req.name, NAME);
    let labels = labels_list(&mut v, req.labels);
    v.finish()?;
    let out = s.params.label_parameter_version(caller, &name, version(req.parameter_version), &labels).await?;
    Ok(Response { invalid_labels: out.invalid, parameter_version: out.version })
}
