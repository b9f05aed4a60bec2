//! `UpdateAssumeRolePolicy`:
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html>
//!
//! The new trust policy is held to `CreateRole`'s rules; the answer is empty.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    let document = params.required("PolicyDocument", "policyDocument")?;
    ids.update_assume_role_policy(caller, name, document).await.map_err(to_aws_error)?;
    Ok(None)
}
