//! `CreateGrant`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html>
//!
//! Grants for AWS service principals (`GranteeServicePrincipal`, `RetiringServicePrincipal`,
//! the `SourceArn` constraint) answer `UnsupportedOperationException` once their members are
//! checked: no Trent service uses a KMS key as a service principal.

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CreateGrantInput, Kms};

use super::constraints::{GRANT_NAME, KEY_ID, PRINCIPAL_ID};
use super::grant_shapes::{ConstraintsShape, no_service_principals, operations, service_principal, source_arn};
use super::shapes::{grant_tokens, issued_grant_tokens};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    grantee_principal: Option<String>,
    grantee_service_principal: Option<String>,
    retiring_principal: Option<String>,
    retiring_service_principal: Option<String>,
    operations: Option<Vec<String>>,
    constraints: Option<ConstraintsShape>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
    name: Option<String>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    grant_token: String,
    grant_id: String,
}

names!(request(key_id));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let key_id = v.required_text("keyId", req.key_id, KEY_ID);
    // A grant for a service principal is refused after the members are checked; without one,
    // GranteePrincipal is required.
    let for_service = req.grantee_service_principal.is_some()
        || req.retiring_service_principal.is_some()
        || req.constraints.as_ref().and_then(ConstraintsShape::source_arn).is_some();
    service_principal(&mut v, "granteeServicePrincipal", req.grantee_service_principal.as_deref());
    service_principal(&mut v, "retiringServicePrincipal", req.retiring_service_principal.as_deref());
    source_arn(&mut v, req.constraints.as_ref());
    let grantee = match for_service {
        true => {
            v.text("granteePrincipal", req.grantee_principal.as_deref(), PRINCIPAL_ID);
            String::new()
        }
        false => v.required_text("granteePrincipal", req.grantee_principal, PRINCIPAL_ID),
    };
    v.text("retiringPrincipal", req.retiring_principal.as_deref(), PRINCIPAL_ID);
    let listed = v.required("operations", req.operations);
    let operations = operations(&mut v, listed.as_deref());
    grant_tokens(&mut v, &req.grant_tokens);
    v.text("name", req.name.as_deref(), GRANT_NAME);
    v.finish()?;
    if for_service {
        return Err(no_service_principals());
    }
    issued_grant_tokens(&req.grant_tokens)?;
    let input = CreateGrantInput {
        key_id,
        grantee_principal: grantee,
        retiring_principal: req.retiring_principal,
        operations,
        constraints: req.constraints.map(Into::into),
        name: req.name,
        dry_run: req.dry_run.unwrap_or(false),
    };
    let grant = kms.create_grant(caller, input).await?;
    Ok(Response { grant_token: grant.grant_token, grant_id: grant.grant_id })
}
