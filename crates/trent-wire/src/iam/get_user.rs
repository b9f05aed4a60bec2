//! `GetUser`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetUser.html>
//!
//! Without `UserName`, the calling user.

use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let user = ids.get_user(caller, params.get("UserName")).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    x.nested("User", |x| shapes::user(x, &user, caller.region.partition(), true));
    Ok(Some(x))
}
