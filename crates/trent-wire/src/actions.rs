//! The one declaration of an awsJson service's operations: [`json_actions!`] turns a list of
//! `Operation => module` lines into the modules, a `Copy` enum with `ALL`, `parse`, `name`,
//! `decode` (for fuzzing) and the private `run` that hands the decoded request to the
//! module's `handle`.
//!
//! The expanding module provides what `run` calls: `call(action, caller, body, f)`, which
//! decodes the body, runs `f` and states the audit facts, and the imports `Caller`,
//! `Dispatched`, `AwsError` and `decode_json`.

/// Declares an awsJson service's operations; see the module documentation.
///
/// ```ignore
/// json_actions! {
///     /// The KMS operations this server implements.
///     KmsAction, "TrentService.", kms: &Kms;
///     Encrypt => encrypt,
/// }
/// ```
macro_rules! json_actions {
    (
        $(#[$meta:meta])*
        $enum:ident, $prefix:literal, $ctx:ident: $ctx_ty:ty;
        $($variant:ident => $module:ident),+ $(,)?
    ) => {
        $(mod $module;)+

        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $enum {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant
            ),+
        }

        impl $enum {
            /// Every implemented operation.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),+];

            #[doc = concat!("The operation named by the part of `X-Amz-Target` after `", $prefix, "`.")]
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

            /// Each operation's future is boxed: unboxed, this one would be as large as the
            /// largest operation's (10 KB for Secrets Manager's `UpdateSecret`), and every
            /// request would copy that much as its futures are built and moved into place
            /// (BENCHMARKS.md, "Boxed operation futures").
            async fn run(self, $ctx: $ctx_ty, caller: &Caller, body: &[u8]) -> Dispatched {
                match self {
                    $(Self::$variant => Box::pin(call(self, caller, body, |req| $module::handle($ctx, caller, req))).await),+
                }
            }

            /// Decodes `body` as this operation's request, and nothing more (for fuzzing the
            /// decoders without a server).
            ///
            /// # Errors
            /// `SerializationException` for a body that is not the operation's JSON.
            pub fn decode(self, body: &[u8]) -> Result<(), AwsError> {
                match self {
                    $(Self::$variant => decode_json::<$module::Request>(body).map(drop)),+
                }
            }
        }
    };
}

pub(crate) use json_actions;
