//! `ListGrants`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::grant_shapes::{GrantListResponse, principal};
use super::shapes::{key_id, marker};
use crate::AwsError;
use crate::json::{length, opt_range};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    limit: Option<i64>,
    marker: Option<String>,
    key_id: Option<String>,
    grant_id: Option<String>,
    grantee_principal: Option<String>,
}

names!(request(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<GrantListResponse, AwsError> {
    let key_id = key_id(req.key_id, "keyId")?;
    let limit = opt_range("limit", req.limit, 1, 1000)?;
    marker(&req.marker)?;
    if let Some(g) = &req.grant_id {
        length("grantId", g, 1, 128)?;
    }
    if let Some(p) = &req.grantee_principal {
        principal("granteePrincipal", p)?;
    }
    let page = kms
        .list_grants(caller, &key_id, req.grant_id.as_deref(), req.grantee_principal.as_deref(), limit, req.marker.as_deref())
        .await?;
    Ok(page.into())
}
