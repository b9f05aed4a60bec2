//! `ListRetirableGrants`:
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::PRINCIPAL_ID;
use super::grant_shapes::GrantListResponse;
use super::shapes::page;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    limit: Option<i64>,
    marker: Option<String>,
    retiring_principal: Option<String>,
}

names!(none(Request));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<GrantListResponse, AwsError> {
    let mut v = Violations::default();
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    let retiring = v.required_text("retiringPrincipal", req.retiring_principal, PRINCIPAL_ID);
    v.finish()?;
    let page = kms.list_retirable_grants(caller, &retiring, limit, req.marker.as_deref()).await?;
    Ok(page.into())
}
