//! AWS KMS over awsJson1_1 (`X-Amz-Target: TrentService.<Operation>`).
//!
//! One file per operation, named after it, holds the typed request, the call into
//! [`trent_core::kms::Kms`] and the response mapping. [`KmsAction`] dispatches; operations of
//! the botocore model that are not listed here answer `UnknownOperationException`.

mod errors;
mod grant_shapes;
mod shapes;

use serde::Serialize;
use serde::de::DeserializeOwned;
use trent_core::Caller;
use trent_core::kms::Kms;

use crate::AwsError;

/// The `X-Amz-Target` prefix of KMS.
pub const TARGET_PREFIX: &str = "TrentService.";
/// The SigV4 service name of KMS.
pub const SIGNING_SERVICE: &str = "kms";

macro_rules! actions {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        $(mod $module;)+

        /// The KMS operations this server implements.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum KmsAction {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant
            ),+
        }

        impl KmsAction {
            /// Every implemented operation.
            pub const ALL: &'static [KmsAction] = &[$(KmsAction::$variant),+];

            /// The operation named by the part of `X-Amz-Target` after `TrentService.`.
            pub fn parse(operation: &str) -> Option<Self> {
                match operation {
                    $(stringify!($variant) => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The operation's AWS name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant)),+
                }
            }

            async fn run(self, kms: &Kms, caller: &Caller, body: &[u8]) -> Result<Vec<u8>, AwsError> {
                match self {
                    $(Self::$variant => call(body, |req| $module::handle(kms, caller, req)).await),+
                }
            }
        }
    };
}

actions! {
    CancelKeyDeletion => cancel_key_deletion,
    CreateAlias => create_alias,
    CreateGrant => create_grant,
    CreateKey => create_key,
    Decrypt => decrypt,
    DeleteAlias => delete_alias,
    DescribeKey => describe_key,
    DisableKey => disable_key,
    DisableKeyRotation => disable_key_rotation,
    EnableKey => enable_key,
    EnableKeyRotation => enable_key_rotation,
    Encrypt => encrypt,
    GenerateDataKey => generate_data_key,
    GenerateDataKeyWithoutPlaintext => generate_data_key_without_plaintext,
    GenerateRandom => generate_random,
    GetKeyPolicy => get_key_policy,
    GetKeyRotationStatus => get_key_rotation_status,
    ListAliases => list_aliases,
    ListGrants => list_grants,
    ListKeyPolicies => list_key_policies,
    ListKeyRotations => list_key_rotations,
    ListKeys => list_keys,
    ListResourceTags => list_resource_tags,
    ListRetirableGrants => list_retirable_grants,
    PutKeyPolicy => put_key_policy,
    ReEncrypt => re_encrypt,
    RetireGrant => retire_grant,
    RevokeGrant => revoke_grant,
    RotateKeyOnDemand => rotate_key_on_demand,
    ScheduleKeyDeletion => schedule_key_deletion,
    TagResource => tag_resource,
    UntagResource => untag_resource,
    UpdateAlias => update_alias,
    UpdateKeyDescription => update_key_description,
}

/// Decodes the body, runs one operation and encodes its answer.
async fn call<Req, Resp, F, Fut>(body: &[u8], f: F) -> Result<Vec<u8>, AwsError>
where
    Req: DeserializeOwned,
    Resp: Serialize,
    F: FnOnce(Req) -> Fut,
    Fut: Future<Output = Result<Resp, AwsError>>,
{
    let body = if body.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { body };
    let req: Req = serde_json::from_slice(body).map_err(|e| {
        // serde_json's message names the member and the expected type, never a value.
        AwsError::serialization(format!("Could not parse the request body: {}", e.classify_message()))
    })?;
    let resp = f(req).await?;
    serde_json::to_vec(&resp).map_err(|_| AwsError::internal())
}

trait ClassifyMessage {
    fn classify_message(&self) -> String;
}

impl ClassifyMessage for serde_json::Error {
    fn classify_message(&self) -> String {
        match self.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("malformed JSON at line {} column {}", self.line(), self.column())
            }
            serde_json::error::Category::Data => {
                let text = self.to_string();
                // "invalid type: string \"...\", expected u32 at line 1 column 9": drop the echoed value.
                match text.split_once(", expected") {
                    Some((_, rest)) => format!("wrong type, expected{rest}"),
                    None => text,
                }
            }
            serde_json::error::Category::Io => "I/O error".to_owned(),
        }
    }
}

/// Runs the KMS operation named `operation` (the part of `X-Amz-Target` after
/// `TrentService.`) for `caller` with the raw JSON `body`, returning the JSON answer.
///
/// # Errors
/// The AWS-shaped error to send: `UnknownOperationException` for an operation this server
/// does not implement, `SerializationException` for a body that is not the operation's JSON,
/// `ValidationException` for constraint violations, and each domain error's own type.
pub async fn dispatch(kms: &Kms, caller: &Caller, operation: &str, body: &[u8]) -> Result<Vec<u8>, AwsError> {
    let action = KmsAction::parse(operation).ok_or_else(AwsError::unknown_operation)?;
    action.run(kms, caller, body).await
}
