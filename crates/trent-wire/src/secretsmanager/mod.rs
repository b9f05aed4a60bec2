//! AWS Secrets Manager over awsJson1_1 (`X-Amz-Target: secretsmanager.<Operation>`, SigV4
//! service `secretsmanager`).
//!
//! One file per operation, named after it, holds the typed request (its secret members
//! decoded straight into [`trent_core::secrets::SecretValue`] and never serialised for the
//! audit trail), the call into [`trent_core::secrets::Secrets`] and the answer.
//! [`SecretsAction`] dispatches; the operations of the model not listed here
//! answer `UnknownOperationException`.

mod errors;
mod shapes;

use serde::Serialize;
use serde::de::DeserializeOwned;
use trent_core::Arn;
use trent_core::Caller;
use trent_core::audit::CallFacts;
use trent_core::audit::Resource;
use trent_core::audit::rules::{ResponseRule, SECRETS_MANAGER};
use trent_core::secrets::Secrets;

use crate::AwsError;
use crate::service::{Dispatched, Protocol, Reach, WireService, audit_value, decode_json, encode_json};

/// AWS Secrets Manager on the wire.
pub static SERVICE: WireService = WireService {
    name: "secretsmanager",
    signing_name: "secretsmanager",
    protocol: Protocol::Json { target_prefixes: &["secretsmanager."] },
    reach: Reach::Regional,
    audit: &SECRETS_MANAGER,
    throttling_message: crate::service::RATE_EXCEEDED,
};

/// The CloudTrail resource type of a secret.
const RESOURCE_TYPE: &str = "AWS::SecretsManager::Secret";

/// The secret a request or an answer names, for the audit trail's `resources` (a secret of
/// another account puts the event into that account's trail too).
pub(crate) trait Names {
    /// The `SecretId` of a request, the `ARN` of an answer.
    fn secret(&self) -> Option<&str> {
        None
    }
}

/// The empty answer (`{}`) of operations that return nothing.
impl Names for serde_json::Value {}

/// `impl Names` naming the member that holds the secret.
macro_rules! names {
    ($ty:ty, $member:ident) => {
        impl super::Names for $ty {
            fn secret(&self) -> Option<&str> {
                self.$member.as_deref()
            }
        }
    };
    ($ty:ty) => {
        impl super::Names for $ty {}
    };
}

crate::actions::json_actions! {
    /// The Secrets Manager operations this server implements.
    SecretsAction, "secretsmanager.", secrets: &Secrets;

    AssociateCrossAccountReplica => associate_cross_account_replica,
    BatchGetSecretValue => batch_get_secret_value,
    CancelRotateSecret => cancel_rotate_secret,
    CreateSecret => create_secret,
    DeleteResourcePolicy => delete_resource_policy,
    DeleteSecret => delete_secret,
    DescribeSecret => describe_secret,
    DisassociateCrossAccountReplica => disassociate_cross_account_replica,
    GetRandomPassword => get_random_password,
    GetResourcePolicy => get_resource_policy,
    GetSecretValue => get_secret_value,
    ListResourcePolicies => list_resource_policies,
    ListSecretVersionIds => list_secret_version_ids,
    ListSecrets => list_secrets,
    PutResourcePolicy => put_resource_policy,
    PutSecretValue => put_secret_value,
    RemoveRegionsFromReplication => remove_regions_from_replication,
    ReplicateSecretToRegions => replicate_secret_to_regions,
    RestoreSecret => restore_secret,
    RotateSecret => rotate_secret,
    StopReplicationToReplica => stop_replication_to_replica,
    TagResource => tag_resource,
    UntagResource => untag_resource,
    UpdateSecret => update_secret,
    UpdateSecretVersionStage => update_secret_version_stage,
    ValidateResourcePolicy => validate_resource_policy,
}

pub(crate) use get_secret_value::answer_json;

/// The resource a `SecretId` or `ARN` names, when it is an ARN (a bare name is the caller's).
fn resource(name: Option<&str>) -> Option<Resource> {
    let arn = Arn::parse(name?).filter(|a| a.service == "secretsmanager")?;
    Some(Resource {
        account_id: arn.account.to_owned(),
        resource_type: RESOURCE_TYPE.to_owned(),
        arn: name?.to_owned(),
    })
}

/// Decodes the body once, runs one operation, encodes its answer and states what the audit
/// trail may record: the typed request's recordable members (secret values are skipped by
/// type), the answer's only where the rules say so, and the secret named.
async fn call<Req, Resp, F, Fut>(action: SecretsAction, _caller: &Caller, body: &[u8], f: F) -> Dispatched
where
    Req: DeserializeOwned + Serialize + Names,
    Resp: Serialize + Names,
    F: FnOnce(Req) -> Fut,
    Fut: Future<Output = Result<Resp, AwsError>>,
{
    let req: Req = match decode_json(body) {
        Ok(req) => req,
        Err(e) => return Dispatched::failed(e),
    };
    let request = audit_value(&req);
    let requested = resource(req.secret());
    match f(req).await {
        Ok(resp) => {
            let response = match SECRETS_MANAGER.operation(action.name()).response {
                ResponseRule::Record => audit_value(&resp),
                ResponseRule::Null => None,
            };
            let resources: Vec<Resource> = resource(resp.secret()).or(requested).into_iter().collect();
            Dispatched {
                result: encode_json(&resp),
                facts: CallFacts { request, response, resources, key_uses: Vec::new() },
            }
        }
        Err(e) => {
            let resources = requested.into_iter().collect();
            Dispatched { result: Err(e), facts: CallFacts { request, response: None, resources, key_uses: Vec::new() } }
        }
    }
}

/// Runs the Secrets Manager operation named `operation` for `caller` with the raw JSON
/// `body`: the JSON answer or the AWS-shaped error (`UnknownOperationException` for an
/// operation this server does not implement), with the facts the audit trail records.
pub async fn dispatch(secrets: &Secrets, caller: &Caller, operation: &str, body: &[u8]) -> Dispatched {
    match SecretsAction::parse(operation) {
        Some(action) => action.run(secrets, caller, body).await,
        None => Dispatched::failed(AwsError::unknown_operation()),
    }
}
