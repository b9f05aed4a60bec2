//! The database secret's JSON, as AWS's rotation templates read it:
//! `{"engine", "host", "port", "username", "password", "dbname", "masterarn", "ssl", ...}`.
//!
//! The password is moved out of the parsed JSON into a zeroizing [`SecretBytes`] at once, and
//! written back straight into one; every other member, known or not, is kept as it was.

use serde_json::{Map, Value};
use trent_crypto::SecretBytes;
use zeroize::Zeroizing;

use crate::protocol::SecretValue;

/// Whether to talk TLS to the database, from the secret's `ssl` member (AWS's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslChoice {
    /// `ssl` is `true` or `"true"`: TLS with the server's certificate verified, or nothing.
    Required,
    /// `ssl` is `false` or `"false"`: no TLS.
    Disabled,
    /// Absent or anything else: try verified TLS, fall back to none.
    Preferred,
}

/// Why a secret cannot be used by a built-in function. Never carries the secret's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretJsonError {
    /// The version holds `SecretBinary`.
    #[error("the secret is binary, not a JSON SecretString")]
    Binary,
    /// The string is not a JSON object.
    #[error("the SecretString is not a JSON object")]
    NotAnObject,
    /// A required member is missing.
    #[error("the secret JSON has no {field}")]
    Missing {
        /// The member's name.
        field: &'static str,
    },
    /// A member has the wrong type or an unusable value.
    #[error("the secret JSON's {field} is not valid")]
    Invalid {
        /// The member's name.
        field: &'static str,
    },
    /// `engine` names a database this function does not rotate.
    #[error("engine {engine:?} is not rotated by this function")]
    UnsupportedEngine {
        /// The engine given.
        engine: String,
    },
}

/// A parsed database secret.
#[derive(Debug, Clone)]
pub(crate) struct DbSecret {
    pub(crate) engine: String,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    pub(crate) username: String,
    pub(crate) password: SecretBytes,
    pub(crate) dbname: Option<String>,
    pub(crate) masterarn: Option<String>,
    pub(crate) ssl: SslChoice,
    /// Every member but `password`, as given; written back as is.
    members: Map<String, Value>,
}

impl DbSecret {
    /// Reads a secret value.
    pub(crate) fn parse(value: &SecretValue) -> Result<Self, SecretJsonError> {
        let SecretValue::String(bytes) = value else { return Err(SecretJsonError::Binary) };
        let Ok(Value::Object(mut members)) = serde_json::from_slice::<Value>(bytes.expose_secret()) else {
            return Err(SecretJsonError::NotAnObject);
        };
        let password = match members.remove("password") {
            Some(Value::String(p)) => SecretBytes::new(p.into_bytes()),
            Some(mut other) => {
                zeroize_value(&mut other);
                return Err(SecretJsonError::Invalid { field: "password" });
            }
            None => return Err(SecretJsonError::Missing { field: "password" }),
        };
        let text = |field: &'static str| match members.get(field) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Null) | None => Ok(None),
            Some(_) => Err(SecretJsonError::Invalid { field }),
        };
        let required = |field: &'static str| text(field)?.ok_or(SecretJsonError::Missing { field });
        let port = match members.get("port") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_u64().and_then(|p| u16::try_from(p).ok())),
            Some(Value::String(s)) => Some(s.parse::<u16>().ok()),
            Some(_) => Some(None),
        };
        let port = match port {
            Some(Some(0)) | Some(None) => return Err(SecretJsonError::Invalid { field: "port" }),
            Some(p) => p,
            None => None,
        };
        let ssl = match members.get("ssl") {
            Some(Value::Bool(true)) => SslChoice::Required,
            Some(Value::Bool(false)) => SslChoice::Disabled,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => SslChoice::Required,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => SslChoice::Disabled,
            _ => SslChoice::Preferred,
        };
        Ok(DbSecret {
            engine: required("engine")?,
            host: required("host")?,
            port,
            username: required("username")?,
            password,
            dbname: text("dbname")?,
            masterarn: text("masterarn")?,
            ssl,
            members,
        })
    }

    /// The same secret for another user (the alternating scheme's `_clone`).
    pub(crate) fn with_username(&self, username: &str) -> Self {
        let mut s = self.clone();
        s.username = username.to_owned();
        s.members.insert("username".to_owned(), Value::String(username.to_owned()));
        s
    }

    /// The same secret with another password.
    pub(crate) fn with_password(&self, password: SecretBytes) -> Self {
        let mut s = self.clone();
        s.password = password;
        s
    }

    /// The same secret connecting to database `dbname` (the master secret logs in to the
    /// rotated secret's database, as AWS's templates do).
    pub(crate) fn with_dbname(&self, dbname: Option<&str>) -> Self {
        let mut s = self.clone();
        s.dbname = dbname.map(str::to_owned);
        s
    }

    /// The password as text.
    pub(crate) fn password_str(&self) -> Result<&str, SecretJsonError> {
        std::str::from_utf8(self.password.expose_secret()).map_err(|_| SecretJsonError::Invalid { field: "password" })
    }

    /// The secret as a `SecretString`: every member as read, and the password.
    pub(crate) fn to_value(&self) -> Result<SecretValue, SecretJsonError> {
        let open = serde_json::to_vec(&self.members).map_err(|_| SecretJsonError::NotAnObject)?;
        let password = self.password_str()?;
        // Sized once for the worst escaping (\u00XX), so the buffer that will hold the
        // password never reallocates and leaves no copy behind.
        let mut out = Zeroizing::new(Vec::with_capacity(open.len() + 16 + 6 * password.len()));
        out.extend_from_slice(&open[..open.len() - 1]);
        if !self.members.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"password\":");
        serde_json::to_writer(&mut *out, password).map_err(|_| SecretJsonError::Invalid { field: "password" })?;
        out.push(b'}');
        Ok(SecretValue::String(SecretBytes::new(std::mem::take(&mut *out))))
    }
}

fn zeroize_value(v: &mut Value) {
    use zeroize::Zeroize;
    if let Value::String(s) = v {
        s.zeroize();
    }
}

#[cfg(test)]
#[path = "secret_json_tests.rs"]
mod tests;
