//! `ListGrants`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html>
//!
//! The `GranteeServicePrincipal` filter, usable only by callers in a service principal, answers
//! `UnsupportedOperationException`: no caller of Trent is one.

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::{GRANT_ID, KEY_ID, PRINCIPAL_ID};
use super::grant_shapes::{GrantListResponse, no_service_principals, service_principal};
use super::shapes::page;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    limit: Option<i64>,
    marker: Option<String>,
    key_id: Option<String>,
    grant_id: Option<String>,
    grantee_principal: Option<String>,
    grantee_service_principal: Option<String>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<GrantListResponse, AwsError> {
    let mut v = Violations::default();
    let limit = page(&mut v, req.limit, req.marker.as_deref());
    let key_id = v.required_text("keyId", req.key_id, KEY_ID);
    v.text("grantId", req.grant_id.as_deref(), GRANT_ID);
    v.text("granteePrincipal", req.grantee_principal.as_deref(), PRINCIPAL_ID);
    service_principal(&mut v, "granteeServicePrincipal", req.grantee_service_principal.as_deref());
    v.finish()?;
    if req.grantee_service_principal.is_some() {
        return Err(no_service_principals());
    }
    let page = kms
        .list_grants(caller, &key_id, req.grant_id.as_deref(), req.grantee_principal.as_deref(), limit, req.marker.as_deref())
        .await?;
    Ok(page.into())
}
