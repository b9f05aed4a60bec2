//! `GetCallerIdentity`: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>
//!
//! Needs no permission: "no permissions are required to perform this operation. If an
//! administrator attaches a policy to your identity that explicitly denies access to the
//! sts:GetCallerIdentity action, you can still perform this operation."

use trent_core::{Caller, Identities};

use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(_ids: &Identities, caller: &Caller, _params: &Params) -> Result<Option<Xml>, AwsError> {
    let mut x = Xml::new();
    x.element("UserId", &caller.identity.user_id)
        .element("Account", caller.principal.account.as_str())
        .element("Arn", &caller.arn());
    Ok(Some(x))
}
