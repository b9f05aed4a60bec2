//! `CreateGroup`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateGroup.html>

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("GroupName", "groupName")?;
    let group = ids.create_group(caller, name, params.get("Path")).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    x.nested("Group", |x| shapes::group(x, &group, caller.region.partition()));
    Ok(Some(x))
}
