//! `ListRoleTags`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoleTags.html>
//!
//! The role's tags ordered by key; `Marker` is the last key of the previous page.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let name = params.required("RoleName", "roleName")?;
    let (marker, max) = shapes::paging(params)?;
    let page = ids.list_role_tags(caller, name, marker, max).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    shapes::tag_members(&mut x, &page.items);
    shapes::page_end(&mut x, &page);
    Ok(Some(x))
}
