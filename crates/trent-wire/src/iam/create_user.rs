//! `CreateUser`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html>
//!
//! `PermissionsBoundary` (managed policies) is not supported and is refused rather than
//! ignored.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

/// `InvalidInput` for a member this server does not implement.
pub(crate) fn unsupported(member: &str) -> AwsError {
    AwsError::new("InvalidInput", http::StatusCode::BAD_REQUEST, format!("{member} is not supported by this server."))
}

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("UserName", "userName")?;
    if params.get("PermissionsBoundary").is_some() {
        return Err(unsupported("PermissionsBoundary"));
    }
    let tags = shapes::tags(params)?;
    let user = ids.create_user(caller, name, params.get("Path"), tags).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    x.nested("User", |x| shapes::user(x, &user, caller.region.partition(), true));
    Ok(Some(x))
}
