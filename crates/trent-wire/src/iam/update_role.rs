//! `UpdateRole`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateRole.html>
//!
//! `Description` and `MaxSessionDuration`, each changed only when given. The answer is an
//! empty `UpdateRoleResult` element: the model gives `UpdateRole` an (empty) output shape,
//! and botocore refuses an answer without it. The console sign-in members (`MaxSigninSessionDuration`,
//! `ResetMaxSigninSessionDuration`) are refused rather than ignored: this server has no
//! console.

use trent_core::{Caller, Identities};

use super::create_user::unsupported;
use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    for member in ["MaxSigninSessionDuration", "ResetMaxSigninSessionDuration"] {
        if params.get(member).is_some() {
            return Err(unsupported(member));
        }
    }
    let max = params.int("MaxSessionDuration", "maxSessionDuration")?;
    ids.update_role(caller, name, params.get("Description"), max).await.map_err(to_aws_error)?;
    Ok(Some(Xml::new()))
}
