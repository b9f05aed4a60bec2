//! `DeleteUser`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html>
//!
//! `DeleteConflict` while the user has access keys, inline policies or groups.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("UserName", "userName")?;
    ids.delete_user(caller, name).await.map_err(to_aws_error)?;
    Ok(None)
}
