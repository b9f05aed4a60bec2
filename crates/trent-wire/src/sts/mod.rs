//! AWS STS over awsQuery (`Action=AssumeRole&Version=2011-06-15&...`, SigV4 service `sts`).
//!
//! One file per action. [`StsAction`] dispatches; actions of the botocore model not listed
//! here answer `InvalidAction`. Errors map to STS's codes once, in `errors`.

mod errors;

use trent_core::{Caller, Identities};

use crate::AwsError;
use crate::query::{Params, Xml};
use crate::service::{Dispatched, Protocol, Reach, WireService};

/// The XML namespace of STS answers.
pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The SigV4 service name of STS.
pub const SIGNING_SERVICE: &str = "sts";
/// AWS STS on the wire.
pub static SERVICE: WireService = WireService {
    name: "sts",
    signing_name: SIGNING_SERVICE,
    protocol: Protocol::Query { namespace: NAMESPACE },
    reach: Reach::Global,
    audit: &trent_core::audit::rules::STS,
    throttling_message: crate::service::RATE_EXCEEDED,
};

/// The API version STS requests carry.
pub const VERSION: &str = "2011-06-15";

pub use errors::to_aws_error;

macro_rules! actions {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        $(mod $module;)+

        /// The STS actions this server implements.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum StsAction {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant
            ),+
        }

        impl StsAction {
            /// Every implemented action.
            pub const ALL: &'static [StsAction] = &[$(StsAction::$variant),+];

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
    AssumeRole => assume_role,
    GetCallerIdentity => get_caller_identity,
}

/// Runs the STS action the parameters name for `caller`: the whole XML answer, or the
/// AWS-shaped error to send (frame it with [`crate::query::error_response`] and
/// [`NAMESPACE`]): `MissingAction`, `InvalidAction`, `ValidationError`, and each domain
/// error's STS code.
pub async fn dispatch(ids: &Identities, caller: &Caller, params: &Params, request_id: &str) -> Dispatched {
    let result = run(ids, caller, params, request_id).await;
    crate::query::dispatched(params, result)
}

async fn run(ids: &Identities, caller: &Caller, params: &Params, request_id: &str) -> Result<Vec<u8>, AwsError> {
    let name = params.action().ok_or_else(crate::query::missing_action)?;
    let version = params.version().unwrap_or(VERSION);
    let action = StsAction::parse(name)
        .filter(|_| version == VERSION)
        .ok_or_else(|| crate::iam::invalid_action(name, version))?;
    let result = action.run(ids, caller, params).await?;
    Ok(crate::query::response(action.name(), NAMESPACE, request_id, result.as_ref()))
}
