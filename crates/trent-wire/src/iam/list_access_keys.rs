//! `ListAccessKeys`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAccessKeys.html>
//!
//! Without `UserName`, the caller's own keys (the root's when the root calls).

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let (marker, max) = shapes::paging(params)?;
    let page = ids.list_access_keys(caller, params.get("UserName"), marker, max).await.map_err(to_aws_error)?;
    let account = caller.principal.account.to_string();
    let mut x = Xml::new();
    x.list("AccessKeyMetadata", &page.items, |x, k| shapes::access_key_metadata(x, k, &account));
    shapes::page_end(&mut x, &page);
    Ok(Some(x))
}
