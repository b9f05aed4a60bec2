//! `UpdateAccessKey`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccessKey.html>
//!
//! `Active` or `Inactive`; an inactive key stops authenticating at once.

use trent_core::{AccessKeyStatus, Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let id = params.required("AccessKeyId", "accessKeyId")?;
    let status = params.required("Status", "status")?;
    let status = AccessKeyStatus::parse(status).ok_or_else(|| {
        AwsError::new(
            "ValidationError",
            http::StatusCode::BAD_REQUEST,
            format!(
                "1 validation error detected: Value '{}' at 'status' failed to satisfy constraint: Member must \
                 satisfy enum value set: [Active, Inactive]",
                status.chars().take(32).collect::<String>()
            ),
        )
    })?;
    ids.update_access_key(caller, params.get("UserName"), id, status).await.map_err(to_aws_error)?;
    Ok(None)
}
