//! `CancelRotateSecret`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CancelRotateSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::rotate_secret::Response;
use super::shapes::SECRET_ID;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
}

names!(Request, secret_id);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.finish()?;
    Ok(secrets.cancel_rotate_secret(caller, &id).await?.into())
}
