//! `DeleteAccessKey`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteAccessKey.html>

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let id = params.required("AccessKeyId", "accessKeyId")?;
    ids.delete_access_key(caller, params.get("UserName"), id).await.map_err(to_aws_error)?;
    Ok(None)
}
