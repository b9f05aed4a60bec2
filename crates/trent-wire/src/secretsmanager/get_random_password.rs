//! `GetRandomPassword`: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::secrets::{DEFAULT_PASSWORD_LENGTH, PasswordRules, Secrets};
use zeroize::Zeroizing;

use crate::AwsError;
use crate::json::{Bounds, Text, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    password_length: Option<i64>,
    exclude_characters: Option<String>,
    exclude_numbers: Option<bool>,
    exclude_punctuation: Option<bool>,
    exclude_uppercase: Option<bool>,
    exclude_lowercase: Option<bool>,
    include_space: Option<bool>,
    require_each_included_type: Option<bool>,
}

names!(Request);

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    random_password: Password,
}

/// The generated password, serialised from a zeroizing buffer.
struct Password(Zeroizing<String>);

impl Serialize for Password {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

names!(Response);

/// `PasswordLengthType`.
const PASSWORD_LENGTH: Bounds = Bounds { min: 1, max: 4096 };
/// `ExcludeCharactersType`.
const EXCLUDE_CHARACTERS: Text = Text::new(0, 4096);

pub(crate) async fn handle(secrets: &Secrets, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let length = v.range("passwordLength", req.password_length, PASSWORD_LENGTH);
    v.text("excludeCharacters", req.exclude_characters.as_deref(), EXCLUDE_CHARACTERS);
    v.finish()?;
    let rules = PasswordRules {
        length: length.unwrap_or(DEFAULT_PASSWORD_LENGTH),
        exclude_characters: req.exclude_characters.unwrap_or_default(),
        exclude_numbers: req.exclude_numbers.unwrap_or(false),
        exclude_punctuation: req.exclude_punctuation.unwrap_or(false),
        exclude_uppercase: req.exclude_uppercase.unwrap_or(false),
        exclude_lowercase: req.exclude_lowercase.unwrap_or(false),
        include_space: req.include_space.unwrap_or(false),
        require_each_included_type: req.require_each_included_type.unwrap_or(true),
    };
    Ok(Response { random_password: Password(Zeroizing::new(secrets.get_random_password(caller, &rules)?)) })
}
