//! `TagRole`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html>
//!
//! Adds tags, replacing those of the same keys; the answer is empty.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    let tags = shapes::tags(params)?;
    if tags.is_empty() && params.get("Tags").is_none() {
        return Err(crate::query::missing("tags"));
    }
    ids.tag_role(caller, name, tags).await.map_err(to_aws_error)?;
    Ok(None)
}
