//! Resource policies: `PutResourcePolicy`, `GetResourcePolicy`, `DeleteResourcePolicy`,
//! `ValidateResourcePolicy`, parsed by the one policy engine.
//!
//! A policy is *public* (refused under `BlockPublicPolicy`) when it allows some Secrets
//! Manager action to an anonymous principal of an unknown account with no condition key
//! present: anyone could then use the secret.

use super::{BadPolicy, BadRequest, MAX_POLICY_CHARS, Secrets, SecretsError};
use crate::identity::Caller;
use crate::policy::{ConditionContext, Policy, PolicyKind, Request, RequestPrincipal};

/// Actions tried when looking for public access.
const PROBED_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:ListSecretVersionIds",
];

/// Parses a resource policy.
///
/// # Errors
/// `MalformedPolicy`: too long, or refused by the engine.
fn parse(document: &str) -> Result<Policy, SecretsError> {
    if document.chars().count() > MAX_POLICY_CHARS {
        return Err(SecretsError::MalformedPolicy(BadPolicy::TooLong));
    }
    Policy::parse(document, PolicyKind::Resource).map_err(|e| SecretsError::MalformedPolicy(BadPolicy::Document(e)))
}

/// Whether `policy` grants public access to the secret `arn`.
fn is_public(policy: &Policy, arn: &str) -> bool {
    let anonymous = RequestPrincipal::anonymous();
    let context = ConditionContext::new();
    PROBED_ACTIONS.iter().any(|action| {
        policy.evaluate(&Request { principal: &anonymous, action, resource: arn, context: &context }).is_allowed()
    })
}

impl Secrets {
    /// `PutResourcePolicy`; answers the secret's ARN and name.
    ///
    /// # Errors
    /// `MalformedPolicy`, `PublicPolicy` under `BlockPublicPolicy`, `NotFound`, `AccessDenied`.
    pub async fn put_resource_policy(
        &self,
        caller: &Caller,
        secret_id: &str,
        document: &str,
        block_public: bool,
    ) -> Result<(String, String), SecretsError> {
        let parsed = parse(document)?;
        let s = self
            .mutate(caller, secret_id, "secretsmanager:PutResourcePolicy", |s| {
                if s.is_deleted() {
                    return Err(SecretsError::InvalidRequest(BadRequest::MarkedForDeletion));
                }
                if block_public && is_public(&parsed, &s.arn()) {
                    return Err(SecretsError::PublicPolicy);
                }
                s.policy = Some(document.to_owned());
                Ok(())
            })
            .await?;
        Ok((s.arn(), s.name))
    }

    /// `GetResourcePolicy`: ARN, name and the policy, if any.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`.
    pub async fn get_resource_policy(
        &self,
        caller: &Caller,
        secret_id: &str,
    ) -> Result<(String, String, Option<String>), SecretsError> {
        let s = self.authorized(caller, secret_id, "secretsmanager:GetResourcePolicy").await?;
        Ok((s.arn(), s.name.clone(), s.policy))
    }

    /// `DeleteResourcePolicy`.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`.
    pub async fn delete_resource_policy(
        &self,
        caller: &Caller,
        secret_id: &str,
    ) -> Result<(String, String), SecretsError> {
        let s = self
            .mutate(caller, secret_id, "secretsmanager:DeleteResourcePolicy", |s| {
                s.policy = None;
                Ok(())
            })
            .await?;
        Ok((s.arn(), s.name))
    }

    /// `ValidateResourcePolicy`: whether the policy parses and, for a secret, is not public.
    /// Answers the checks that failed as `(check name, message)`.
    ///
    /// # Errors
    /// `MalformedPolicy` for a document that does not parse, `NotFound`, `AccessDenied`.
    pub async fn validate_resource_policy(
        &self,
        caller: &Caller,
        secret_id: Option<&str>,
        document: &str,
    ) -> Result<Vec<(String, String)>, SecretsError> {
        let action = "secretsmanager:ValidateResourcePolicy";
        let arn = match secret_id {
            Some(id) => self.authorized(caller, id, action).await?.arn(),
            None => {
                self.authorize_account(caller, action, "*")?;
                "*".to_owned()
            }
        };
        let parsed = parse(document)?;
        let mut failed = Vec::new();
        if is_public(&parsed, &arn) {
            failed.push((
                "BLOCK_PUBLIC_POLICY".to_owned(),
                "This resource policy contains a statement that grants public access.".to_owned(),
            ));
        }
        Ok(failed)
    }
}
