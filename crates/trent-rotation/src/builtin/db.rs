//! Logging in to PostgreSQL and MySQL/MariaDB with a secret, and the few statements rotation
//! needs: change one's own password, create or change another user as the superuser, test.
//!
//! TLS follows the secret's `ssl` member as AWS's templates do: required and verified, off,
//! or tried verified first and dropped if that fails. Statements that carry a password or
//! verifier report only their SQLSTATE, never the server's message (MySQL quotes statement
//! text in syntax errors), and statement logging is off on every connection.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use zeroize::Zeroizing;

use super::hashes::{mysql_native_hash, scram_safe, scram_sha256_verifier};
use super::secret_json::{DbSecret, SslChoice};

/// The database family a built-in function rotates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    Mysql,
}

impl Dialect {
    pub(crate) fn accepts(self, engine: &str) -> bool {
        match self {
            Dialect::Postgres => matches!(engine, "postgres" | "aurora-postgresql"),
            Dialect::Mysql => matches!(engine, "mysql" | "mariadb" | "aurora-mysql" | "aurora"),
        }
    }

    /// The longest user name, so that `<name>_clone` still fits.
    pub(crate) fn max_username(self) -> usize {
        match self {
            Dialect::Postgres => 63,
            Dialect::Mysql => 32,
        }
    }
}

/// Connection settings that are not in the secret.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// CA certificates (PEM) that database certificates are verified against, besides the
    /// webpki roots.
    pub ca_file: Option<PathBuf>,
    /// How long one login attempt may take.
    pub connect_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { ca_file: None, connect_timeout: Duration::from_secs(5) }
    }
}

/// Why a login failed. The driver's errors carry no password.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The server refused or the connection broke.
    #[error("could not log in to the database")]
    Driver(#[source] sqlx::Error),
    /// No answer within the connect timeout.
    #[error("no answer from the database within the connect timeout")]
    Timeout,
    /// The password is not UTF-8, which neither protocol can send.
    #[error("the password is not UTF-8")]
    PasswordNotUtf8,
}

/// Which statement failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    /// Reading the server version or a user's existence or TLS requirement.
    Inspect,
    /// Changing a password.
    SetPassword,
    /// Creating a user.
    CreateUser,
    /// Copying grants or TLS requirements to the other user.
    Grant,
    /// The test query.
    Test,
}

/// A failed statement: which one, and the SQLSTATE if the server sent one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{statement:?} statement failed (SQLSTATE {code:?})")]
pub struct StatementError {
    /// The statement.
    pub statement: Statement,
    /// The server's SQLSTATE.
    pub code: Option<String>,
}

/// Why a user's credentials cannot be written as SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuotingError {
    /// A user name or password holds a backslash or a control character, which MySQL quotes
    /// differently under `NO_BACKSLASH_ESCAPES`.
    #[error("a user name or password holds a backslash or control character")]
    Unquotable,
}

fn statement_error(statement: Statement) -> impl FnOnce(sqlx::Error) -> StatementError {
    move |e| StatementError { statement, code: e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned()) }
}

/// An open connection.
pub(crate) enum Conn {
    Pg(PgConnection),
    My(MySqlConnection),
}

/// Logs in with `secret`'s credentials, over TLS as its `ssl` member asks.
pub(crate) async fn login(dialect: Dialect, options: &DbOptions, secret: &DbSecret) -> Result<Conn, LoginError> {
    let tls_modes: &[bool] = match secret.ssl {
        SslChoice::Required => &[true],
        SslChoice::Disabled => &[false],
        SslChoice::Preferred => &[true, false],
    };
    let Ok(password) = std::str::from_utf8(secret.password.expose_secret()) else {
        return Err(LoginError::PasswordNotUtf8);
    };
    let mut last = LoginError::Timeout;
    for &tls in tls_modes {
        let attempt = async {
            match dialect {
                Dialect::Postgres => {
                    let mut o = PgConnectOptions::new_without_pgpass()
                        .host(&secret.host)
                        .port(secret.port.unwrap_or(5432))
                        .username(&secret.username)
                        .database(secret.dbname.as_deref().unwrap_or("postgres"))
                        .ssl_mode(if tls { PgSslMode::VerifyFull } else { PgSslMode::Disable });
                    if !password.is_empty() {
                        o = o.password(password);
                    }
                    if let Some(ca) = &options.ca_file {
                        o = o.ssl_root_cert(ca);
                    }
                    o.disable_statement_logging().connect().await.map(Conn::Pg)
                }
                Dialect::Mysql => {
                    let mut o = MySqlConnectOptions::new()
                        .host(&secret.host)
                        .port(secret.port.unwrap_or(3306))
                        .username(&secret.username)
                        .ssl_mode(if tls { MySqlSslMode::VerifyIdentity } else { MySqlSslMode::Disabled });
                    // An empty password is no password (MySQL's root without one).
                    if !password.is_empty() {
                        o = o.password(password);
                    }
                    if let Some(db) = &secret.dbname {
                        o = o.database(db);
                    }
                    if let Some(ca) = &options.ca_file {
                        o = o.ssl_ca(ca);
                    }
                    o.disable_statement_logging().connect().await.map(Conn::My)
                }
            }
        };
        match tokio::time::timeout(options.connect_timeout, attempt).await {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) => last = LoginError::Driver(e),
            Err(_) => last = LoginError::Timeout,
        }
    }
    Err(last)
}

impl Conn {
    pub(crate) async fn close(self) {
        // A failed goodbye changes nothing: the server drops the session either way.
        let _ = match self {
            Conn::Pg(c) => c.close().await,
            Conn::My(c) => c.close().await,
        };
    }

    /// `SELECT NOW()`, as the templates' testSecret does.
    pub(crate) async fn test(&mut self) -> Result<(), StatementError> {
        let e = statement_error(Statement::Test);
        match self {
            Conn::Pg(c) => sqlx::query("SELECT NOW()").fetch_one(&mut *c).await.map(drop).map_err(e),
            Conn::My(c) => sqlx::query("SELECT NOW()").fetch_one(&mut *c).await.map(drop).map_err(e),
        }
    }

    /// The logged-in user changes its own password.
    pub(crate) async fn set_own_password(&mut self, username: &str, password: &[u8]) -> Result<(), SetError> {
        match self {
            Conn::Pg(c) => pg_set_password(c, username, password, false, None).await,
            Conn::My(c) => {
                let mariadb = mysql_is_mariadb(c).await?;
                let sql = if mariadb {
                    // `SET PASSWORD` for oneself needs no host part.
                    Zeroizing::new(format!("SET PASSWORD = {}", mysql_literal(&mysql_native_hash(password))?))
                } else {
                    Zeroizing::new(format!(
                        "ALTER USER CURRENT_USER() IDENTIFIED BY {}",
                        mysql_password_literal(password)?.as_str()
                    ))
                };
                mysql_exec(c, &sql, Statement::SetPassword).await
            }
        }
    }

    /// As the superuser: give `pending` the password, creating it with `current`'s
    /// privileges if it does not exist yet (the alternating users scheme).
    pub(crate) async fn set_password_as_master(
        &mut self,
        current: &str,
        pending: &str,
        password: &[u8],
    ) -> Result<(), SetError> {
        match self {
            Conn::Pg(c) => {
                let exists = sqlx::query("SELECT 1 FROM pg_roles WHERE rolname = $1")
                    .bind(pending)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(statement_error(Statement::Inspect))?
                    .is_some();
                pg_set_password(c, pending, password, !exists, Some(current)).await
            }
            Conn::My(c) => mysql_set_as_master(c, current, pending, password).await,
        }
    }
}

/// Why a password could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// A statement failed.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// The credentials cannot be written as SQL.
    #[error(transparent)]
    Quoting(#[from] QuotingError),
    /// The verifier could not be computed (the CSPRNG failed).
    #[error("the password verifier could not be computed")]
    Crypto,
    /// The current user's TLS requirement names a cipher, issuer or subject, which is not
    /// copied to the other user.
    #[error("the current user's TLS requirement names a cipher, issuer or subject")]
    SpecifiedTlsRequirement,
}

/// `ALTER USER` (or `CREATE ROLE ... LOGIN` and `GRANT current`) with a SCRAM verifier
/// computed here; a password SASLprep would change is left to the server to hash.
async fn pg_set_password(
    c: &mut PgConnection,
    user: &str,
    password: &[u8],
    create: bool,
    grant_from: Option<&str>,
) -> Result<(), SetError> {
    let secret: Zeroizing<String> = if scram_safe(password) {
        Zeroizing::new(scram_sha256_verifier(password).map_err(|_| SetError::Crypto)?)
    } else {
        Zeroizing::new(String::from_utf8(password.to_vec()).map_err(|_| QuotingError::Unquotable)?)
    };
    let template = if create { "CREATE ROLE %I WITH LOGIN PASSWORD %L" } else { "ALTER USER %I WITH PASSWORD %L" };
    let statement = if create { Statement::CreateUser } else { Statement::SetPassword };
    // The server quotes (format's %I and %L), so no quoting is done here.
    let sql: Zeroizing<String> = Zeroizing::new(
        sqlx::query_scalar::<_, String>("SELECT format($1, $2::text, $3::text)")
            .bind(template)
            .bind(user)
            .bind(secret.as_str())
            .fetch_one(&mut *c)
            .await
            .map_err(statement_error(statement))?,
    );
    c.execute(sql.as_str()).await.map_err(statement_error(statement))?;
    if let (true, Some(from)) = (create, grant_from) {
        let grant: String = sqlx::query_scalar("SELECT format('GRANT %I TO %I', $1::text, $2::text)")
            .bind(from)
            .bind(user)
            .fetch_one(&mut *c)
            .await
            .map_err(statement_error(Statement::Grant))?;
        c.execute(grant.as_str()).await.map_err(statement_error(Statement::Grant))?;
    }
    Ok(())
}

async fn mysql_is_mariadb(c: &mut MySqlConnection) -> Result<bool, StatementError> {
    let version: String =
        sqlx::query_scalar("SELECT VERSION()").fetch_one(&mut *c).await.map_err(statement_error(Statement::Inspect))?;
    Ok(version.contains("MariaDB"))
}

async fn mysql_exec(c: &mut MySqlConnection, sql: &str, statement: Statement) -> Result<(), SetError> {
    c.execute(sql).await.map(drop).map_err(|e| statement_error(statement)(e).into())
}

/// The alternating scheme on MySQL/MariaDB, as AWS's template does it: create the user if
/// missing, copy the current user's grants and TLS requirement, set the password. Accounts
/// are `'<name>'@'%'`.
async fn mysql_set_as_master(
    c: &mut MySqlConnection,
    current: &str,
    pending: &str,
    password: &[u8],
) -> Result<(), SetError> {
    let mariadb = mysql_is_mariadb(c).await?;
    let pending_account = format!("{}@'%'", mysql_literal(pending)?);
    let current_account = format!("{}@'%'", mysql_literal(current)?);
    // MariaDB gets the hash, so the password itself never crosses the wire.
    let credential = if mariadb {
        Zeroizing::new(format!("PASSWORD {}", mysql_literal(&mysql_native_hash(password))?))
    } else {
        Zeroizing::new(mysql_password_literal(password)?.to_string())
    };
    let exists = sqlx::query("SELECT User FROM mysql.user WHERE User = ? AND Host = '%'")
        .bind(pending)
        .fetch_optional(&mut *c)
        .await
        .map_err(statement_error(Statement::Inspect))?
        .is_some();
    if !exists {
        let sql = Zeroizing::new(format!("CREATE USER {pending_account} IDENTIFIED BY {}", credential.as_str()));
        mysql_exec(c, &sql, Statement::CreateUser).await?;
    }
    let show = format!("SHOW GRANTS FOR {current_account}");
    let grants = c.fetch_all(show.as_str()).await.map_err(statement_error(Statement::Inspect))?;
    for row in grants {
        let grant: String = row.try_get(0).map_err(statement_error(Statement::Inspect))?;
        if let Some((privileges, _)) = grant.split_once(" TO ") {
            mysql_exec(c, &format!("{privileges} TO {pending_account}"), Statement::Grant).await?;
        }
    }
    let ssl_type: Option<String> =
        sqlx::query_scalar("SELECT CAST(ssl_type AS CHAR) FROM mysql.user WHERE User = ? AND Host = '%'")
            .bind(current)
            .fetch_optional(&mut *c)
            .await
            .map_err(statement_error(Statement::Inspect))?;
    let require = match ssl_type.as_deref().unwrap_or("") {
        "" => "NONE",
        "ANY" => "SSL",
        "X509" => "X509",
        _ => return Err(SetError::SpecifiedTlsRequirement),
    };
    mysql_exec(c, &format!("ALTER USER {pending_account} REQUIRE {require}"), Statement::Grant).await?;
    let sql = Zeroizing::new(if mariadb {
        format!("SET PASSWORD FOR {pending_account} = {}", mysql_literal(&mysql_native_hash(password))?)
    } else {
        format!("ALTER USER {pending_account} IDENTIFIED BY {}", credential.as_str())
    });
    mysql_exec(c, &sql, Statement::SetPassword).await
}

/// A MySQL string literal that means the same with and without `NO_BACKSLASH_ESCAPES`:
/// quotes doubled, backslashes and control characters refused.
fn mysql_literal(text: &str) -> Result<String, QuotingError> {
    if text.chars().any(|c| c == '\\' || c.is_control()) {
        return Err(QuotingError::Unquotable);
    }
    Ok(format!("'{}'", text.replace('\'', "''")))
}

fn mysql_password_literal(password: &[u8]) -> Result<Zeroizing<String>, QuotingError> {
    let text = std::str::from_utf8(password).map_err(|_| QuotingError::Unquotable)?;
    mysql_literal(text).map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_literals_are_mode_independent() {
        assert_eq!(mysql_literal("app").unwrap(), "'app'");
        assert_eq!(mysql_literal("o'brien").unwrap(), "'o''brien'");
        assert_eq!(mysql_literal("a\\b"), Err(QuotingError::Unquotable));
        assert_eq!(mysql_literal("a\nb"), Err(QuotingError::Unquotable));
        assert_eq!(mysql_literal("a\0b"), Err(QuotingError::Unquotable));
    }

    #[test]
    fn engines() {
        assert!(Dialect::Postgres.accepts("postgres") && Dialect::Postgres.accepts("aurora-postgresql"));
        assert!(!Dialect::Postgres.accepts("mysql"));
        for e in ["mysql", "mariadb", "aurora-mysql", "aurora"] {
            assert!(Dialect::Mysql.accepts(e), "{e}");
        }
        assert!(!Dialect::Mysql.accepts("postgres") && !Dialect::Mysql.accepts("oracle"));
    }
}
