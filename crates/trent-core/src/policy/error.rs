//! Why a policy document is refused.
//!
//! Each variant's `Display` is the sentence AWS puts in a `MalformedPolicyDocument` answer,
//! so the service layers can pass it through unchanged. What went wrong in detail (which
//! field, which value) is kept in the variant's payload for the log, never in the sentence
//! when AWS does not show it either.

use thiserror::Error;

/// A policy document that cannot be used, with AWS's wording as its `Display`.
///
/// Build one from a [`PolicyErrorKind`]; branch on [`PolicyError::kind`], never on the text.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error(transparent)]
pub struct PolicyError(#[from] PolicyErrorKind);

impl PolicyError {
    /// What is wrong with the document.
    pub fn kind(&self) -> &PolicyErrorKind {
        &self.0
    }
}

/// What is wrong with a policy document.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// Not JSON, a value of the wrong JSON type, an unknown or repeated element, an unknown
    /// `Version`, or both an element and its `Not` twin. The payload says which, for the log.
    #[error("Syntax errors in policy.")]
    Syntax(String),
    /// The document has no `Statement`.
    #[error("Missing required field Statement")]
    MissingStatement,
    /// A statement has no `Effect`.
    #[error("Missing required field Effect")]
    MissingEffect,
    /// `Effect` is neither `Allow` nor `Deny` (case-sensitive); IAM answers this sentence.
    #[error("The policy failed legacy parsing")]
    InvalidEffect(String),
    /// A statement has neither `Action` nor `NotAction`, or an empty list.
    #[error("Policy statement must contain actions.")]
    MissingActions,
    /// A statement of a policy that needs resources has neither `Resource` nor `NotResource`.
    #[error("Policy statement must contain resources.")]
    MissingResources,
    /// An identity or session policy names a principal (`Principal` or `NotPrincipal`).
    #[error("Policy document should not specify a principal.")]
    PrincipalNotAllowed,
    /// A resource or trust policy statement names no principal.
    #[error("Missing required field Principal")]
    MissingPrincipal,
    /// A field this kind of policy must not have (`Resource` in a role trust policy).
    #[error("Has prohibited field {0}")]
    ProhibitedField(&'static str),
    /// A principal that is not `*`, an account id, an IAM/STS ARN or a service name. The
    /// payload is the `"AWS":"value"` fragment AWS quotes, empty when there is none to quote.
    #[error("{}", invalid_principal(.0))]
    InvalidPrincipal(String),
    /// An action or a condition key without a service prefix (`kms:`, `aws:`).
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    MissingVendor(String),
    /// A resource that is neither `*` nor an ARN.
    #[error("Resource {0} must be in ARN format or \"*\".")]
    InvalidResource(String),
    /// Two statements share a `Sid`.
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid(String),
    /// A `Sid` of an IAM policy with characters other than ASCII letters and digits.
    #[error(
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    )]
    InvalidSid(String),
    /// A condition operator that the policy language does not define.
    #[error("Invalid Condition type : {0}")]
    InvalidConditionOperator(String),
}

fn invalid_principal(fragment: &str) -> String {
    if fragment.is_empty() {
        "Invalid principal in policy".to_owned()
    } else {
        format!("Invalid principal in policy: {fragment}")
    }
}

/// Shorthand for the parser: a syntax error with a note for the log.
pub(crate) fn syntax(note: impl Into<String>) -> PolicyError {
    PolicyError(PolicyErrorKind::Syntax(note.into()))
}
