//! `GetRolePolicy`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html>
//!
//! The document comes back URL-encoded (RFC 3986), as IAM returns it.

use trent_core::identity::PolicyOwner;
use trent_core::{Caller, Identities};

use super::inline;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let owner = inline::owner(params, PolicyOwner::Role, "RoleName")?;
    inline::get(ids, caller, params, owner, "RoleName").await
}
