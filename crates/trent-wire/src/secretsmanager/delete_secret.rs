//! `DeleteSecret`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::shapes::SECRET_ID;
use crate::AwsError;
use crate::json::{Epoch, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id: Option<String>,
    recovery_window_in_days: Option<i64>,
    force_delete_without_recovery: Option<bool>,
}

names!(Request, secret_id);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: String,
    deletion_date: Epoch,
}

names!(Response, arn);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("secretId", req.secret_id, SECRET_ID);
    v.finish()?;
    let force = req.force_delete_without_recovery.unwrap_or(false);
    let out = secrets.delete_secret(caller, &id, req.recovery_window_in_days, force).await?;
    Ok(Response { arn: Some(out.arn), name: out.name, deletion_date: Epoch(out.deletion_date) })
}
