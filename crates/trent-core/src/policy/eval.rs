//! Evaluating one policy against one request.
//!
//! A statement applies when its principal clause, action clause, resource clause and every
//! condition match. Within one policy, any applicable `Deny` is an explicit deny and any
//! applicable `Allow` an allow ("Policy evaluation logic": "an explicit deny in any of these
//! policies overrides the allow"). Combining policies — key policy, identity policies,
//! grants, accounts — is the caller's business; this module only reports what one policy
//! says.
//!
//! `NotAction`/`NotResource` apply to everything their list does not match. A
//! `NotResource` entry whose variable cannot be resolved makes the statement not apply
//! (AWS: an unresolvable variable "might cause the entire statement to be invalid").

use super::condition::Condition;
use super::context::Lookup;
use super::matching::glob;
use super::parse::{Clause, Effect, Statement};
use super::{ConditionContext, Policy, RequestPrincipal};

/// One request to authorize.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Who is asking.
    pub principal: &'a RequestPrincipal,
    /// The IAM action, `service:Operation` (`kms:Encrypt`); compared case-insensitively.
    pub action: &'a str,
    /// The ARN of the resource acted on; compared case-sensitively.
    pub resource: &'a str,
    /// The request's condition keys.
    pub context: &'a ConditionContext,
}

/// How a resource policy's `Principal` matched the caller.
///
/// Ordered: [`Specific`](Self::Specific) is stronger than [`Account`](Self::Account).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalMatch {
    /// Through the caller's account (`123456789012` or `arn:aws:iam::123456789012:root`):
    /// the policy delegates to the account, whose IAM policies must also allow the call.
    Account,
    /// The caller itself: its ARN, its role's ARN for a role session, a service, `"*"` or a
    /// `NotPrincipal` that excludes it. Identity and session policies always match this way.
    Specific,
}

/// What one policy says about one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Evaluation {
    /// A `Deny` statement applies: the request must be refused whatever else allows it.
    pub explicit_deny: bool,
    /// The strongest match among the `Allow` statements that apply; `None` when none does.
    pub allow: Option<PrincipalMatch>,
}

impl Evaluation {
    /// Allowed by this policy alone: an `Allow` applies and no `Deny` does.
    pub fn is_allowed(&self) -> bool {
        !self.explicit_deny && self.allow.is_some()
    }
}

impl Policy {
    /// What this policy says about `request`: whether a `Deny` statement applies, and the
    /// strongest principal match among the `Allow` statements that apply.
    pub fn evaluate(&self, request: &Request<'_>) -> Evaluation {
        let action = request.action.to_lowercase();
        let lookup = Lookup::new(request.context, request.principal);
        let mut evaluation = Evaluation::default();
        for statement in &self.statements {
            let Some(matched) = applies(statement, request, &action, &lookup) else { continue };
            match statement.effect {
                Effect::Deny => evaluation.explicit_deny = true,
                Effect::Allow => evaluation.allow = evaluation.allow.max(Some(matched)),
            }
        }
        evaluation
    }
}

impl Policy {
    /// Whether an applicable `Allow` statement names the caller by its exact ARN — for a role
    /// session, the session ARN rather than the role or the account. Such a grant in a
    /// resource policy is not limited by the session's session policy ("Policy evaluation
    /// logic": permissions granted to the session ARN "are not limited by ... session
    /// policy").
    pub fn allows_caller_by_arn(&self, request: &Request<'_>) -> bool {
        let action = request.action.to_lowercase();
        let lookup = Lookup::new(request.context, request.principal);
        let mut allowed = false;
        for statement in &self.statements {
            if applies(statement, request, &action, &lookup).is_none() {
                continue;
            }
            match statement.effect {
                Effect::Deny => return false,
                Effect::Allow => allowed |= statement.principal.names_exactly(request.principal),
            }
        }
        allowed
    }
}

/// How the statement's principal clause matched, when the whole statement applies.
fn applies(statement: &Statement, request: &Request<'_>, action: &str, lookup: &Lookup<'_>) -> Option<PrincipalMatch> {
    if !clause_matches(&statement.action, action, lookup) {
        return None;
    }
    if let Some(resource) = &statement.resource
        && !clause_matches(resource, request.resource, lookup)
    {
        return None;
    }
    let matched = statement.principal.matches(request.principal)?;
    statement.conditions.iter().all(|c: &Condition| c.holds(lookup)).then_some(matched)
}

/// A positive clause matches when any pattern does; a negated one when none does and every
/// pattern could be resolved.
fn clause_matches(clause: &Clause, subject: &str, lookup: &Lookup<'_>) -> bool {
    for pattern in &clause.patterns {
        match pattern.resolve(lookup) {
            Some(tokens) if glob(&tokens, subject) => return !clause.negated,
            Some(_) => {}
            None if clause.negated => return false,
            None => {}
        }
    }
    clause.negated
}
