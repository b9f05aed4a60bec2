//! `ListRetirableGrants`:
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::grant_shapes::{GrantListResponse, principal};
use super::shapes::marker;
use crate::AwsError;
use crate::json::{opt_range, required};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    limit: Option<i64>,
    marker: Option<String>,
    retiring_principal: Option<String>,
}

names!(none(Request));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<GrantListResponse, AwsError> {
    let retiring = required(req.retiring_principal, "retiringPrincipal")?;
    principal("retiringPrincipal", &retiring)?;
    let limit = opt_range("limit", req.limit, 1, 1000)?;
    marker(&req.marker)?;
    let page = kms.list_retirable_grants(caller, &retiring, limit, req.marker.as_deref()).await?;
    Ok(page.into())
}
