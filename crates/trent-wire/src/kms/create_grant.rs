//! `CreateGrant`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CreateGrantInput, Kms};

use super::constraints::{GRANT_NAME, KEY_ID, PRINCIPAL_ID};
use super::grant_shapes::{ConstraintsShape, operations};
use super::shapes::{grant_tokens, issued_grant_tokens};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    grantee_principal: Option<String>,
    retiring_principal: Option<String>,
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
    let grantee = v.required_text("granteePrincipal", req.grantee_principal, PRINCIPAL_ID);
    v.text("retiringPrincipal", req.retiring_principal.as_deref(), PRINCIPAL_ID);
    let listed = v.required("operations", req.operations);
    let operations = operations(&mut v, listed.as_deref());
    grant_tokens(&mut v, &req.grant_tokens);
    v.text("name", req.name.as_deref(), GRANT_NAME);
    v.finish()?;
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
