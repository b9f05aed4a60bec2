//! `DeleteRole`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html>
//!
//! `DeleteConflict` while the role has inline policies. The role's sessions stop working.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    ids.delete_role(caller, name).await.map_err(to_aws_error)?;
    Ok(None)
}
