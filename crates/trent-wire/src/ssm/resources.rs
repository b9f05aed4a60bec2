//! The parameters a Parameter Store request names, as the audit trail's `resources`
//! (`AWS::SSM::Parameter` with the parameter's ARN, as CloudTrail lists them).
//!
//! Read from the request's recordable members, so a value is never looked at: `Name`
//! (`name:selector` names the parameter), each of `Names`, and the `ResourceId` of the
//! tagging operations when `ResourceType` is `Parameter`. Parameters are never reachable
//! across accounts, so an ARN of another account is left out: naming one must not write into
//! that account's trail.

use serde_json::Value;
use trent_core::audit::Resource;
use trent_core::params::names::{parameter_arn, split_selector};
use trent_core::{Arn, Caller};

/// CloudTrail's resource type of a parameter.
const RESOURCE_TYPE: &str = "AWS::SSM::Parameter";
/// Most resources one record lists (`Names` holds at most 10).
const MAX_RESOURCES: usize = 10;

/// The parameters `request` names.
pub(super) fn named(caller: &Caller, request: Option<&Value>) -> Vec<Resource> {
    let Some(request) = request else { return Vec::new() };
    let mut names: Vec<&str> = Vec::new();
    if let Some(name) = request.get("Name").and_then(Value::as_str) {
        names.push(name);
    }
    if let Some(list) = request.get("Names").and_then(Value::as_array) {
        names.extend(list.iter().filter_map(Value::as_str));
    }
    if request.get("ResourceType").and_then(Value::as_str) == Some("Parameter")
        && let Some(id) = request.get("ResourceId").and_then(Value::as_str)
    {
        names.push(id);
    }
    let scope = caller.scope();
    let account = scope.account.to_string();
    let mut resources: Vec<Resource> = Vec::new();
    for given in names {
        let (name, _) = split_selector(given);
        let arn = match Arn::parse(name) {
            Some(arn) if arn.service == "ssm" && arn.account == account && arn.region == scope.region.as_str() => {
                name.to_owned()
            }
            Some(_) => continue,
            None => parameter_arn(&scope, name),
        };
        if resources.iter().all(|r| r.arn != arn) {
            resources.push(Resource { account_id: account.clone(), resource_type: RESOURCE_TYPE.to_owned(), arn });
        }
        if resources.len() == MAX_RESOURCES {
            break;
        }
    }
    resources
}
