//! The one mapping from [`LookupError`] to CloudTrail's exceptions and HTTP statuses.
//!
//! Exhaustive, without a `_` arm. Every CloudTrail client error of `LookupEvents` is HTTP 400
//! in the botocore model (and `AccessDeniedException`, CloudTrail's common authorization
//! error, too); an unreadable trail is a generic 500 whose cause goes to the log.

use http::StatusCode;
use trent_core::audit::{BadAttributes, LookupError, MAX_RESULTS};

use crate::AwsError;

const BAD: StatusCode = StatusCode::BAD_REQUEST;

impl From<LookupError> for AwsError {
    fn from(e: LookupError) -> Self {
        let (code, message) = match &e {
            LookupError::InvalidLookupAttributes(bad) => ("InvalidLookupAttributesException", attributes(bad)),
            LookupError::InvalidTimeRange => {
                ("InvalidTimeRangeException", "Start time must be before end time.".into())
            }
            LookupError::InvalidMaxResults => {
                ("InvalidMaxResultsException", format!("MaxResults must be between 1 and {MAX_RESULTS}."))
            }
            LookupError::InvalidNextToken => ("InvalidNextTokenException", "Invalid NextToken.".into()),
            LookupError::InvalidEventCategory => ("InvalidEventCategoryException", "Invalid EventCategory.".into()),
            // The identity-policy denial, worded as IAM words it.
            LookupError::AccessDenied(denied) => ("AccessDeniedException", crate::iam::denied(denied)),
            LookupError::Unavailable(source) => {
                tracing::error!(error = %source, cause = ?std::error::Error::source(source), "audit trail unavailable");
                return AwsError::internal();
            }
        };
        AwsError::new(code, BAD, message)
    }
}

/// `InvalidLookupAttributesException`'s sentence.
fn attributes(bad: &BadAttributes) -> String {
    match bad {
        BadAttributes::NotOne => "You can only specify one lookup attribute.".to_owned(),
        BadAttributes::ValueLength { max } => format!("AttributeValue must be 1 to {max} characters long."),
        BadAttributes::ReadOnly => "ReadOnly must be true or false.".to_owned(),
        BadAttributes::UnknownKey(key) => format!(
            "'{key}' is not a valid AttributeKey: EventId, EventName, ReadOnly, Username, ResourceType, \
             ResourceName, EventSource or AccessKeyId."
        ),
    }
}

#[cfg(test)]
mod tests {
    use trent_core::StoreError;

    use trent_core::identity::{Denied, Why};

    use super::*;

    /// The caller's identity policies refuse it `cloudtrail:LookupEvents`.
    fn lookup_denied(principal_arn: &str, why: Why) -> LookupError {
        LookupError::AccessDenied(Denied::Policy {
            principal_arn: principal_arn.into(),
            action: trent_core::audit::LOOKUP_ACTION.into(),
            resource: "*".into(),
            why,
        })
    }

    /// Golden table: every lookup error's `__type`, status and JSON body.
    #[test]
    fn every_lookup_error_maps_to_its_cloudtrail_exception() {
        let cases: Vec<(LookupError, &str, u16, &str)> = vec![
            (
                LookupError::InvalidLookupAttributes(BadAttributes::NotOne),
                "InvalidLookupAttributesException",
                400,
                "You can only specify one lookup attribute.",
            ),
            (LookupError::InvalidTimeRange, "InvalidTimeRangeException", 400, "Start time must be before end time."),
            (LookupError::InvalidMaxResults, "InvalidMaxResultsException", 400, "MaxResults must be between 1 and 50."),
            (LookupError::InvalidNextToken, "InvalidNextTokenException", 400, "Invalid NextToken."),
            (LookupError::InvalidEventCategory, "InvalidEventCategoryException", 400, "Invalid EventCategory."),
            (
                LookupError::InvalidLookupAttributes(BadAttributes::ValueLength { max: 2_000 }),
                "InvalidLookupAttributesException",
                400,
                "AttributeValue must be 1 to 2000 characters long.",
            ),
            (
                LookupError::InvalidLookupAttributes(BadAttributes::ReadOnly),
                "InvalidLookupAttributesException",
                400,
                "ReadOnly must be true or false.",
            ),
            (
                LookupError::InvalidLookupAttributes(BadAttributes::UnknownKey("Region".into())),
                "InvalidLookupAttributesException",
                400,
                "'Region' is not a valid AttributeKey: EventId, EventName, ReadOnly, Username, ResourceType, \
                 ResourceName, EventSource or AccessKeyId.",
            ),
            (
                lookup_denied("arn:aws:iam::111122223333:user/bob", Why::ExplicitDeny),
                "AccessDeniedException",
                400,
                "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: cloudtrail:LookupEvents on \
                 resource: * with an explicit deny in an identity-based policy",
            ),
            (
                lookup_denied("arn:aws:sts::111122223333:assumed-role/ops/s1", Why::NoAllow),
                "AccessDeniedException",
                400,
                "User: arn:aws:sts::111122223333:assumed-role/ops/s1 is not authorized to perform: \
                 cloudtrail:LookupEvents on resource: * because no identity-based policy allows the \
                 cloudtrail:LookupEvents action",
            ),
            (
                LookupError::Unavailable(StoreError::Unavailable("disk at /secret/path".into())),
                "InternalFailure",
                500,
                "An internal error occurred.",
            ),
        ];
        for (err, code, status, message) in cases {
            let aws = AwsError::from(err);
            assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
            let body: serde_json::Value = serde_json::from_slice(&aws.to_json()).unwrap();
            assert_eq!(body, serde_json::json!({"__type": code, "message": message}));
        }
    }
}
