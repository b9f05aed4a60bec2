//! AWS IAM over awsQuery (`Action=CreateUser&Version=2010-05-08&...`, SigV4 service `iam`).
//!
//! One file per action, named after it, reads the request's members, calls
//! [`trent_core::Identities`] and writes the `...Result` element. [`IamAction`] dispatches;
//! actions of the botocore model not listed here answer `InvalidAction`. Errors map to IAM's
//! codes once, in `errors`.

mod errors;
mod inline;
pub(crate) mod shapes;

use trent_core::{Caller, Identities};

use crate::AwsError;
use crate::query::{Params, Xml};
use crate::service::{Dispatched, Protocol, Reach, WireService};

/// The XML namespace of IAM answers.
pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// The SigV4 service name of IAM.
pub const SIGNING_SERVICE: &str = "iam";
/// AWS IAM on the wire.
pub static SERVICE: WireService = WireService {
    name: "iam",
    signing_name: SIGNING_SERVICE,
    protocol: Protocol::Query { namespace: NAMESPACE },
    reach: Reach::Global,
    audit: &trent_core::audit::rules::IAM,
    throttling_message: crate::service::RATE_EXCEEDED,
};

/// The API version IAM requests carry.
pub const VERSION: &str = "2010-05-08";

pub use errors::to_aws_error;
pub(crate) use errors::{denied, log_fault, message};

macro_rules! actions {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        $(mod $module;)+

        /// The IAM actions this server implements.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum IamAction {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant
            ),+
        }

        impl IamAction {
            /// Every implemented action.
            pub const ALL: &'static [IamAction] = &[$(IamAction::$variant),+];

            /// The action named by `Action=`.
            pub fn parse(action: &str) -> Option<Self> {
                match action {
                    $(stringify!($variant) => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The action's AWS name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant)),+
                }
            }

            async fn run(self, ids: &Identities, caller: &Caller, params: &Params) -> Result<Option<Xml>, AwsError> {
                match self {
                    $(Self::$variant => $module::handle(ids, caller, params).await),+
                }
            }
        }
    };
}

actions! {
    AddUserToGroup => add_user_to_group,
    CreateAccessKey => create_access_key,
    CreateGroup => create_group,
    CreateRole => create_role,
    CreateUser => create_user,
    DeleteAccessKey => delete_access_key,
    DeleteGroupPolicy => delete_group_policy,
    DeleteRole => delete_role,
    DeleteRolePolicy => delete_role_policy,
    DeleteUser => delete_user,
    DeleteUserPolicy => delete_user_policy,
    GetGroupPolicy => get_group_policy,
    GetRole => get_role,
    GetRolePolicy => get_role_policy,
    GetUser => get_user,
    GetUserPolicy => get_user_policy,
    ListAccessKeys => list_access_keys,
    ListGroupPolicies => list_group_policies,
    ListRolePolicies => list_role_policies,
    ListRoleTags => list_role_tags,
    ListRoles => list_roles,
    ListUserPolicies => list_user_policies,
    ListUsers => list_users,
    PutGroupPolicy => put_group_policy,
    PutRolePolicy => put_role_policy,
    PutUserPolicy => put_user_policy,
    RemoveUserFromGroup => remove_user_from_group,
    TagRole => tag_role,
    UntagRole => untag_role,
    UpdateAccessKey => update_access_key,
    UpdateAssumeRolePolicy => update_assume_role_policy,
    UpdateRole => update_role,
    UpdateRoleDescription => update_role_description,
}

/// `InvalidAction` (400), as IAM answers an action it does not know.
pub(crate) fn invalid_action(action: &str, version: &str) -> AwsError {
    AwsError::new(
        "InvalidAction",
        http::StatusCode::BAD_REQUEST,
        format!("Could not find operation {action} for version {version}"),
    )
}

/// Runs the IAM action the parameters name for `caller`: the whole XML answer, or the
/// AWS-shaped error to send (frame it with [`crate::query::error_response`] and
/// [`NAMESPACE`]): `MissingAction`, `InvalidAction` for an unknown action or version,
/// `ValidationError` for members that break the model's constraints, and each domain error's
/// IAM code.
pub async fn dispatch(ids: &Identities, caller: &Caller, params: &Params, request_id: &str) -> Dispatched {
    let result = run(ids, caller, params, request_id).await;
    crate::query::dispatched(params, result)
}

async fn run(ids: &Identities, caller: &Caller, params: &Params, request_id: &str) -> Result<Vec<u8>, AwsError> {
    let name = params.action().ok_or_else(crate::query::missing_action)?;
    let version = params.version().unwrap_or(VERSION);
    let action = IamAction::parse(name).filter(|_| version == VERSION).ok_or_else(|| invalid_action(name, version))?;
    let result = action.run(ids, caller, params).await?;
    Ok(crate::query::response(action.name(), NAMESPACE, request_id, result.as_ref()))
}
