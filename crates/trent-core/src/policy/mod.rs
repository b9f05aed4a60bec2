//! The IAM policy language: one parser and one evaluator for every policy Trent stores.
//!
//! KMS key policies, IAM identity policies, role trust policies, session policies and
//! (later) Secrets Manager resource policies are all written in the same JSON language and
//! evaluated with the same rules, so they share this module; [`PolicyKind`] says which
//! elements a document must or must not have. [`Policy::parse`] validates a document once
//! and compiles its patterns; [`Policy::evaluate`] answers, for one request, whether the
//! policy explicitly denies it and how strongly it allows it ([`Evaluation`]).
//!
//! This module knows nothing of storage, of how principals are authenticated, or of how
//! several policies combine: the service layers build the [`Request`] (principal, action,
//! resource ARN, [`ConditionContext`]) and combine the [`Evaluation`]s of a key policy,
//! identity policies and grants by AWS's cross-policy rules.
//!
//! Sources for every rule are the AWS IAM User Guide pages "IAM JSON policy elements
//! reference", "Condition operators", "Conditions with multiple context keys or values",
//! "Single-valued vs. multivalued context keys", "Variables and tags", "Principal",
//! "NotPrincipal", "Grammar of the IAM JSON policy language" and "Policy evaluation logic",
//! and the KMS Developer Guide's "Default key policy"; each submodule cites the rules it
//! implements.

mod condition;
mod context;
mod error;
mod eval;
mod json;
mod matching;
mod parse;
mod principal;
mod values;
mod variables;

#[cfg(test)]
mod tests;

pub use context::{ConditionContext, KeysRead};
pub use error::{PolicyError, PolicyErrorKind};
pub use eval::{Evaluation, PrincipalMatch, Request};
pub use matching::{action_matches, arn_like};
pub use parse::MAX_DOCUMENT_BYTES;

/// What a policy document is attached to, which decides the elements it must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An IAM user's, group's or role's permissions policy: no principal, resources required.
    Identity,
    /// A policy on a resource (a KMS key policy, a secret's resource policy): a principal and
    /// resources required.
    Resource,
    /// A role's trust policy: a principal required, no resources allowed.
    Trust,
    /// A session policy passed to STS: like an identity policy.
    Session,
}

/// A parsed and validated policy document, ready to evaluate.
///
/// Parsing compiles every pattern once, so evaluating on each request does no parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    kind: PolicyKind,
    version: parse::Version,
    id: Option<String>,
    statements: Vec<parse::Statement>,
    /// The condition keys an evaluation can read from the request's context, so that a
    /// service builds only those ([`KeysRead`]).
    reads: context::Reads,
}

impl Policy {
    /// Parses `document` as a policy of `kind`.
    ///
    /// # Errors
    /// A [`PolicyError`] whose text is AWS's `MalformedPolicyDocument` message when the
    /// document is not valid JSON, does not follow the policy grammar, lacks an element
    /// `kind` requires or has one it forbids, or when it is larger than [`MAX_DOCUMENT_BYTES`]
    /// or nests deeper than any valid document. Each kind's own size quota is the caller's
    /// to enforce.
    pub fn parse(document: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        parse::parse(document, kind)
    }

    /// The kind this policy was parsed as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The document's `Id` element, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Whether the document uses the `2012-10-17` language (policy variables enabled).
    pub fn supports_variables(&self) -> bool {
        self.version == parse::Version::V2012
    }

    /// The statements' `Sid`s in document order (`None` for a statement without one).
    pub fn statement_ids(&self) -> impl Iterator<Item = Option<&str>> {
        self.statements.iter().map(|s| s.sid.as_deref())
    }
}

/// The kind of principal making a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// The account's root user (`arn:aws:iam::ACCOUNT:root`).
    Root,
    /// An IAM user.
    User,
    /// A role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    AssumedRole {
        /// The role's own ARN (`arn:aws:iam::ACCOUNT:role/PATH/ROLE`): a policy naming the
        /// role matches its sessions, and `aws:PrincipalArn` is this ARN.
        role_arn: String,
    },
    /// A federated-user session from `GetFederationToken`.
    FederatedUser,
    /// An AWS service acting as itself (`secretsmanager.amazonaws.com`).
    Service,
    /// An unauthenticated caller: only `"*"` matches it.
    Anonymous,
}

/// The principal making a request, as the policy engine sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestPrincipal {
    /// The principal's ARN (the session ARN for a role session); empty for services and
    /// anonymous callers.
    pub arn: String,
    /// The 12-digit account the principal belongs to: account principals (`123456789012`,
    /// `...:root`) match every principal whose account this is.
    pub account: String,
    /// Root, user, role session, ...
    pub principal_type: PrincipalType,
    /// The unique id (`AIDA...`, `AROA...:session`, the account id for root): the value of
    /// `aws:userid`.
    pub user_id: String,
    /// The IAM user's friendly name, the value of `aws:username`; `None` for other types.
    pub username: Option<String>,
    /// For [`PrincipalType::Service`], the service principal name that `"Service"` entries
    /// match. For a web-identity or SAML caller of a trust policy, the identity provider
    /// (`cognito-identity.amazonaws.com`, a SAML provider ARN) that `"Federated"` entries
    /// match.
    pub service: Option<String>,
}

impl RequestPrincipal {
    /// An unauthenticated caller.
    pub fn anonymous() -> RequestPrincipal {
        RequestPrincipal {
            arn: String::new(),
            account: String::new(),
            principal_type: PrincipalType::Anonymous,
            user_id: String::new(),
            username: None,
            service: None,
        }
    }

    /// The service principal `name` (`secretsmanager.amazonaws.com`).
    pub fn service(name: &str) -> RequestPrincipal {
        RequestPrincipal {
            principal_type: PrincipalType::Service,
            service: Some(name.to_owned()),
            ..RequestPrincipal::anonymous()
        }
    }
}
