//! `AddUserToGroup`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddUserToGroup.html>
//!
//! The group's inline policies apply to the user from the next request on.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let group = params.required("GroupName", "groupName")?;
    let user = params.required("UserName", "userName")?;
    ids.add_user_to_group(caller, group, user).await.map_err(to_aws_error)?;
    Ok(None)
}
