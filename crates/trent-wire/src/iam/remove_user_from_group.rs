//! `RemoveUserFromGroup`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_RemoveUserFromGroup.html>
//!
//! Needed so that a user who joined a group can ever be deleted (`DeleteUser` refuses
//! members).

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let group = params.required("GroupName", "groupName")?;
    let user = params.required("UserName", "userName")?;
    ids.remove_user_from_group(caller, group, user).await.map_err(to_aws_error)?;
    Ok(None)
}
