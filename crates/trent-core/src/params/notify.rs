//! The EventBridge events of Parameter Store: `Parameter Store Change` for every create,
//! update, delete and label, `Parameter Store Policy Action` for every policy the scheduler
//! applies. Names, types and descriptions only; never a value.

use serde_json::json;
use time::OffsetDateTime;

use super::model::ParameterVersion;
use super::names::parameter_arn;
use super::policies::ParameterPolicy;
use crate::events::{Event, PARAMETER_CHANGE, POLICY_ACTION, SOURCE_SSM};
use crate::ids::Scope;

/// What happened to a parameter (`operation` of a `Parameter Store Change`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    Create,
    Update,
    Delete,
    LabelParameterVersion,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "Create",
            Operation::Update => "Update",
            Operation::Delete => "Delete",
            Operation::LabelParameterVersion => "LabelParameterVersion",
        }
    }
}

/// A `Parameter Store Change` event about `v`.
pub(crate) fn change(scope: &Scope, at: OffsetDateTime, op: Operation, v: &ParameterVersion) -> Event {
    let detail = json!({
        "operation": op.as_str(),
        "name": v.name,
        "type": v.kind.as_str(),
        "description": v.description.clone().unwrap_or_default(),
    });
    Event::new(at, scope.clone(), SOURCE_SSM, PARAMETER_CHANGE, parameter_arn(scope, &v.name), detail)
}

/// A `Parameter Store Policy Action` event: `policy` of `v` was applied.
pub(crate) fn policy_action(
    scope: &Scope,
    at: OffsetDateTime,
    v: &ParameterVersion,
    policy: &ParameterPolicy,
) -> Event {
    let detail = json!({
        "parameter-name": v.name,
        "parameter-type": v.kind.as_str(),
        "policy-type": policy.kind.as_str(),
        "action-status": "Finished",
    });
    Event::new(at, scope.clone(), SOURCE_SSM, POLICY_ACTION, parameter_arn(scope, &v.name), detail)
}
