//! Secrets Manager rotation, independent of where secrets are stored.
//!
//! * [`schedule`]: `RotationRules` (`AutomaticallyAfterDays`, `rate(...)`, `cron(...)`,
//!   `Duration`), validated as AWS validates them, and the next rotation window.
//! * [`protocol`]: the four steps (`createSecret`, `setSecret`, `testSecret`,
//!   `finishSecret`), the [`RotationFunction`] that runs them and the [`SecretsApi`] it calls
//!   back, which the Secrets Manager domain implements.
//! * [`builtin`]: rotation functions for PostgreSQL and MySQL/MariaDB, single user and
//!   alternating users, after AWS's rotation templates.
//! * [`external`]: functions that are a command or an HTTP endpoint, configured by ARN.
//! * [`registry`]: which function a `RotationLambdaARN` names; the external functions'
//!   configuration entries.
//!
//! This crate knows no wire format and no storage. Secret values are
//! [`trent_crypto::SecretBytes`] throughout and never appear in errors or logs.

pub mod builtin;
pub mod external;
pub mod password;
pub mod protocol;
pub mod registry;
pub mod schedule;

pub use builtin::{BUILTIN_FUNCTIONS, BuiltinError, BuiltinOptions, DatabaseRotation, builtin_function};
pub use external::{
    CredentialSource, ExternalError, ExternalFunction, ExternalFunctionConfig, ExternalTarget, FunctionEnvironment,
    TemporaryCredentials,
};
pub use password::PasswordPolicy;
pub use protocol::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, ApiError, RotationEvent, RotationFailure, RotationFunction, SecretDescription,
    SecretValue, SecretVersion, SecretsApi, Step, StepError, rotate,
};
pub use registry::{
    ExternalFunctionSpec, FunctionConfigError, FunctionRegistry, UnknownFunction, lambda_function_name,
};
pub use schedule::{CronField, RotationRules, RotationRulesInput, ScheduleError, Window};

/// Displays an error and its causes, `a: b: c`, for log lines.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
