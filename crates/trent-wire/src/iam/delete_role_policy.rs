//! `DeleteRolePolicy`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRolePolicy.html>

use trent_core::identity::PolicyOwner;
use trent_core::{Caller, Identities};

use super::inline;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let owner = inline::owner(params, PolicyOwner::Role, "RoleName")?;
    inline::delete(ids, caller, params, owner).await
}
