//! `BatchGetSecretValue`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::Secrets;

use super::get_secret_value::Response as Value;
use super::shapes::{FilterShape, NEXT_TOKEN, SECRET_ID, filters};
use crate::AwsError;
use crate::json::{Bounds, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    secret_id_list: Option<Vec<String>>,
    filters: Option<Vec<FilterShape>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

names!(Request);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ApiError {
    secret_id: String,
    error_code: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    secret_values: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    errors: Vec<ApiError>,
}

names!(Response);

/// `MaxResultsBatchType`.
const MAX_BATCH: Bounds = Bounds { min: 1, max: 20 };
/// Most ids of `SecretIdList`.
const SECRET_IDS_MAX: usize = 20;

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    v.text_list("secretIdList", req.secret_id_list.as_deref(), Some(SECRET_IDS_MAX), SECRET_ID, true);
    let filters = req.filters.map(|f| filters(&mut v, Some(f)));
    let max = v.range("maxResults", req.max_results, MAX_BATCH);
    v.text("nextToken", req.next_token.as_deref(), NEXT_TOKEN);
    v.finish()?;
    let out = secrets
        .batch_get_secret_value(
            caller,
            req.secret_id_list.as_deref(),
            filters.as_deref(),
            max.map(|m| m as usize),
            req.next_token.as_deref(),
        )
        .await?;
    let errors = out
        .errors
        .into_iter()
        .map(|(secret_id, e)| {
            let aws = AwsError::from(e);
            ApiError { secret_id, error_code: aws.code, message: aws.message }
        })
        .collect();
    Ok(Response {
        secret_values: out.values.into_iter().map(Value::from).collect(),
        next_token: out.next_token,
        errors,
    })
}
