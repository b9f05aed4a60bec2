//! `UpdateRoleDescription`:
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateRoleDescription.html>
//!
//! Answers the role as it now is.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    let description = params.required("Description", "description")?;
    let role = ids.update_role_description(caller, name, description).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    x.nested("Role", |x| shapes::role(x, &role, caller.region.partition(), true));
    Ok(Some(x))
}
