//! The one mapping from [`LookupError`] to CloudTrail's exceptions and HTTP statuses.
//!
//! Exhaustive, without a `_` arm. Every CloudTrail client error of `LookupEvents` is HTTP 400
//! in the botocore model (and `AccessDeniedException`, CloudTrail's common authorization
//! error, too); an unreadable trail is a generic 500 whose cause goes to the log.

use http::StatusCode;
use trent_core::audit::LookupError;

use crate::AwsError;

const BAD: StatusCode = StatusCode::BAD_REQUEST;

impl From<LookupError> for AwsError {
    fn from(e: LookupError) -> Self {
        let message = e.to_string();
        let code = match &e {
            LookupError::InvalidLookupAttributes(_) => "InvalidLookupAttributesException",
            LookupError::InvalidTimeRange => "InvalidTimeRangeException",
            LookupError::InvalidMaxResults => "InvalidMaxResultsException",
            LookupError::InvalidNextToken => "InvalidNextTokenException",
            LookupError::InvalidEventCategory => "InvalidEventCategoryException",
            LookupError::AccessDenied(_) => "AccessDeniedException",
            LookupError::Unavailable(source) => {
                tracing::error!(error = %source, cause = ?std::error::Error::source(source), "audit trail unavailable");
                return AwsError::internal();
            }
        };
        AwsError::new(code, BAD, message)
    }
}

#[cfg(test)]
mod tests {
    use trent_core::StoreError;

    use super::*;

    /// Golden table: every lookup error's `__type`, status and JSON body.
    #[test]
    fn every_lookup_error_maps_to_its_cloudtrail_exception() {
        let cases: Vec<(LookupError, &str, u16, &str)> = vec![
            (
                LookupError::InvalidLookupAttributes("You can only specify one lookup attribute.".into()),
                "InvalidLookupAttributesException",
                400,
                "You can only specify one lookup attribute.",
            ),
            (LookupError::InvalidTimeRange, "InvalidTimeRangeException", 400, "Start time must be before end time."),
            (LookupError::InvalidMaxResults, "InvalidMaxResultsException", 400, "MaxResults must be between 1 and 50."),
            (LookupError::InvalidNextToken, "InvalidNextTokenException", 400, "Invalid NextToken."),
            (LookupError::InvalidEventCategory, "InvalidEventCategoryException", 400, "Invalid EventCategory."),
            (LookupError::AccessDenied("d".into()), "AccessDeniedException", 400, "d"),
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
