//! AWS Systems Manager Parameter Store over awsJson1_1 (`X-Amz-Target: AmazonSSM.<Operation>`,
//! SigV4 service `ssm`).
//!
//! One file per operation, named after it, holds the typed request, the call into
//! [`trent_core::params::Params`] and the response mapping. [`SsmAction`] dispatches. The
//! Parameter Store operations are served; every other operation of AWS Systems Manager
//! (Run Command, Automation, Inventory...) answers `UnknownOperationException`.

mod errors;
mod resources;
mod shapes;

use serde::Serialize;
use serde::de::DeserializeOwned;
use trent_core::Caller;
use trent_core::audit::CallFacts;
use trent_core::audit::rules::{ResponseRule, SSM};
use trent_core::kms::Kms;
use trent_core::params::{Params, Sources};
use trent_core::secrets::Secrets;

use crate::AwsError;
use crate::service::{Dispatched, Protocol, Reach, WireService, audit_value, decode_json, encode_json};

/// The `X-Amz-Target` prefix of Systems Manager.
pub const TARGET_PREFIX: &str = "AmazonSSM.";
/// The SigV4 service name of Systems Manager.
pub const SIGNING_SERVICE: &str = "ssm";

/// AWS Systems Manager on the wire.
pub static SERVICE: WireService = WireService {
    name: "ssm",
    signing_name: SIGNING_SERVICE,
    protocol: Protocol::Json { target_prefixes: &[TARGET_PREFIX] },
    reach: Reach::Regional,
    audit: &SSM,
    throttling_message: crate::service::RATE_EXCEEDED,
};

/// What an operation runs on: Parameter Store, KMS for `SecureString`s and Secrets Manager
/// for `/aws/reference/secretsmanager/...` names.
#[derive(Clone, Copy)]
pub(crate) struct Services<'a> {
    pub(crate) params: &'a Params,
    pub(crate) kms: &'a Kms,
    pub(crate) secrets: &'a Secrets,
}

impl<'a> Services<'a> {
    /// What reads draw on.
    pub(crate) fn sources(self) -> Sources<'a> {
        Sources { kms: self.kms, secrets: self.secrets }
    }
}

crate::actions::json_actions! {
    /// The Systems Manager operations this server implements: Parameter Store's.
    SsmAction, "AmazonSSM.", services: Services<'_>;

    AddTagsToResource => add_tags_to_resource,
    DeleteParameter => delete_parameter,
    DeleteParameters => delete_parameters,
    DescribeParameters => describe_parameters,
    GetParameter => get_parameter,
    GetParameterHistory => get_parameter_history,
    GetParameters => get_parameters,
    GetParametersByPath => get_parameters_by_path,
    GetServiceSetting => get_service_setting,
    LabelParameterVersion => label_parameter_version,
    ListTagsForResource => list_tags_for_resource,
    PutParameter => put_parameter,
    RemoveTagsFromResource => remove_tags_from_resource,
    ResetServiceSetting => reset_service_setting,
    UnlabelParameterVersion => unlabel_parameter_version,
    UpdateServiceSetting => update_service_setting,
}

/// Decodes the body once, runs one operation, encodes its answer and states what the audit
/// trail may record: the typed request's recordable members (values are skipped by type and
/// by the service's member rules), the answer only for operations whose rule says so, and
/// the parameters named.
async fn call<Req, Resp, F, Fut>(action: SsmAction, caller: &Caller, body: &[u8], f: F) -> Dispatched
where
    Req: DeserializeOwned + Serialize,
    Resp: Serialize,
    F: FnOnce(Req) -> Fut,
    Fut: Future<Output = Result<Resp, AwsError>>,
{
    let req: Req = match decode_json(body) {
        Ok(req) => req,
        Err(e) => return Dispatched::failed(e),
    };
    let request = audit_value(&req);
    let resources = resources::named(caller, request.as_ref());
    match f(req).await {
        Ok(resp) => {
            let response = match SSM.operation(action.name()).response {
                ResponseRule::Record => audit_value(&resp),
                ResponseRule::Null => None,
            };
            Dispatched {
                result: encode_json(&resp),
                facts: CallFacts { request, response, resources, key_uses: Vec::new() },
            }
        }
        Err(e) => {
            Dispatched { result: Err(e), facts: CallFacts { request, response: None, resources, key_uses: Vec::new() } }
        }
    }
}

/// Runs the Systems Manager operation named `operation` (the part of `X-Amz-Target` after
/// `AmazonSSM.`) for `caller` with the raw JSON `body`: the JSON answer or the AWS-shaped error
/// (`UnknownOperationException` for an operation this server does not implement), with the
/// facts the audit trail records.
pub async fn dispatch(
    params: &Params,
    kms: &Kms,
    secrets: &Secrets,
    caller: &Caller,
    operation: &str,
    body: &[u8],
) -> Dispatched {
    match SsmAction::parse(operation) {
        Some(action) => action.run(Services { params, kms, secrets }, caller, body).await,
        None => Dispatched::failed(AwsError::unknown_operation()),
    }
}
