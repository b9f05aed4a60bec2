//! `UntagRole`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UntagRole.html>
//!
//! Removes the tags of `TagKeys` (`TagKeys.member.N`); the answer is empty.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    let keys: Vec<String> = params.list("TagKeys")?.into_iter().map(str::to_owned).collect();
    if keys.is_empty() && params.get("TagKeys").is_none() {
        return Err(crate::query::missing("tagKeys"));
    }
    ids.untag_role(caller, name, keys).await.map_err(to_aws_error)?;
    Ok(None)
}
