//! `ListRoles`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html>
//!
//! Roles whose path starts with `PathPrefix`, ordered by name; `Marker` is the last name of
//! the previous page. As in AWS, the listing leaves tags out.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let (marker, max) = shapes::paging(params)?;
    let page = ids.list_roles(caller, params.get("PathPrefix"), marker, max).await.map_err(to_aws_error)?;
    let partition = caller.region.partition();
    let mut x = Xml::new();
    x.list("Roles", &page.items, |x, r| shapes::role(x, r, partition, false));
    shapes::page_end(&mut x, &page);
    Ok(Some(x))
}
