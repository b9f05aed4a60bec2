//! `ListRetirableGrants`:
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html>
//!
//! The `RetiringServicePrincipal` filter, usable only by callers in a service principal,
//! answers `UnsupportedOperationException`: no caller of Trent is one.

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::PRINCIPAL_ID;
use super::grant_shapes::{GrantListResponse, no_service_principals, service_principal};
use super::shapes::page;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    limit: Option<i64>,
    marker: Option<String>,
    retiring_principal: Option<String>,
    retiring_service_principal: Option<String>,
}

names!(none(Request));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<GrantListResponse, AwsError> {
    let mut v = Violations::default();
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    service_principal(&mut v, "retiringServicePrincipal", req.retiring_service_principal.as_deref());
    let for_service = req.retiring_service_principal.is_some();
    let retiring = match for_service {
        true => {
            v.text("retiringPrincipal", req.retiring_principal.as_deref(), PRINCIPAL_ID);
            String::new()
        }
        false => v.required_text("retiringPrincipal", req.retiring_principal, PRINCIPAL_ID),
    };
    v.finish()?;
    if for_service {
        return Err(no_service_principals());
    }
    let page = kms.list_retirable_grants(caller, &retiring, limit, req.marker.as_deref()).await?;
    Ok(page.into())
}
