//! `/aws/reference/secretsmanager/<secret-id>`: a Secrets Manager secret read through
//! `GetParameter` and `GetParameters` ("Referencing AWS Secrets Manager secrets from Parameter
//! Store parameters", AWS Systems Manager User Guide).
//!
//! AWS's rules, as applied here:
//! - only `GetParameter` and `GetParameters` read references; `WithDecryption` must be true
//!   (`ValidationException` otherwise);
//! - the answer is a `SecureString` named as asked, `Version` 0, `DataType` `text`, the
//!   secret's ARN as `ARN`, the secret's value as `Value` (a `SecretBinary` base64-encoded),
//!   the version's creation date as `LastModifiedDate`, and the whole `GetSecretValue` answer
//!   as `SourceResult`;
//! - `name:selector` picks a version by `VersionId`, or else by staging label (letters,
//!   digits, `.`, `-`, `_`); a reference has no Parameter Store history or labels;
//! - the caller needs `ssm:GetParameter(s)` on the reference's parameter ARN *and*
//!   `secretsmanager:GetSecretValue` on the secret (and `kms:Decrypt` on a customer managed
//!   key): the secret is read with the caller's own identity, so its resource policy and IAM
//!   policies apply exactly as to a direct `GetSecretValue`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use trent_crypto::Plaintext;

use super::get::ParameterRead;
use super::model::{DataType, ParameterType, ParameterVersion, StoredValue, Tier};
use super::names::SECRETS_MANAGER_REFERENCE;
use super::{Params, ParamsError};
use crate::identity::Caller;
use crate::secrets::{Secrets, SecretsError, ValueKind, ValueOutput, VersionSelector};

/// A reference name split into the secret id and the optional `:selector`.
pub(crate) struct Reference<'a> {
    /// The name as asked, without the selector (`/aws/reference/secretsmanager/db`).
    pub(crate) name: &'a str,
    /// The secret's name or ARN.
    pub(crate) secret_id: &'a str,
    /// A `VersionId` or a staging label.
    pub(crate) selector: Option<&'a str>,
}

impl<'a> Reference<'a> {
    /// The reference `given` names, if it names one. A secret ARN
    /// (`arn:aws:secretsmanager:r:a:secret:name`) holds six colons; a selector follows a
    /// seventh.
    pub(crate) fn parse(given: &'a str) -> Option<Self> {
        let tail = given.strip_prefix(SECRETS_MANAGER_REFERENCE)?;
        let cut =
            if tail.starts_with("arn:") { tail.match_indices(':').nth(6).map(|(i, _)| i) } else { tail.find(':') };
        let (secret_id, selector) = match cut {
            Some(i) => (&tail[..i], Some(&tail[i + 1..])),
            None => (tail, None),
        };
        let name = &given[..SECRETS_MANAGER_REFERENCE.len() + secret_id.len()];
        Some(Reference { name, secret_id, selector })
    }
}

/// Whether `s` may be a staging label a reference selects by.
fn stage_chars(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl Params {
    /// Reads the secret `reference` names, for `action` (`ssm:GetParameter` or
    /// `ssm:GetParameters`) already authorized on the reference's parameter ARN.
    ///
    /// # Errors
    /// `ReferenceNeedsDecryption` without `WithDecryption`; `NotFound` for a secret that does
    /// not exist or is scheduled for deletion; `LabelNotFound` for a selector that names no
    /// version; `Secrets` (access denied...) and `Kms` failures of the read.
    pub(crate) async fn read_reference(
        &self,
        secrets: &Secrets,
        caller: &Caller,
        reference: &Reference<'_>,
        decrypt: bool,
    ) -> Result<ParameterRead, ParamsError> {
        if !decrypt {
            return Err(ParamsError::ReferenceNeedsDecryption);
        }
        let not_found = || ParamsError::NotFound { name: reference.name.to_owned() };
        if reference.secret_id.is_empty() {
            return Err(not_found());
        }
        let out = match reference.selector {
            None => self.secret(secrets, caller, reference, VersionSelector::default()).await?,
            Some(sel) => {
                let by_id = VersionSelector { version_id: Some(sel.to_owned()), version_stage: None };
                match self.secret(secrets, caller, reference, by_id).await {
                    Err(ParamsError::LabelNotFound { .. }) if stage_chars(sel) => {
                        let by_stage = VersionSelector { version_id: None, version_stage: Some(sel.to_owned()) };
                        self.secret(secrets, caller, reference, by_stage).await?
                    }
                    other => other?,
                }
            }
        };
        let value = match out.value.kind {
            ValueKind::String => Plaintext::from_slice(out.value.bytes.expose_secret()),
            ValueKind::Binary => Plaintext::new(STANDARD.encode(out.value.bytes.expose_secret()).into_bytes()),
        };
        let version = ParameterVersion {
            name: reference.name.to_owned(),
            version: 0,
            kind: ParameterType::SecureString,
            value: StoredValue(Vec::new()),
            key_id: None,
            description: None,
            allowed_pattern: None,
            tier: Tier::Standard,
            data_type: DataType::Text,
            labels: Vec::new(),
            policies: Vec::new(),
            modified_at: out.created_at,
            modified_by: String::new(),
        };
        Ok(ParameterRead {
            version,
            arn: out.arn.clone(),
            value,
            selector: reference.selector.map(|s| format!(":{s}")),
            source: Some(out),
        })
    }

    /// `GetSecretValue` as the caller, its refusals in Parameter Store's terms.
    async fn secret(
        &self,
        secrets: &Secrets,
        caller: &Caller,
        reference: &Reference<'_>,
        selector: VersionSelector,
    ) -> Result<ValueOutput, ParamsError> {
        let not_found = || ParamsError::NotFound { name: reference.name.to_owned() };
        let label = || match reference.selector {
            Some(label) => ParamsError::LabelNotFound { name: reference.name.to_owned(), label: label.to_owned() },
            None => not_found(),
        };
        secrets.get_secret_value(caller, reference.secret_id, &selector).await.map_err(|e| match e {
            SecretsError::NotFound | SecretsError::InvalidRequest(_) => not_found(),
            SecretsError::VersionNotFound { .. } | SecretsError::StageNotFound { .. } => label(),
            SecretsError::Kms { source, .. } => ParamsError::Kms(source),
            other => ParamsError::Secrets(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_secret_and_selector() {
        let r = Reference::parse("/aws/reference/secretsmanager/db/prod").unwrap();
        assert_eq!((r.name, r.secret_id, r.selector), ("/aws/reference/secretsmanager/db/prod", "db/prod", None));
        let r = Reference::parse("/aws/reference/secretsmanager/db:AWSPREVIOUS").unwrap();
        assert_eq!((r.name, r.secret_id, r.selector), ("/aws/reference/secretsmanager/db", "db", Some("AWSPREVIOUS")));
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
        let given = format!("/aws/reference/secretsmanager/{arn}:v1");
        let r = Reference::parse(&given).unwrap();
        assert_eq!((r.secret_id, r.selector), (arn, Some("v1")));
        let given = format!("/aws/reference/secretsmanager/{arn}");
        let r = Reference::parse(&given).unwrap();
        assert_eq!((r.secret_id, r.selector), (arn, None));
        assert!(Reference::parse("/aws/reference/other/db").is_none());
        assert!(Reference::parse("/app/db").is_none());
    }

    #[test]
    fn stage_selectors_use_the_documented_characters() {
        assert!(stage_chars("AWSCURRENT") && stage_chars("blue-1.x_y"));
        assert!(!stage_chars("") && !stage_chars("a b") && !stage_chars("a/b"));
    }
}
