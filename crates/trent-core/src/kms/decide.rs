//! The KMS authorization decision, as AWS documents it ("Determining access to an AWS KMS
//! key", "Policy evaluation logic", "Grants in AWS KMS"):
//!
//! 1. An explicit `Deny` in the key policy, in any of the caller's identity policies or in
//!    its session policy refuses the request, whatever allows it elsewhere.
//! 2. The key policy is the gate. A statement that names the caller itself (its ARN, its
//!    role for a role session, or `*`) allows the call on its own within the key's account.
//!    A statement that names the caller's *account* (`123456789012` or `arn:…:root`)
//!    delegates to the account: the caller's identity policies must allow the call too
//!    (the account's root user needs none). A key whose policy has no statement for the
//!    caller or its account is unusable by it, whatever IAM says.
//! 3. Across accounts both sides must agree: the key policy must allow the caller or its
//!    account, and an identity policy in the caller's account must allow the call.
//! 4. A grant whose grantee is the caller (or the caller's role) and whose operations and
//!    constraints cover the request allows it without any policy, across accounts too.
//! 5. A session policy (from `AssumeRole`) bounds what a role session may do: it must allow
//!    the call as well — except what a key policy grants to the session's own ARN, which
//!    the session policy does not limit ("Policy evaluation logic", "Session policies").
//! 6. A service principal (`cloudtrail.amazonaws.com`) has no account and no IAM policies:
//!    a key policy statement naming it is all it needs.
//! 7. A grant to an account (`arn:aws:iam::ACCOUNT:root`) can be used by that account's
//!    root, and by its other principals whose identity policies allow the operation
//!    (the account delegates, as with a key policy naming the account).
//! 8. Before all of these: a key of another account is out of reach of every permission
//!    whose *Cross-account use* is *No* ([`super::KeyAction::cross_account`]), whatever the
//!    policies say; the service answers as for a key that does not exist
//!    ([`Decision::OtherAccountKey`]).
//! 9. A grant allows `CreateGrant` only for a grant within its own: the new grant's
//!    operations a subset of the grant's, its constraint at least as strict ("Granting
//!    CreateGrant permission"). A policy that allows `CreateGrant` has no such limit.
//!    [`Decision::Allow`] says which source allowed a request.
//!
//! Operations on the account rather than a key (`CreateKey`, `ListKeys`, `ListAliases`,
//! `GenerateRandom`, `ListRetirableGrants`, the alias half of alias operations) have no
//! key policy: identity policies decide, on resource `*` or the alias ARN; root may do them.
//!
//! These functions are pure: the service gathers the policies, grants and condition keys.

use trent_crypto::EncryptionContext;

use super::constraints::{ConstraintRule, at_least_as_strict, constraints_hold};
use super::{CrossAccount, Grant, GrantConstraints, GrantOperation, KeyAction};
use crate::policy::{ConditionContext, Evaluation, Policy, PrincipalMatch, PrincipalType, Request, RequestPrincipal};

/// Who is asking, with the policies that speak for it.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The caller as the policy engine sees it.
    pub principal: &'a RequestPrincipal,
    /// The caller's identity policies (user, its groups; a session's role). Ignored for root.
    pub identity_policies: &'a [Policy],
    /// The session policy of a role session, if one was given to `AssumeRole`.
    pub session_policy: Option<&'a Policy>,
}

/// The key being used: its owner, policy and grants.
#[derive(Clone, Copy, Debug)]
pub struct KeyAccess<'a> {
    /// The 12-digit account that owns the key.
    pub owner_account: &'a str,
    /// The key policy.
    pub key_policy: &'a Policy,
    /// The key's grants.
    pub grants: &'a [Grant],
}

/// What is asked.
#[derive(Clone, Copy, Debug)]
pub struct Ask<'a> {
    /// `kms:Operation`.
    pub action: &'a str,
    /// The ARN of the key, of an alias, or `*`.
    pub resource: &'a str,
    /// The request's condition keys.
    pub context: &'a ConditionContext,
    /// What a grant must cover to allow this request; `None` for operations no grant can allow.
    pub grant: Option<GrantAsk<'a>>,
}

/// What a grant must cover to allow a request.
#[derive(Clone, Copy, Debug)]
pub struct GrantAsk<'a> {
    /// The grant operation the request uses.
    pub op: GrantOperation,
    /// The request's encryption context (none: the empty context).
    pub context: Option<&'a EncryptionContext>,
    /// For `CreateGrant`: the grant it would create. A grant allows `CreateGrant` only for a
    /// grant within its own operations and constraints; without this, never.
    pub child: Option<ChildGrant<'a>>,
}

impl<'a> GrantAsk<'a> {
    /// A request using `op` with encryption context `context`.
    pub fn new(op: GrantOperation, context: Option<&'a EncryptionContext>) -> Self {
        GrantAsk { op, context, child: None }
    }
}

/// The grant a `CreateGrant` request would create, as a parent grant judges it.
#[derive(Clone, Copy, Debug)]
pub struct ChildGrant<'a> {
    /// Its operations.
    pub operations: &'a [GrantOperation],
    /// Its constraints.
    pub constraints: Option<&'a GrantConstraints>,
}

/// Which kind of policy decided a denial, for AWS's message shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicySource {
    /// The key policy.
    KeyPolicy,
    /// An identity-based policy.
    Identity,
    /// The session policy.
    Session,
}

/// What allowed a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowedBy {
    /// The key policy, with the identity policies it delegates to where it does.
    Policies,
    /// Identity policies alone (an operation on the account, not a key).
    IdentityPolicies,
    /// A grant (the key policy did not allow the request).
    Grant,
}

/// The outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, and by what.
    Allow(AllowedBy),
    /// The key belongs to another account and the permission is not usable across accounts:
    /// for the caller the key does not exist (`NotFoundException`), whatever the policies say.
    OtherAccountKey,
    /// Refused by an explicit `Deny`.
    ExplicitDeny(PolicySource),
    /// Nothing allowed it; the source is the policy kind that was missing an allow.
    ImplicitDeny(PolicySource),
}

impl Decision {
    /// Whether the request may proceed.
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

/// Combined evaluation of several policies: any deny, any allow.
fn evaluate_all(policies: &[Policy], request: &Request<'_>) -> Evaluation {
    policies.iter().fold(Evaluation::default(), |acc, p| {
        let e = p.evaluate(request);
        Evaluation { explicit_deny: acc.explicit_deny || e.explicit_deny, allow: acc.allow.max(e.allow) }
    })
}

/// Whether `principal` is `grantee`: its ARN, or the role of a role session.
pub fn principal_is(grantee: &str, principal: &RequestPrincipal) -> bool {
    grantee == principal.arn
        || matches!(&principal.principal_type, PrincipalType::AssumedRole { role_arn } if role_arn == grantee)
}

/// Whether `grantee` is the account root of `principal`'s account.
fn is_account_of(grantee: &str, principal: &RequestPrincipal) -> bool {
    grantee
        .strip_suffix(":root")
        .and_then(|g| g.rsplit_once(':'))
        .is_some_and(|(prefix, account)| account == principal.account && prefix.ends_with(":iam:"))
}

/// Whether `grant` allows the use `ask` describes, whoever asks.
fn grant_allows(grant: &Grant, ask: &GrantAsk<'_>) -> bool {
    if !grant.operations.contains(&ask.op) {
        return false;
    }
    let constraints = grant.constraints.as_ref();
    match ask.op.constraint_rule() {
        ConstraintRule::RequestContext => constraints_hold(constraints, ask.context),
        ConstraintRule::ChildGrant => ask.child.is_some_and(|child| {
            child.operations.iter().all(|op| grant.operations.contains(op))
                && at_least_as_strict(child.constraints, constraints)
        }),
        ConstraintRule::NotApplied => true,
        ConstraintRule::Excluded => constraints.is_none(),
    }
}

/// How a grant covers a request: for the caller itself, or through the caller's account.
fn grant_covers(grant: &Grant, principal: &RequestPrincipal, ask: &GrantAsk<'_>) -> Option<PrincipalMatch> {
    if !grant_allows(grant, ask) {
        return None;
    }
    if principal_is(&grant.grantee_principal, principal) {
        Some(PrincipalMatch::Specific)
    } else if is_account_of(&grant.grantee_principal, principal) {
        Some(if principal.principal_type == PrincipalType::Root {
            PrincipalMatch::Specific
        } else {
            PrincipalMatch::Account
        })
    } else {
        None
    }
}

/// The identity side: explicit denies and whether identity (and session) policies allow.
struct IdentitySide {
    deny: Option<PolicySource>,
    iam_allows: bool,
    session_allows: bool,
}

fn identity_side(subject: &Subject<'_>, request: &Request<'_>) -> IdentitySide {
    let root = subject.principal.principal_type == PrincipalType::Root;
    let iam = if root { Evaluation::default() } else { evaluate_all(subject.identity_policies, request) };
    let session = subject.session_policy.map(|p| p.evaluate(request));
    let deny = if iam.explicit_deny {
        Some(PolicySource::Identity)
    } else if session.is_some_and(|s| s.explicit_deny) {
        Some(PolicySource::Session)
    } else {
        None
    };
    IdentitySide {
        deny,
        iam_allows: root || iam.allow.is_some(),
        session_allows: session.is_none_or(|s| s.allow.is_some()),
    }
}

/// Whether `principal` can reach a key of `owner_account` with policy action `action` at all:
/// always in the key's own account (and for a service principal, which has none); from
/// another account only for a permission whose *Cross-account use* is *Yes*. An action that
/// is not a key permission of the table is treated as *No*.
pub fn within_reach(action: &str, principal: &RequestPrincipal, owner_account: &str) -> bool {
    principal.principal_type == PrincipalType::Service
        || principal.account == owner_account
        || KeyAction::from_permission(action).is_some_and(|a| a.cross_account() == CrossAccount::Allowed)
}

/// Decides a request on a key.
pub fn decide_key(subject: &Subject<'_>, key: &KeyAccess<'_>, ask: &Ask<'_>) -> Decision {
    if !within_reach(ask.action, subject.principal, key.owner_account) {
        return Decision::OtherAccountKey;
    }
    let request =
        Request { principal: subject.principal, action: ask.action, resource: ask.resource, context: ask.context };
    let kp = key.key_policy.evaluate(&request);
    if kp.explicit_deny {
        return Decision::ExplicitDeny(PolicySource::KeyPolicy);
    }
    let side = identity_side(subject, &request);
    if let Some(source) = side.deny {
        return Decision::ExplicitDeny(source);
    }
    let service = subject.principal.principal_type == PrincipalType::Service;
    let same_account = service || subject.principal.account == key.owner_account;
    let key_policy_alone = kp.allow == Some(PrincipalMatch::Specific) && same_account;
    let by_policies = match kp.allow {
        Some(PrincipalMatch::Specific) => same_account || side.iam_allows,
        Some(PrincipalMatch::Account) => side.iam_allows,
        None => false,
    };
    // What the key policy grants to the session's own ARN is not bounded by its session policy.
    let session_ok = side.session_allows
        || (subject.session_policy.is_some() && key_policy_alone && key.key_policy.allows_caller_by_arn(&request));
    if by_policies && session_ok {
        return Decision::Allow(AllowedBy::Policies);
    }
    let grant =
        ask.grant.and_then(|g| key.grants.iter().filter_map(|grant| grant_covers(grant, subject.principal, &g)).max());
    let by_grant = match grant {
        Some(PrincipalMatch::Specific) => true,
        Some(PrincipalMatch::Account) => side.iam_allows,
        None => false,
    };
    if by_grant && side.session_allows {
        return Decision::Allow(AllowedBy::Grant);
    }
    // Name the policy kind whose allow was missing, in the order AWS evaluates them.
    let missing = if kp.allow.is_none() && grant.is_none() {
        PolicySource::KeyPolicy
    } else if (by_policies || by_grant) && !side.session_allows {
        PolicySource::Session
    } else if !side.iam_allows {
        PolicySource::Identity
    } else {
        PolicySource::Session
    };
    Decision::ImplicitDeny(missing)
}

/// Decides a request on the caller's own account (no key policy involved).
pub fn decide_account(subject: &Subject<'_>, ask: &Ask<'_>) -> Decision {
    let request =
        Request { principal: subject.principal, action: ask.action, resource: ask.resource, context: ask.context };
    let side = identity_side(subject, &request);
    match (side.deny, side.iam_allows, side.session_allows) {
        (Some(source), _, _) => Decision::ExplicitDeny(source),
        (None, true, true) => Decision::Allow(AllowedBy::IdentityPolicies),
        (None, false, _) => Decision::ImplicitDeny(PolicySource::Identity),
        (None, true, false) => Decision::ImplicitDeny(PolicySource::Session),
    }
}
