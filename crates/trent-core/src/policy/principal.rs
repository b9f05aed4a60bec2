//! The `Principal` and `NotPrincipal` elements: what they may name and whom they match.
//!
//! Rules, from "AWS JSON policy elements: Principal" and "NotPrincipal":
//! - `"*"` and `{"AWS": "*"}` are the same: every principal, anonymous callers included.
//! - An account id (`123456789012`) and the account ARN (`arn:aws:iam::123456789012:root`)
//!   "behave the same way. Both delegate permissions to the account" — they match every
//!   principal of that account, not only its root user ([`PrincipalMatch::Account`]).
//! - A role ARN matches the sessions of that role ("When they use those session credentials
//!   ... they become a role session principal"); an assumed-role session ARN matches that
//!   session only; a user ARN that user; a federated-user ARN that session.
//! - `Service` names a service principal (`secretsmanager.amazonaws.com`); `Federated` an
//!   identity provider; `CanonicalUser` is an Amazon S3 notion that no Trent caller has.
//! - "You cannot use a wildcard to match part of a principal name or ARN."
//! - `NotPrincipal` applies to every principal it does not exclude, and AWS checks a request
//!   against each layer of the caller — a role session, its role and its account; a user
//!   and its account — so a caller escapes only when *every* layer is listed ("NotPrincipal":
//!   "you must also specify the account ARN", and for a session the role ARN too). Listing
//!   a role therefore does not exclude all its sessions, nor an account all its users.

use super::error::{PolicyError, PolicyErrorKind};
use super::json::Json;
use super::{PrincipalMatch, PrincipalType, RequestPrincipal};

/// Who a statement applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalClause {
    /// Identity and session policies: the principal the policy is attached to.
    Implicit,
    /// `Principal`.
    Is(Vec<Entry>),
    /// `NotPrincipal`.
    IsNot(Vec<Entry>),
}

/// One principal named by a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    Everyone,
    /// Every principal of this 12-digit account.
    Account(String),
    /// A user, assumed-role session or federated-user session, by exact ARN.
    Exact(String),
    /// A role: matches its sessions.
    Role(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

impl PrincipalClause {
    /// How `principal` is matched, or `None` when the statement does not apply to it.
    pub(crate) fn matches(&self, principal: &RequestPrincipal) -> Option<PrincipalMatch> {
        match self {
            PrincipalClause::Implicit => Some(PrincipalMatch::Specific),
            PrincipalClause::Is(entries) => best_match(entries, principal),
            PrincipalClause::IsNot(entries) => (!excluded(entries, principal)).then_some(PrincipalMatch::Specific),
        }
    }

    /// Whether a `Principal` clause names the caller by its exact ARN (not through its role,
    /// its account or `"*"`).
    pub(crate) fn names_exactly(&self, principal: &RequestPrincipal) -> bool {
        match self {
            PrincipalClause::Is(entries) => {
                !principal.arn.is_empty()
                    && entries.iter().any(|e| matches!(e, Entry::Exact(arn) if *arn == principal.arn))
            }
            PrincipalClause::Implicit | PrincipalClause::IsNot(_) => false,
        }
    }
}

/// Whether a `NotPrincipal` list excludes `principal`: `"*"` excludes everyone; a service
/// or provider is excluded by its own entry; an AWS principal only when every layer of it is
/// listed (its ARN, its role's ARN for a session, and its account).
fn excluded(entries: &[Entry], principal: &RequestPrincipal) -> bool {
    if entries.contains(&Entry::Everyone) {
        return true;
    }
    let listed_exact = || entries.iter().any(|e| matches!(e, Entry::Exact(arn) if *arn == principal.arn));
    let listed_account = || entries.iter().any(|e| matches!(e, Entry::Account(a) if *a == principal.account));
    match &principal.principal_type {
        PrincipalType::Service | PrincipalType::Anonymous => entries.iter().any(|e| e.matches(principal).is_some()),
        PrincipalType::Root => listed_account() || listed_exact(),
        PrincipalType::User | PrincipalType::FederatedUser => listed_exact() && listed_account(),
        PrincipalType::AssumedRole { role_arn } => {
            listed_exact() && listed_account() && entries.iter().any(|e| matches!(e, Entry::Role(r) if r == role_arn))
        }
    }
}

fn best_match(entries: &[Entry], principal: &RequestPrincipal) -> Option<PrincipalMatch> {
    let mut best = None;
    for entry in entries {
        match entry.matches(principal) {
            Some(PrincipalMatch::Specific) => return Some(PrincipalMatch::Specific),
            Some(PrincipalMatch::Account) => best = Some(PrincipalMatch::Account),
            None => {}
        }
    }
    best
}

impl Entry {
    fn matches(&self, principal: &RequestPrincipal) -> Option<PrincipalMatch> {
        let kind = &principal.principal_type;
        let is_aws = !matches!(kind, PrincipalType::Service | PrincipalType::Anonymous);
        let hit = match self {
            Entry::Everyone => true,
            Entry::Account(account) => {
                return (is_aws && principal.account == *account).then_some(PrincipalMatch::Account);
            }
            Entry::Exact(arn) => is_aws && principal.arn == *arn,
            Entry::Role(arn) => match kind {
                PrincipalType::AssumedRole { role_arn } => role_arn == arn,
                _ => false,
            },
            Entry::Service(name) => {
                matches!(kind, PrincipalType::Service)
                    && principal.service.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(name))
            }
            // A web-identity or SAML caller of a trust policy carries its provider in
            // `service`; see `RequestPrincipal::service`.
            Entry::Federated(provider) => {
                !matches!(kind, PrincipalType::Service) && principal.service.as_deref() == Some(provider.as_str())
            }
            Entry::CanonicalUser(_) => false,
        };
        hit.then_some(PrincipalMatch::Specific)
    }
}

/// Reads a `Principal`/`NotPrincipal` value: `"*"` or a map of principal types to a string
/// or a list of strings.
pub(crate) fn parse_principal(value: &Json) -> Result<Vec<Entry>, PolicyError> {
    let map = match value {
        Json::String(s) if s == "*" => return Ok(vec![Entry::Everyone]),
        Json::String(s) => return Err(invalid("", s)),
        Json::Object(map) => map,
        other => return Err(invalid("", other.type_name())),
    };
    if map.is_empty() {
        return Err(PolicyErrorKind::InvalidPrincipal(String::new()).into());
    }
    let mut entries = Vec::new();
    for (kind, names) in map {
        let names = names.string_list().ok_or_else(|| invalid(kind, names.type_name()))?;
        if names.is_empty() {
            return Err(invalid(kind, ""));
        }
        for name in names {
            let entry = match kind.as_str() {
                "AWS" => parse_aws(name),
                "Service" => plain(name).map(|n| Entry::Service(n.to_owned())),
                "Federated" => plain(name).map(|n| Entry::Federated(n.to_owned())),
                "CanonicalUser" => plain(name).map(|n| Entry::CanonicalUser(n.to_owned())),
                _ => None,
            };
            entries.push(entry.ok_or_else(|| invalid(kind, name))?);
        }
    }
    Ok(entries)
}

fn invalid(kind: &str, value: &str) -> PolicyError {
    let fragment = if kind.is_empty() { String::new() } else { format!("\"{kind}\":\"{value}\"") };
    PolicyErrorKind::InvalidPrincipal(fragment).into()
}

/// A service, provider or canonical user name: non-empty, no wildcard, no whitespace.
fn plain(name: &str) -> Option<&str> {
    let ok = !name.is_empty() && !name.contains(['*', '?']) && !name.chars().any(char::is_whitespace);
    ok.then_some(name)
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `*`, an account id, or the ARN of an account root, user, role, assumed-role session or
/// federated-user session.
fn parse_aws(name: &str) -> Option<Entry> {
    if name == "*" {
        return Some(Entry::Everyone);
    }
    if is_account_id(name) {
        return Some(Entry::Account(name.to_owned()));
    }
    if name.contains(['*', '?']) || name.chars().any(char::is_whitespace) {
        return None;
    }
    let mut parts = name.splitn(6, ':');
    let (arn, partition, service, region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let partition_ok = !partition.is_empty() && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    if arn != "arn" || !partition_ok || !region.is_empty() || !is_account_id(account) {
        return None;
    }
    let named = |rest: &str| !rest.is_empty() && !rest.ends_with('/') && !rest.starts_with('/');
    match service {
        "iam" if resource == "root" => Some(Entry::Account(account.to_owned())),
        "iam" => match resource.split_once('/') {
            Some(("user", rest)) if named(rest) => Some(Entry::Exact(name.to_owned())),
            Some(("role", rest)) if named(rest) => Some(Entry::Role(name.to_owned())),
            _ => None,
        },
        "sts" => match resource.split('/').collect::<Vec<_>>().as_slice() {
            ["assumed-role", role, session] if !role.is_empty() && !session.is_empty() => {
                Some(Entry::Exact(name.to_owned()))
            }
            ["federated-user", user] if !user.is_empty() => Some(Entry::Exact(name.to_owned())),
            _ => None,
        },
        _ => None,
    }
}
