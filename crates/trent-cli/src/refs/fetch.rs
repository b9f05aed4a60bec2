//! Fetching what references name, over the wire as any AWS client would: Parameter Store's
//! `GetParameter`/`GetParametersByPath` and Secrets Manager's `GetSecretValue`, signed with the
//! CLI's credentials. Values come back as [`Value`]s (zeroized when dropped) and go nowhere but
//! the rendered output or the child's environment; errors carry the reference and the
//! service's error code and message, never a value. (The decoded JSON answers and a secret's
//! parsed JSON object are plain `serde_json` values, dropped without zeroizing.)

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value as Json, json};
use trent_client::{ClientError, JsonClient};
use zeroize::Zeroizing;

use super::grammar::{ParameterForm, Reference, SecretVersion};

/// A resolved value.
pub(crate) type Value = Zeroizing<String>;

/// The most parameters `--path` loads (ten pages of `GetParametersByPath` at its largest page
/// are 100; an account holds at most 100,000).
pub(crate) const MAX_PATH_PARAMETERS: usize = 10_000;

/// Where references are resolved: the two services, or a stand-in in tests.
pub(crate) trait Source {
    /// `GetParameter` of `name` (with `:version` when given).
    async fn parameter(&self, name: &str, decrypt: bool) -> Result<Parameter, ClientError>;
    /// `GetSecretValue`.
    async fn secret(&self, id: &str, version: &SecretVersion) -> Result<Option<Value>, ClientError>;
    /// One page of `GetParametersByPath` (recursive, decrypted): the parameters and the next token.
    async fn by_path(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<(Vec<(String, Value)>, Option<String>), ClientError>;
}

/// A parameter as `GetParameter` returns it.
pub(crate) struct Parameter {
    /// `String`, `StringList` or `SecureString`.
    pub(crate) kind: String,
    pub(crate) value: Value,
}

/// Why a reference did not resolve.
#[derive(Debug)]
pub(crate) struct FetchError {
    /// The reference, as `{{resolve:...}}` would write it.
    pub(crate) reference: String,
    pub(crate) cause: Cause,
}

/// What went wrong.
#[derive(Debug)]
pub(crate) enum Cause {
    /// The service refused or could not be reached.
    Service(ClientError),
    /// An `ssm` reference to a `SecureString`, or an `ssm-secure` one to anything else.
    WrongType { expected: &'static str, found: String },
    /// The secret holds `SecretBinary`, not `SecretString`.
    Binary,
    /// A JSON key was asked of a secret whose string is not a JSON object.
    NotJsonObject,
    /// The secret's JSON object has no such key.
    NoSuchKey(String),
    /// `--path` found more than [`MAX_PATH_PARAMETERS`].
    TooManyParameters,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reference = &self.reference;
        match &self.cause {
            Cause::Service(e) => write!(f, "{reference} did not resolve: {e}"),
            Cause::WrongType { expected, found } => {
                write!(f, "{reference} names a {found} parameter; this form reads only {expected}")
            }
            Cause::Binary => write!(f, "{reference} names a secret that holds SecretBinary, not SecretString"),
            Cause::NotJsonObject => write!(f, "{reference} asks for a JSON key, but the secret is not a JSON object"),
            Cause::NoSuchKey(key) => write!(f, "{reference}: the secret has no JSON key {key:?}"),
            Cause::TooManyParameters => write!(f, "{reference} holds more than {MAX_PATH_PARAMETERS} parameters"),
        }
    }
}

impl std::error::Error for FetchError {}

/// How a reference is written, for messages.
pub(crate) fn written(reference: &Reference) -> String {
    match reference {
        Reference::Parameter { name, version, form } => {
            let service = if *form == ParameterForm::Secure { "ssm-secure" } else { "ssm" };
            match version {
                Some(v) => format!("{{{{resolve:{service}:{name}:{v}}}}}"),
                None => format!("{{{{resolve:{service}:{name}}}}}"),
            }
        }
        Reference::Secret { id, json_key, version } => {
            let key = json_key.as_deref().unwrap_or("");
            let (stage, vid) = match version {
                SecretVersion::Current => ("", ""),
                SecretVersion::Stage(s) => (s.as_str(), ""),
                SecretVersion::Id(i) => ("", i.as_str()),
            };
            let full = format!("secretsmanager:{id}:SecretString:{key}:{stage}:{vid}");
            format!("{{{{resolve:{}}}}}", full.trim_end_matches(':').trim_end_matches(":SecretString"))
        }
    }
}

/// Resolves one reference.
pub(crate) async fn resolve(source: &impl Source, reference: &Reference) -> Result<Value, FetchError> {
    let fail = |cause| FetchError { reference: written(reference), cause };
    match reference {
        Reference::Parameter { name, version, form } => {
            let selector = match version {
                Some(v) => format!("{name}:{v}"),
                None => name.clone(),
            };
            let decrypt = *form != ParameterForm::Plain;
            let parameter = source.parameter(&selector, decrypt).await.map_err(|e| fail(Cause::Service(e)))?;
            let secure = parameter.kind == "SecureString";
            match form {
                ParameterForm::Plain if secure => {
                    Err(fail(Cause::WrongType { expected: "String and StringList", found: parameter.kind }))
                }
                ParameterForm::Secure if !secure => {
                    Err(fail(Cause::WrongType { expected: "SecureString", found: parameter.kind }))
                }
                _ => Ok(parameter.value),
            }
        }
        Reference::Secret { id, json_key, version } => {
            let value = source.secret(id, version).await.map_err(|e| fail(Cause::Service(e)))?;
            let value = value.ok_or_else(|| fail(Cause::Binary))?;
            let Some(key) = json_key else {
                return Ok(value);
            };
            let object: BTreeMap<String, Json> =
                serde_json::from_str(&value).map_err(|_| fail(Cause::NotJsonObject))?;
            match object.get(key) {
                Some(Json::String(s)) => Ok(Zeroizing::new(s.clone())),
                Some(other) => Ok(Zeroizing::new(other.to_string())),
                None => Err(fail(Cause::NoSuchKey(key.clone()))),
            }
        }
    }
}

/// Every parameter under `path`, recursively and decrypted, by full name.
pub(crate) async fn under_path(source: &impl Source, path: &str) -> Result<Vec<(String, Value)>, FetchError> {
    let fail = |cause| FetchError { reference: format!("--path {path}"), cause };
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (page, next) = source.by_path(path, token.as_deref()).await.map_err(|e| fail(Cause::Service(e)))?;
        all.extend(page);
        if all.len() > MAX_PATH_PARAMETERS {
            return Err(fail(Cause::TooManyParameters));
        }
        match next {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => return Ok(all),
        }
    }
}

/// The two services on a running server (or AWS).
pub(crate) struct Remote {
    pub(crate) ssm: JsonClient,
    pub(crate) secrets: JsonClient,
}

fn text(answer: &Json, key: &str) -> Option<Value> {
    answer.get(key).and_then(Json::as_str).map(|s| Zeroizing::new(s.to_owned()))
}

impl Source for Remote {
    async fn parameter(&self, name: &str, decrypt: bool) -> Result<Parameter, ClientError> {
        let answer = self.ssm.call("GetParameter", &json!({"Name": name, "WithDecryption": decrypt})).await?;
        let parameter = answer.get("Parameter").ok_or(ClientError::Decode(200))?;
        let kind = parameter.get("Type").and_then(Json::as_str).unwrap_or_default().to_owned();
        let value = text(parameter, "Value").ok_or(ClientError::Decode(200))?;
        Ok(Parameter { kind, value })
    }

    async fn secret(&self, id: &str, version: &SecretVersion) -> Result<Option<Value>, ClientError> {
        let body = match version {
            SecretVersion::Current => json!({"SecretId": id}),
            SecretVersion::Stage(stage) => json!({"SecretId": id, "VersionStage": stage}),
            SecretVersion::Id(vid) => json!({"SecretId": id, "VersionId": vid}),
        };
        let answer = self.secrets.call("GetSecretValue", &body).await?;
        Ok(text(&answer, "SecretString"))
    }

    async fn by_path(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<(Vec<(String, Value)>, Option<String>), ClientError> {
        let mut body = json!({"Path": path, "Recursive": true, "WithDecryption": true, "MaxResults": 10});
        if let Some(token) = token {
            body["NextToken"] = json!(token);
        }
        let answer = self.ssm.call("GetParametersByPath", &body).await?;
        let mut page = Vec::new();
        for parameter in answer.get("Parameters").and_then(Json::as_array).into_iter().flatten() {
            let name = parameter.get("Name").and_then(Json::as_str).ok_or(ClientError::Decode(200))?;
            let value = text(parameter, "Value").ok_or(ClientError::Decode(200))?;
            page.push((name.to_owned(), value));
        }
        let next = answer.get("NextToken").and_then(Json::as_str).map(str::to_owned);
        Ok((page, next))
    }
}
