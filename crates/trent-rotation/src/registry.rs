//! Which rotation function a `RotationLambdaARN` names, and the configuration of external
//! functions (the `[[rotation.functions]]` entries of `trent.toml`, once wired).
//!
//! An ARN configured as an external function is that function. Otherwise the function part of
//! the ARN (`arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`) may
//! name a built-in function, in any region and account.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::builtin::{BuiltinOptions, builtin_function};
use crate::external::{
    CredentialSource, ExternalFunction, ExternalFunctionConfig, ExternalTarget, FunctionEnvironment,
};
use crate::protocol::RotationFunction;

/// An external function's timeout when none is set (the AWS rotation templates' Lambda timeout).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest timeout, Lambda's own limit.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(900);

/// One external function as written in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalFunctionSpec {
    /// The Lambda ARN secrets name in `RotationLambdaARN`.
    pub arn: String,
    /// The program and its arguments (exclusive with `url`).
    pub command: Option<Vec<String>>,
    /// The URL the event is posted to (exclusive with `command`).
    pub url: Option<String>,
    /// The role whose temporary credentials a command gets.
    pub role_arn: Option<String>,
    /// Seconds one step may take, 1..=900; 30 by default.
    pub timeout_seconds: Option<u64>,
}

/// Why a configured function is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionConfigError {
    /// `arn` is not a Lambda function ARN.
    #[error("{arn:?} is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)")]
    MalformedArn {
        /// The ARN given.
        arn: String,
    },
    /// The ARN names a built-in function, which cannot be redefined.
    #[error("{arn:?} names the built-in function {name}")]
    ShadowsBuiltin {
        /// The ARN given.
        arn: String,
        /// The built-in function's name.
        name: String,
    },
    /// Neither or both of `command` and `url`.
    #[error("function {arn:?} needs exactly one of command and url")]
    CommandOrUrl {
        /// The function's ARN.
        arn: String,
    },
    /// `command` is empty.
    #[error("function {arn:?} has an empty command")]
    EmptyCommand {
        /// The function's ARN.
        arn: String,
    },
    /// `url` is not an `http(s)` URL.
    #[error("function {arn:?} has a url that is not http:// or https://")]
    BadUrl {
        /// The function's ARN.
        arn: String,
    },
    /// `timeout_seconds` outside 1..=900.
    #[error("function {arn:?} has a timeout outside 1..=900 seconds")]
    TimeoutOutOfRange {
        /// The function's ARN.
        arn: String,
    },
    /// The same ARN twice.
    #[error("function {arn:?} is configured twice")]
    Duplicate {
        /// The function's ARN.
        arn: String,
    },
}

/// The function name of a Lambda function ARN, if `arn` is one.
pub fn lambda_function_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", name, rest @ ..]
            if rest.len() <= 1
                && !partition.is_empty()
                && !region.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Some(name)
        }
        _ => None,
    }
}

impl TryFrom<ExternalFunctionSpec> for ExternalFunctionConfig {
    type Error = FunctionConfigError;

    fn try_from(spec: ExternalFunctionSpec) -> Result<Self, FunctionConfigError> {
        let arn = spec.arn;
        let Some(name) = lambda_function_name(&arn) else {
            return Err(FunctionConfigError::MalformedArn { arn });
        };
        if crate::builtin::BUILTIN_FUNCTIONS.contains(&name) {
            let name = name.to_owned();
            return Err(FunctionConfigError::ShadowsBuiltin { arn, name });
        }
        let target = match (spec.command, spec.url) {
            (Some(mut command), None) => {
                if command.is_empty() || command[0].is_empty() {
                    return Err(FunctionConfigError::EmptyCommand { arn });
                }
                let program = PathBuf::from(command.remove(0));
                ExternalTarget::Command { program, args: command }
            }
            (None, Some(url)) => {
                let ok = url.parse::<http::Uri>().is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")));
                if !ok {
                    return Err(FunctionConfigError::BadUrl { arn });
                }
                ExternalTarget::Http { url }
            }
            _ => return Err(FunctionConfigError::CommandOrUrl { arn }),
        };
        let timeout = match spec.timeout_seconds {
            None => DEFAULT_TIMEOUT,
            Some(s) if (1..=MAX_TIMEOUT.as_secs()).contains(&s) => Duration::from_secs(s),
            Some(_) => return Err(FunctionConfigError::TimeoutOutOfRange { arn }),
        };
        Ok(ExternalFunctionConfig { arn, target, role_arn: spec.role_arn, timeout })
    }
}

/// The rotation functions a server can run.
pub struct FunctionRegistry {
    builtin: BuiltinOptions,
    external: HashMap<String, Arc<ExternalFunction>>,
}

/// A `RotationLambdaARN` that names no function this server can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no rotation function is configured for {arn:?}")]
pub struct UnknownFunction {
    /// The ARN given.
    pub arn: String,
}

impl FunctionRegistry {
    /// A registry of the built-in functions and the configured external ones.
    ///
    /// # Errors
    /// The first configured function that is refused.
    pub fn new(
        builtin: BuiltinOptions,
        specs: Vec<ExternalFunctionSpec>,
        environment: &FunctionEnvironment,
        credentials: Arc<dyn CredentialSource>,
    ) -> Result<Self, FunctionConfigError> {
        let mut external = HashMap::new();
        for spec in specs {
            let config = ExternalFunctionConfig::try_from(spec)?;
            let arn = config.arn.clone();
            let function = ExternalFunction::new(config, environment.clone(), credentials.clone());
            if external.insert(arn.clone(), Arc::new(function)).is_some() {
                return Err(FunctionConfigError::Duplicate { arn });
            }
        }
        Ok(FunctionRegistry { builtin, external })
    }

    /// The function `rotation_lambda_arn` names.
    ///
    /// # Errors
    /// [`UnknownFunction`] when it is neither configured nor a built-in function's ARN.
    pub fn resolve(&self, rotation_lambda_arn: &str) -> Result<Arc<dyn RotationFunction>, UnknownFunction> {
        if let Some(f) = self.external.get(rotation_lambda_arn) {
            return Ok(f.clone());
        }
        lambda_function_name(rotation_lambda_arn)
            .and_then(|name| builtin_function(name, self.builtin.clone()))
            .map(|f| f as Arc<dyn RotationFunction>)
            .ok_or_else(|| UnknownFunction { arn: rotation_lambda_arn.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::external::{ExternalError, TemporaryCredentials};

    struct NoCredentials;

    #[async_trait::async_trait]
    impl CredentialSource for NoCredentials {
        async fn credentials(&self, _: Option<&str>, _: &str) -> Result<TemporaryCredentials, ExternalError> {
            Err(ExternalError::Credentials)
        }
    }

    const RUNNER: &str = "arn:aws:lambda:us-east-1:111122223333:function:my-rotator";

    fn spec(text: &str) -> ExternalFunctionSpec {
        toml::from_str(text).unwrap()
    }

    fn config(text: &str) -> Result<ExternalFunctionConfig, FunctionConfigError> {
        ExternalFunctionConfig::try_from(spec(text))
    }

    #[test]
    fn function_names_of_arns() {
        assert_eq!(lambda_function_name(RUNNER), Some("my-rotator"));
        assert_eq!(lambda_function_name(&format!("{RUNNER}:$LATEST")), Some("my-rotator"));
        assert_eq!(
            lambda_function_name("arn:aws-cn:lambda:cn-north-1:111122223333:function:trent-mysql-single-user"),
            Some("trent-mysql-single-user")
        );
        for bad in [
            "my-rotator",
            "arn:aws:lambda:us-east-1:1111:function:x",
            "arn:aws:s3:us-east-1:111122223333:function:x",
            "arn:aws:lambda:us-east-1:111122223333:layer:x",
            "arn:aws:lambda:us-east-1:111122223333:function:",
            "arn:aws:lambda:us-east-1:111122223333:function:a b",
            "arn:aws:lambda:us-east-1:111122223333:function:x:1:2",
        ] {
            assert_eq!(lambda_function_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn configurations() {
        let c = config(&format!("arn = \"{RUNNER}\"\ncommand = [\"/bin/rot\", \"-v\"]\ntimeout_seconds = 60")).unwrap();
        assert_eq!(c.target, ExternalTarget::Command { program: "/bin/rot".into(), args: vec!["-v".into()] });
        assert_eq!(c.timeout, Duration::from_secs(60));
        let c = config(&format!("arn = \"{RUNNER}\"\nurl = \"https://rot.internal/x\"")).unwrap();
        assert_eq!(
            (c.target, c.timeout),
            (ExternalTarget::Http { url: "https://rot.internal/x".into() }, DEFAULT_TIMEOUT)
        );

        let arn = RUNNER.to_owned();
        let refused = [
            (format!("arn = \"{RUNNER}\""), FunctionConfigError::CommandOrUrl { arn: arn.clone() }),
            (
                format!("arn = \"{RUNNER}\"\ncommand = [\"/x\"]\nurl = \"http://h/\""),
                FunctionConfigError::CommandOrUrl { arn: arn.clone() },
            ),
            (format!("arn = \"{RUNNER}\"\ncommand = []"), FunctionConfigError::EmptyCommand { arn: arn.clone() }),
            (format!("arn = \"{RUNNER}\"\nurl = \"ftp://h/\""), FunctionConfigError::BadUrl { arn: arn.clone() }),
            (
                format!("arn = \"{RUNNER}\"\ncommand = [\"/x\"]\ntimeout_seconds = 901"),
                FunctionConfigError::TimeoutOutOfRange { arn: arn.clone() },
            ),
            (
                format!("arn = \"{RUNNER}\"\ncommand = [\"/x\"]\ntimeout_seconds = 0"),
                FunctionConfigError::TimeoutOutOfRange { arn: arn.clone() },
            ),
            (
                "arn = \"rotator\"\ncommand = [\"/x\"]".to_owned(),
                FunctionConfigError::MalformedArn { arn: "rotator".into() },
            ),
        ];
        for (text, want) in refused {
            assert_eq!(config(&text), Err(want), "{text}");
        }
        let shadow = "arn:aws:lambda:us-east-1:111122223333:function:trent-mysql-single-user";
        assert!(matches!(
            config(&format!("arn = \"{shadow}\"\ncommand = [\"/x\"]")),
            Err(FunctionConfigError::ShadowsBuiltin { .. })
        ));
        assert!(toml::from_str::<ExternalFunctionSpec>("arn = \"a\"\nshell = true").is_err());
    }

    #[tokio::test]
    async fn resolution() {
        let env = FunctionEnvironment { endpoint_url: "http://127.0.0.1:1".into(), region: "us-east-1".into() };
        let specs = vec![spec(&format!("arn = \"{RUNNER}\"\ncommand = [\"/bin/true\"]"))];
        let registry =
            FunctionRegistry::new(BuiltinOptions::default(), specs.clone(), &env, Arc::new(NoCredentials)).unwrap();
        assert!(registry.resolve(RUNNER).is_ok());
        assert!(
            registry.resolve("arn:aws:lambda:eu-west-1:444455556666:function:trent-postgresql-single-user").is_ok()
        );
        let unknown = "arn:aws:lambda:us-east-1:111122223333:function:other";
        assert_eq!(registry.resolve(unknown).err(), Some(UnknownFunction { arn: unknown.into() }));
        assert!(registry.resolve("trent-postgresql-single-user").is_err());

        let twice = FunctionRegistry::new(
            BuiltinOptions::default(),
            [specs.clone(), specs].concat(),
            &env,
            Arc::new(NoCredentials),
        );
        assert_eq!(twice.err(), Some(FunctionConfigError::Duplicate { arn: RUNNER.into() }));
    }
}
