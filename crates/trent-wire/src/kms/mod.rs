//! AWS KMS over awsJson1_1 (`X-Amz-Target: TrentService.<Operation>`).
//!
//! One file per operation, named after it, holds the typed request, the call into
//! [`trent_core::kms::Kms`] and the response mapping. [`KmsAction`] dispatches; operations of
//! the botocore model that are not listed here answer `UnknownOperationException`.

mod constraints;
mod custom_key_store_shapes;
mod errors;
pub(crate) use errors::message;
mod grant_shapes;
mod shapes;

use serde::Serialize;
use serde::de::DeserializeOwned;
use trent_core::Caller;
use trent_core::audit::rules::{KMS, ResponseRule};
use trent_core::audit::{CallFacts, KmsNames, kms_resources};
use trent_core::kms::{KeyUsed, Kms};

use crate::AwsError;
use crate::service::{Dispatched, Protocol, Reach, WireService, audit_value, decode_json, encode_json};

/// The `X-Amz-Target` prefix of KMS.
pub const TARGET_PREFIX: &str = "TrentService.";
/// The SigV4 service name of KMS.
pub const SIGNING_SERVICE: &str = "kms";

/// AWS KMS on the wire.
pub static SERVICE: WireService = WireService {
    name: "kms",
    signing_name: SIGNING_SERVICE,
    protocol: Protocol::Json { target_prefixes: &[TARGET_PREFIX] },
    reach: Reach::Regional,
    audit: &KMS,
    throttling_message: "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
};

/// What a request or an answer names, for the audit trail's `resources`: each operation's
/// file says which of its members are keys and aliases.
pub(crate) trait Names {
    /// Keys named where a key is expected: as written (key id, key ARN, alias name or alias
    /// ARN) in a request, key ARNs in an answer.
    fn keys(&self) -> [Option<&str>; 2] {
        [None, None]
    }

    /// The alias the operation acts on.
    fn alias(&self) -> Option<&str> {
        None
    }

    /// The keys an answer says the call used for a tracked cryptographic operation, as the
    /// domain reported them, for `GetKeyLastUsage`.
    fn used(&mut self) -> Vec<KeyUsed> {
        Vec::new()
    }
}

/// The empty answer (`{}`) of operations that return nothing.
impl Names for serde_json::Value {}

/// Two key slots from the one or two keys a message names.
fn slots<'a>(keys: &[Option<&'a str>]) -> [Option<&'a str>; 2] {
    [keys.first().copied().flatten(), keys.get(1).copied().flatten()]
}

/// `impl Names` for an operation's messages, naming the members that hold keys and aliases:
/// `request(key_id)`, `request(source, destination)`, `request(target; alias alias_name)`,
/// `response(key_id)` for an answer's key ARNs, `response(key_id; used used)` for an answer
/// that also carries the keys it used (members not sent), `none(T)` for a message naming no
/// key.
macro_rules! names {
    (request($($key:ident),*)) => {
        impl super::Names for Request {
            fn keys(&self) -> [Option<&str>; 2] {
                super::slots(&[$(self.$key.as_deref()),*])
            }
        }
    };
    (request($($key:ident),*; alias $alias:ident)) => {
        impl super::Names for Request {
            fn keys(&self) -> [Option<&str>; 2] {
                super::slots(&[$(self.$key.as_deref()),*])
            }

            fn alias(&self) -> Option<&str> {
                self.$alias.as_deref()
            }
        }
    };
    (response($($key:ident),*)) => {
        impl super::Names for Response {
            fn keys(&self) -> [Option<&str>; 2] {
                super::slots(&[$(Some(self.$key.as_str())),*])
            }
        }
    };
    (response($($key:ident),*; used $($used:ident),+)) => {
        impl super::Names for Response {
            fn keys(&self) -> [Option<&str>; 2] {
                super::slots(&[$(Some(self.$key.as_str())),*])
            }

            fn used(&mut self) -> Vec<trent_core::kms::KeyUsed> {
                let mut used = Vec::new();
                $(used.extend(self.$used.take());)+
                used
            }
        }
    };
    (none($ty:ty)) => {
        impl super::Names for $ty {}
    };
}

crate::actions::json_actions! {
    /// The KMS operations this server implements.
    KmsAction, "TrentService.", kms: &Kms;

    CancelKeyDeletion => cancel_key_deletion,
    ConnectCustomKeyStore => connect_custom_key_store,
    CreateAlias => create_alias,
    CreateCustomKeyStore => create_custom_key_store,
    CreateGrant => create_grant,
    CreateKey => create_key,
    Decapsulate => decapsulate,
    Decrypt => decrypt,
    DeleteAlias => delete_alias,
    DeleteCustomKeyStore => delete_custom_key_store,
    DeleteImportedKeyMaterial => delete_imported_key_material,
    DeriveSharedSecret => derive_shared_secret,
    DescribeCustomKeyStores => describe_custom_key_stores,
    DescribeKey => describe_key,
    DisableKey => disable_key,
    DisableKeyRotation => disable_key_rotation,
    DisconnectCustomKeyStore => disconnect_custom_key_store,
    EnableKey => enable_key,
    EnableKeyRotation => enable_key_rotation,
    Encapsulate => encapsulate,
    Encrypt => encrypt,
    GenerateDataKey => generate_data_key,
    GenerateDataKeyPair => generate_data_key_pair,
    GenerateDataKeyPairWithoutPlaintext => generate_data_key_pair_without_plaintext,
    GenerateDataKeyWithoutPlaintext => generate_data_key_without_plaintext,
    GenerateMac => generate_mac,
    GenerateRandom => generate_random,
    GetKeyLastUsage => get_key_last_usage,
    GetKeyPolicy => get_key_policy,
    GetKeyRotationStatus => get_key_rotation_status,
    GetParametersForImport => get_parameters_for_import,
    GetPublicKey => get_public_key,
    ImportKeyMaterial => import_key_material,
    ListAliases => list_aliases,
    ListGrants => list_grants,
    ListKeyPolicies => list_key_policies,
    ListKeyRotations => list_key_rotations,
    ListKeys => list_keys,
    ListResourceTags => list_resource_tags,
    ListRetirableGrants => list_retirable_grants,
    PutKeyPolicy => put_key_policy,
    ReEncrypt => re_encrypt,
    ReplicateKey => replicate_key,
    RetireGrant => retire_grant,
    RevokeGrant => revoke_grant,
    RotateKeyOnDemand => rotate_key_on_demand,
    ScheduleKeyDeletion => schedule_key_deletion,
    Sign => sign,
    TagResource => tag_resource,
    UntagResource => untag_resource,
    UpdateAlias => update_alias,
    UpdateCustomKeyStore => update_custom_key_store,
    UpdateKeyDescription => update_key_description,
    UpdatePrimaryRegion => update_primary_region,
    Verify => verify,
    VerifyMac => verify_mac,
}

/// Decodes the body once, runs one operation, encodes its answer and states what the audit
/// trail may record: the typed request's recordable members, the answer's for the operations
/// whose answer CloudTrail records, and the keys and aliases named on either side.
async fn call<Req, Resp, F, Fut>(action: KmsAction, caller: &Caller, body: &[u8], f: F) -> Dispatched
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
    let requested = req.keys().map(|k| k.map(str::to_owned));
    let alias = req.alias().map(str::to_owned);
    let mut names = KmsNames { alias: alias.as_deref(), ..KmsNames::default() };
    names.requested = [requested[0].as_deref(), requested[1].as_deref()];
    match f(req).await {
        Ok(mut resp) => {
            let key_uses = resp.used();
            names.resolved = resp.keys();
            let response = match KMS.operation(action.name()).response {
                ResponseRule::Record => audit_value(&resp),
                ResponseRule::Null => None,
            };
            let resources = kms_resources(caller, &names);
            Dispatched { result: encode_json(&resp), facts: CallFacts { request, response, resources, key_uses } }
        }
        Err(e) => {
            let resources = kms_resources(caller, &names);
            Dispatched { result: Err(e), facts: CallFacts { request, response: None, resources, key_uses: Vec::new() } }
        }
    }
}

/// Runs the KMS operation named `operation` (the part of `X-Amz-Target` after
/// `TrentService.`) for `caller` with the raw JSON `body`: the JSON answer or the AWS-shaped
/// error (`UnknownOperationException` for an operation this server does not implement,
/// `SerializationException` for a body that is not the operation's JSON,
/// `ValidationException` for constraint violations, and each domain error's own type), with
/// the facts the audit trail records.
pub async fn dispatch(kms: &Kms, caller: &Caller, operation: &str, body: &[u8]) -> Dispatched {
    match KmsAction::parse(operation) {
        Some(action) => action.run(kms, caller, body).await,
        None => Dispatched::failed(AwsError::unknown_operation()),
    }
}
