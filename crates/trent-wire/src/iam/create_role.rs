//! `CreateRole`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>
//!
//! `AssumeRolePolicyDocument` is required and must be a valid trust policy.
//! `PermissionsBoundary` is refused.

use trent_core::identity::NewRole;
use trent_core::{Caller, Identities};

use super::create_user::unsupported;
use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    let trust_policy = params.required("AssumeRolePolicyDocument", "assumeRolePolicyDocument")?;
    if params.get("PermissionsBoundary").is_some() {
        return Err(unsupported("PermissionsBoundary"));
    }
    let new = NewRole {
        name: name.to_owned(),
        path: params.get("Path").map(str::to_owned),
        trust_policy: trust_policy.to_owned(),
        description: params.get("Description").map(str::to_owned),
        max_session_duration: params.int("MaxSessionDuration", "maxSessionDuration")?,
        tags: shapes::tags(params)?,
    };
    let role = ids.create_role(caller, new).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    x.nested("Role", |x| shapes::role(x, &role, caller.region.partition(), true));
    Ok(Some(x))
}
