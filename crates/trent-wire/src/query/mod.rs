//! The awsQuery protocol (IAM, STS): requests are `Action=...&Version=...&Member=value` pairs,
//! form-urlencoded in a POST body or in a GET query string; answers are XML documents in the
//! service's namespace; errors are `<ErrorResponse>` documents.
//!
//! [`Params`] parses a request and reads AWS's flattened members: lists
//! (`Names.member.1=a`), lists of structures (`Tags.member.1.Key=k&Tags.member.1.Value=v`)
//! and maps (`Attributes.entry.1.key=k&Attributes.entry.1.value=v`). [`Xml`] writes answers
//! with every text escaped; [`response`] and [`error_response`] frame them. This module
//! knows no service: the `iam` and `sts` modules name the actions and members.

mod form;
mod xml;

pub(crate) use form::missing;
pub use form::{MAX_PARAMETERS, Params};
pub use xml::{Xml, error_response, escape, response, url_encode};

use trent_core::audit::CallFacts;

use crate::AwsError;
use crate::service::Dispatched;

/// Members of an awsQuery request never recorded as `requestParameters`: the action and
/// version (the event names them already) and the SigV4 members of a presigned URL
/// (`X-Amz-Signature`, `X-Amz-Security-Token`, `X-Amz-Credential`...: credential material).
fn recordable(name: &str) -> bool {
    name != "Action" && name != "Version" && !name.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("x-amz-"))
}

/// What the audit trail may record of an awsQuery call: its members but the action, version
/// and SigV4 ones (the service's rules drop secret members on top).
pub(crate) fn facts(params: &Params) -> CallFacts {
    let request = match params.to_json() {
        serde_json::Value::Object(mut members) => {
            members.retain(|name, _| recordable(name));
            serde_json::Value::Object(members)
        }
        other => other,
    };
    CallFacts { request: Some(request), ..CallFacts::default() }
}

/// The [`Dispatched`] of an awsQuery call.
pub(crate) fn dispatched(params: &Params, result: Result<Vec<u8>, AwsError>) -> Dispatched {
    Dispatched { result, facts: facts(params) }
}

/// `MissingAction` (400): the request names no `Action`.
pub(crate) fn missing_action() -> AwsError {
    AwsError::new("MissingAction", http::StatusCode::BAD_REQUEST, "The request must contain the parameter Action.")
}

/// The `Content-Type` of awsQuery requests.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// The `Content-Type` of awsQuery answers.
pub const XML_CONTENT_TYPE: &str = "text/xml";
