//! `CreateAccessKey`: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html>
//!
//! The secret access key is in this answer and nowhere else, ever: it is stored only wrapped
//! under the root key.

use trent_core::{Caller, Identities};
use zeroize::Zeroizing;

use super::errors::to_aws_error;
use super::shapes;
use crate::AwsError;
use crate::query::{Params, Xml};

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let created = ids.create_user_access_key(caller, params.get("UserName")).await.map_err(to_aws_error)?;
    let secret = Zeroizing::new(
        String::from_utf8(created.key.secret_access_key.expose_secret().to_vec()).map_err(|_| AwsError::internal())?,
    );
    let account = caller.principal.account.to_string();
    let m = &created.metadata;
    let mut x = Xml::new();
    x.nested("AccessKey", |x| {
        x.element("UserName", m.user_name.as_deref().unwrap_or(&account))
            .element("AccessKeyId", &m.access_key_id)
            .element("Status", m.status.as_str())
            .element("SecretAccessKey", &secret)
            .element("CreateDate", &shapes::date(m.created_at));
    });
    Ok(Some(x))
}
