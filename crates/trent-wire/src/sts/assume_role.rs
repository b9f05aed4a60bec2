//! `AssumeRole`: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>
//!
//! `RoleArn`, `RoleSessionName`, `DurationSeconds`, an inline session `Policy`, session
//! `Tags`, `ExternalId` and `SourceIdentity` (as condition keys) are supported; managed
//! session policies (`PolicyArns`), MFA (`SerialNumber`, `TokenCode`), `TransitiveTagKeys`
//! and `ProvidedContexts` are refused rather than ignored. The secret access key and the
//! session token are in this answer and nowhere else.

use trent_core::identity::AssumeRoleInput;
use trent_core::{Caller, Identities};
use zeroize::Zeroizing;

use super::errors::to_aws_error;
use crate::AwsError;
use crate::iam::shapes;
use crate::query::{Params, Xml};

/// `MinimumSessionTokenSize` (botocore 1.44.18) asks for a session token of at least a size
/// Trent's own token format does not promise: refused rather than ignored.
const UNSUPPORTED: [&str; 6] =
    ["PolicyArns", "SerialNumber", "TokenCode", "TransitiveTagKeys", "ProvidedContexts", "MinimumSessionTokenSize"];

fn text(secret: &trent_crypto::SecretBytes) -> Result<Zeroizing<String>, AwsError> {
    String::from_utf8(secret.expose_secret().to_vec()).map(Zeroizing::new).map_err(|_| AwsError::internal())
}

pub(crate) async fn handle(ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
    let role_arn = params.required("RoleArn", "roleArn")?;
    let session_name = params.required("RoleSessionName", "roleSessionName")?;
    if let Some(member) = UNSUPPORTED.iter().find(|m| params.get(m).is_some() || params.get(&format!("{m}.member.1")).is_some()) {
        return Err(AwsError::new(
            "ValidationError",
            http::StatusCode::BAD_REQUEST,
            format!("{member} is not supported by this server."),
        ));
    }
    let input = AssumeRoleInput {
        role_arn: role_arn.to_owned(),
        session_name: session_name.to_owned(),
        duration_seconds: params.int("DurationSeconds", "durationSeconds")?,
        policy: params.get("Policy").map(str::to_owned),
        tags: shapes::tags(params)?,
        external_id: params.get("ExternalId").map(str::to_owned),
        source_identity: params.get("SourceIdentity").map(str::to_owned),
    };
    let assumed = ids.assume_role(caller, input).await.map_err(to_aws_error)?;
    let secret = text(&assumed.secret_access_key)?;
    let token = text(&assumed.session_token)?;
    let mut x = Xml::new();
    x.nested("Credentials", |x| {
        x.element("AccessKeyId", &assumed.access_key_id)
            .element("SecretAccessKey", &secret)
            .element("SessionToken", &token)
            .element("Expiration", &shapes::date(assumed.expiration));
    })
    .nested("AssumedRoleUser", |x| {
        x.element("AssumedRoleId", &assumed.assumed_role_id).element("Arn", &assumed.arn);
    });
    if let Some(size) = assumed.packed_policy_size {
        x.element("PackedPolicySize", &size.to_string());
    }
    if let Some(id) = params.get("SourceIdentity") {
        x.element("SourceIdentity", id);
    }
    Ok(Some(x))
}
