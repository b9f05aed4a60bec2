//! Resource policies: `PutResourcePolicy`, `GetResourcePolicy`, `DeleteResourcePolicy`,
//! `ListResourcePolicies`, `ValidateResourcePolicy`, parsed by the one policy engine.
//!
//! A secret holds at most one policy, named [`DEFAULT_POLICY_NAME`]: the only name AWS lets a
//! caller put or delete (another answers `InvalidParameterException`). AWS also attaches
//! policies of its own under other names (`cross-account-replication` on a cross-account
//! replica); this server makes no such replicas, so a secret never holds another name, and
//! `GetResourcePolicy` of another name answers `ResourceNotFoundException` as AWS documents for
//! a name no policy has.
//!
//! A policy is *public* (refused under `BlockPublicPolicy`) when it allows some Secrets
//! Manager action to an anonymous principal of an unknown account with no condition key
//! present: anyone could then use the secret.

use super::list::{page_size, parse_token, token};
use super::{BadParameter, BadPolicy, BadRequest, MAX_POLICY_CHARS, SecretRecord, Secrets, SecretsError};
use crate::identity::Caller;
use crate::policy::{ConditionContext, Policy, PolicyKind, Request, RequestPrincipal};

/// `PolicyName` when a request names none, and the name of the one policy a caller may put.
pub const DEFAULT_POLICY_NAME: &str = "default";

/// Most policy names one `ListResourcePolicies` page holds (`MaxResults`' bound and default).
pub const MAX_POLICY_NAMES: usize = 100;

/// What `ListResourcePolicies` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyNamePage {
    /// `ResourcePolicies`: the names, `default` first, then the others alphabetically.
    pub names: Vec<String>,
    /// `NextToken`.
    pub next_token: Option<String>,
}

/// The policy a request names (`default` when it names none), for `PutResourcePolicy` and
/// `DeleteResourcePolicy`, which act on `default` only.
///
/// # Errors
/// `InvalidParameter` for another name.
fn only_default(policy_name: Option<&str>) -> Result<(), SecretsError> {
    match policy_name {
        None | Some(DEFAULT_POLICY_NAME) => Ok(()),
        Some(other) => Err(SecretsError::InvalidParameter(BadParameter::PolicyName { name: other.to_owned() })),
    }
}

/// The names of the policies attached to `secret`, in `ListResourcePolicies`' order.
fn policy_names(secret: &SecretRecord) -> Vec<String> {
    secret.policy.iter().map(|_| DEFAULT_POLICY_NAME.to_owned()).collect()
}

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
    /// `PutResourcePolicy` of the policy `policy_name` (`default` when `None`); answers the
    /// secret's ARN and name.
    ///
    /// # Errors
    /// `InvalidParameter` for a `policy_name` other than `default`, `MalformedPolicy`,
    /// `PublicPolicy` under `BlockPublicPolicy`, `NotFound`, `AccessDenied`.
    pub async fn put_resource_policy(
        &self,
        caller: &Caller,
        secret_id: &str,
        policy_name: Option<&str>,
        document: &str,
        block_public: bool,
    ) -> Result<(String, String), SecretsError> {
        only_default(policy_name)?;
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

    /// `GetResourcePolicy` of the policy `policy_name` (`default` when `None`): ARN, name and
    /// the policy; `default` answers no policy when none is attached.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`; `PolicyNotFound` for another name no policy has.
    pub async fn get_resource_policy(
        &self,
        caller: &Caller,
        secret_id: &str,
        policy_name: Option<&str>,
    ) -> Result<(String, String, Option<String>), SecretsError> {
        let s = self.authorized(caller, secret_id, "secretsmanager:GetResourcePolicy").await?;
        match policy_name {
            None | Some(DEFAULT_POLICY_NAME) => Ok((s.arn(), s.name.clone(), s.policy)),
            Some(other) => Err(SecretsError::PolicyNotFound { name: other.to_owned() }),
        }
    }

    /// `ListResourcePolicies`: one page of the names of the policies attached to the secret.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`; `InvalidParameter` for a bad token.
    pub async fn list_resource_policies(
        &self,
        caller: &Caller,
        secret_id: &str,
        max_results: Option<usize>,
        next_token: Option<&str>,
    ) -> Result<PolicyNamePage, SecretsError> {
        let start = parse_token(next_token)?;
        let s = self.authorized(caller, secret_id, "secretsmanager:ListResourcePolicies").await?;
        let names = policy_names(&s);
        // A token this server hands out points inside the list, past its first name.
        if next_token.is_some() && (start == 0 || start >= names.len()) {
            return Err(SecretsError::InvalidParameter(BadParameter::NextToken));
        }
        let end = start.saturating_add(page_size(max_results, MAX_POLICY_NAMES)).min(names.len());
        Ok(PolicyNamePage {
            next_token: (end < names.len()).then(|| token(end)),
            names: names.into_iter().skip(start).take(end - start).collect(),
        })
    }

    /// `DeleteResourcePolicy` of the policy `policy_name` (`default` when `None`).
    ///
    /// # Errors
    /// `InvalidParameter` for a `policy_name` other than `default`, `NotFound`, `AccessDenied`.
    pub async fn delete_resource_policy(
        &self,
        caller: &Caller,
        secret_id: &str,
        policy_name: Option<&str>,
    ) -> Result<(String, String), SecretsError> {
        only_default(policy_name)?;
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
