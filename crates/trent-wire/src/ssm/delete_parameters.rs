//! `DeleteParameters`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameters.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::get_parameters::names_list;
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    names: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    deleted_parameters: Vec<String>,
    invalid_parameters: Vec<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let names = names_list(&mut v, "names", req.names);
    v.finish()?;
    let (deleted, invalid) = s.params.delete_parameters(caller, &names).await?;
    Ok(Response { deleted_parameters: deleted, invalid_parameters: invalid })
}
