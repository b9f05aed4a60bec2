//! Built-in rotation functions for real databases, named by the function part of the
//! `RotationLambdaARN`: `trent-postgresql-single-user`, `trent-postgresql-alternating-users`,
//! `trent-mysql-single-user`, `trent-mysql-alternating-users` (MySQL and MariaDB).
//!
//! They follow AWS's rotation templates (aws-samples/aws-secrets-manager-rotation-lambdas):
//!
//! * before every step, the secret must have rotation enabled and the token must name a
//!   version staged `AWSPENDING` (a version already `AWSCURRENT` means the step is done);
//! * `createSecret` copies `AWSCURRENT`, with a new password (and, alternating, the other
//!   user: `<name>_clone` and back), into the pending version, unless it already has a value;
//! * `setSecret` does nothing if the pending credentials already log in; otherwise single
//!   user logs in as the user (current password, else previous) and changes its own
//!   password, and alternating users logs in as the superuser of the secret in `masterarn`
//!   and creates the other user with the current user's privileges or changes its password;
//! * `testSecret` logs in with the pending credentials and runs `SELECT NOW()`;
//! * `finishSecret` moves `AWSCURRENT` to the pending version.

mod db;
mod hashes;
mod secret_json;

use std::sync::Arc;

use trent_crypto::CryptoError;

pub use db::{DbOptions, LoginError, QuotingError, SetError, Statement, StatementError};
pub use secret_json::SecretJsonError;

use self::db::{Dialect, login};
use self::secret_json::DbSecret;
use crate::password::PasswordPolicy;
use crate::protocol::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, ApiError, RotationEvent, RotationFunction, SecretsApi, Step, StepError,
};

/// The names of the built-in functions.
pub const BUILTIN_FUNCTIONS: [&str; 4] = [
    "trent-postgresql-single-user",
    "trent-postgresql-alternating-users",
    "trent-mysql-single-user",
    "trent-mysql-alternating-users",
];

/// Which secret a failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The `AWSCURRENT` version.
    Current,
    /// The `AWSPENDING` version being built.
    Pending,
    /// The `AWSPREVIOUS` version.
    Previous,
    /// The superuser secret named by `masterarn`.
    Master,
}

/// Why a built-in function's step failed. Carries no secret value.
#[derive(Debug, thiserror::Error)]
pub enum BuiltinError {
    /// A secret's JSON cannot be used.
    #[error("the {role:?} secret cannot be used")]
    Secret {
        /// Which secret.
        role: Role,
        /// Why.
        #[source]
        error: SecretJsonError,
    },
    /// The system CSPRNG failed while making the new password.
    #[error("no new password: the system random generator failed")]
    Random(#[source] CryptoError),
    /// The pending version names another user than the scheme allows.
    #[error("the pending secret's user {pending:?} is not {expected:?}")]
    UserMismatch {
        /// The pending secret's user.
        pending: String,
        /// The user the scheme rotates.
        expected: String,
    },
    /// The pending (or master) secret names another host than the current one.
    #[error("the {role:?} secret names another database host than the current secret")]
    HostMismatch {
        /// Which secret differs.
        role: Role,
    },
    /// `<name>_clone` would be longer than the database allows.
    #[error("the user name with _clone appended exceeds {max} characters")]
    CloneNameTooLong {
        /// The database's limit.
        max: usize,
    },
    /// The current secret has no `masterarn` (alternating users).
    #[error("the current secret has no masterarn")]
    NoMasterArn,
    /// Logging in failed with every credential tried.
    #[error("could not log in with the {role:?} secret")]
    Login {
        /// The last credential tried.
        role: Role,
        /// The driver's reason (no password in it).
        #[source]
        error: LoginError,
    },
    /// Changing the password failed.
    #[error("could not set the password")]
    Set(#[source] SetError),
    /// `SELECT NOW()` failed with the pending credentials.
    #[error("the test query failed")]
    Test(#[source] StatementError),
}

/// The two schemes of AWS's templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    SingleUser,
    AlternatingUsers,
}

/// Settings of the built-in functions.
#[derive(Debug, Clone, Default)]
pub struct BuiltinOptions {
    /// How to reach the databases.
    pub db: DbOptions,
    /// How new passwords are made; `None` for the engine's default (AWS's templates').
    pub password: Option<PasswordPolicy>,
}

/// One built-in function.
#[derive(Debug, Clone)]
pub struct DatabaseRotation {
    dialect: Dialect,
    scheme: Scheme,
    options: BuiltinOptions,
}

/// The built-in function called `name`, if there is one.
pub fn builtin_function(name: &str, options: BuiltinOptions) -> Option<Arc<DatabaseRotation>> {
    let (dialect, scheme) = match name {
        "trent-postgresql-single-user" => (Dialect::Postgres, Scheme::SingleUser),
        "trent-postgresql-alternating-users" => (Dialect::Postgres, Scheme::AlternatingUsers),
        "trent-mysql-single-user" => (Dialect::Mysql, Scheme::SingleUser),
        "trent-mysql-alternating-users" => (Dialect::Mysql, Scheme::AlternatingUsers),
        _ => return None,
    };
    Some(Arc::new(DatabaseRotation { dialect, scheme, options }))
}

#[async_trait::async_trait]
impl RotationFunction for DatabaseRotation {
    async fn invoke(&self, api: &dyn SecretsApi, event: &RotationEvent) -> Result<(), StepError> {
        let arn = event.secret_id.as_str();
        let token = event.client_request_token.as_str();
        let description = api.describe(arn).await?;
        if !description.rotation_enabled {
            return Err(StepError::RotationNotEnabled);
        }
        let labels = description.versions.get(token).ok_or(StepError::TokenHasNoStage)?;
        if labels.iter().any(|l| l == AWSCURRENT) {
            tracing::info!(secret_id = arn, step = event.step.as_str(), "version already AWSCURRENT");
            return Ok(());
        }
        if !labels.iter().any(|l| l == AWSPENDING) {
            return Err(StepError::TokenNotPending);
        }
        match event.step {
            Step::CreateSecret => self.create(api, arn, token).await,
            Step::SetSecret => self.set(api, arn, token).await,
            Step::TestSecret => self.test(api, arn, token).await,
            Step::FinishSecret => {
                let current = description.version_with(AWSCURRENT);
                api.move_current(arn, token, current).await.map_err(StepError::from)
            }
        }
    }
}

impl DatabaseRotation {
    async fn secret(
        &self,
        api: &dyn SecretsApi,
        id: &str,
        version: Option<&str>,
        stage: &str,
        role: Role,
    ) -> Result<DbSecret, StepError> {
        let v = api.get_value(id, version, Some(stage)).await?;
        let secret = DbSecret::parse(&v.value).map_err(|error| BuiltinError::Secret { role, error })?;
        if !self.dialect.accepts(&secret.engine) {
            let error = SecretJsonError::UnsupportedEngine { engine: secret.engine };
            return Err(BuiltinError::Secret { role, error }.into());
        }
        Ok(secret)
    }

    async fn create(&self, api: &dyn SecretsApi, arn: &str, token: &str) -> Result<(), StepError> {
        let current = self.secret(api, arn, None, AWSCURRENT, Role::Current).await?;
        match api.get_value(arn, Some(token), Some(AWSPENDING)).await {
            Ok(_) => return Ok(()),
            Err(ApiError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        let policy = self.options.password.clone().unwrap_or_else(|| match self.dialect {
            Dialect::Postgres => PasswordPolicy::postgresql(),
            Dialect::Mysql => PasswordPolicy::mysql(),
        });
        let password = policy.generate().map_err(BuiltinError::Random)?;
        let mut pending = current.with_password(password);
        if self.scheme == Scheme::AlternatingUsers {
            pending = pending.with_username(&self.other_user(&current.username)?);
        }
        let value = pending.to_value().map_err(|error| BuiltinError::Secret { role: Role::Pending, error })?;
        api.put_pending(arn, token, value).await?;
        Ok(())
    }

    /// The alternating scheme's other user: `<name>_clone`, or `<name>` for a clone.
    fn other_user(&self, user: &str) -> Result<String, BuiltinError> {
        if let Some(original) = user.strip_suffix("_clone") {
            return Ok(original.to_owned());
        }
        let clone = format!("{user}_clone");
        if clone.chars().count() > self.dialect.max_username() {
            return Err(BuiltinError::CloneNameTooLong { max: self.dialect.max_username() });
        }
        Ok(clone)
    }

    async fn set(&self, api: &dyn SecretsApi, arn: &str, token: &str) -> Result<(), StepError> {
        let current = self.secret(api, arn, None, AWSCURRENT, Role::Current).await?;
        let pending = self.secret(api, arn, Some(token), AWSPENDING, Role::Pending).await?;
        let db = &self.options.db;
        if let Ok(conn) = login(self.dialect, db, &pending).await {
            conn.close().await;
            tracing::info!(secret_id = arn, "setSecret: the pending credentials already log in");
            return Ok(());
        }
        if pending.host != current.host {
            return Err(BuiltinError::HostMismatch { role: Role::Pending }.into());
        }
        let password = pending.password.expose_secret();
        match self.scheme {
            Scheme::SingleUser => {
                if pending.username != current.username {
                    let expected = current.username.clone();
                    return Err(BuiltinError::UserMismatch { pending: pending.username, expected }.into());
                }
                let mut conn = match login(self.dialect, db, &current).await {
                    Ok(conn) => conn,
                    // A rotation that set the password but did not finish: the previous
                    // version's password may be the one the database has.
                    Err(current_error) => self.login_previous(api, arn, &current, &pending, current_error).await?,
                };
                let result = conn.set_own_password(&pending.username, password).await;
                conn.close().await;
                result.map_err(|e| BuiltinError::Set(e).into())
            }
            Scheme::AlternatingUsers => {
                let expected = self.other_user(&current.username)?;
                if pending.username != expected {
                    return Err(BuiltinError::UserMismatch { pending: pending.username, expected }.into());
                }
                let conn = login(self.dialect, db, &current)
                    .await
                    .map_err(|error| BuiltinError::Login { role: Role::Current, error })?;
                conn.close().await;
                let master_arn = current.masterarn.as_deref().ok_or(BuiltinError::NoMasterArn)?;
                let master = self
                    .secret(api, master_arn, None, AWSCURRENT, Role::Master)
                    .await?
                    .with_dbname(current.dbname.as_deref());
                if master.host != current.host {
                    return Err(BuiltinError::HostMismatch { role: Role::Master }.into());
                }
                let mut conn = login(self.dialect, db, &master)
                    .await
                    .map_err(|error| BuiltinError::Login { role: Role::Master, error })?;
                let result = conn.set_password_as_master(&current.username, &pending.username, password).await;
                conn.close().await;
                result.map_err(|e| BuiltinError::Set(e).into())
            }
        }
    }

    async fn login_previous(
        &self,
        api: &dyn SecretsApi,
        arn: &str,
        current: &DbSecret,
        pending: &DbSecret,
        current_error: LoginError,
    ) -> Result<db::Conn, StepError> {
        let previous = match self.secret(api, arn, None, AWSPREVIOUS, Role::Previous).await {
            Ok(p) => p,
            Err(StepError::Api(ApiError::NotFound)) => {
                return Err(BuiltinError::Login { role: Role::Current, error: current_error }.into());
            }
            Err(e) => return Err(e),
        };
        if previous.username != pending.username {
            let expected = previous.username.clone();
            return Err(BuiltinError::UserMismatch { pending: pending.username.clone(), expected }.into());
        }
        if previous.host != pending.host {
            return Err(BuiltinError::HostMismatch { role: Role::Previous }.into());
        }
        // The previous version is tried with the current version's TLS choice.
        let mut previous = previous;
        previous.ssl = current.ssl;
        login(self.dialect, &self.options.db, &previous)
            .await
            .map_err(|error| BuiltinError::Login { role: Role::Previous, error }.into())
    }

    async fn test(&self, api: &dyn SecretsApi, arn: &str, token: &str) -> Result<(), StepError> {
        let pending = self.secret(api, arn, Some(token), AWSPENDING, Role::Pending).await?;
        let mut conn = login(self.dialect, &self.options.db, &pending)
            .await
            .map_err(|error| BuiltinError::Login { role: Role::Pending, error })?;
        let result = conn.test().await;
        conn.close().await;
        result.map_err(|e| BuiltinError::Test(e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for name in BUILTIN_FUNCTIONS {
            assert!(builtin_function(name, BuiltinOptions::default()).is_some(), "{name}");
        }
        assert!(builtin_function("trent-oracle-single-user", BuiltinOptions::default()).is_none());
    }

    #[test]
    fn other_user_alternates_and_respects_the_limit() {
        let f = builtin_function("trent-mysql-alternating-users", BuiltinOptions::default()).unwrap();
        assert_eq!(f.other_user("app").unwrap(), "app_clone");
        assert_eq!(f.other_user("app_clone").unwrap(), "app");
        assert!(matches!(f.other_user(&"a".repeat(27)), Err(BuiltinError::CloneNameTooLong { max: 32 })));
        assert_eq!(f.other_user(&"a".repeat(26)).unwrap().len(), 32);
        let pg = builtin_function("trent-postgresql-alternating-users", BuiltinOptions::default()).unwrap();
        assert_eq!(pg.other_user(&"a".repeat(57)).unwrap().len(), 63);
    }
}
