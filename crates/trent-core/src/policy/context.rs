//! The request context: the condition keys a request carries and their values.
//!
//! AWS builds a request context for every call (principal, action, resource, time, source IP,
//! service keys such as `kms:EncryptionContext:...`) and evaluates `Condition` elements and
//! policy variables against it. [`ConditionContext`] is that bag of keys, filled by the
//! service layer; [`Lookup`] adds the keys that follow from the principal itself
//! (`aws:username`, `aws:userid`, `aws:PrincipalArn`, `aws:PrincipalAccount`,
//! `aws:PrincipalType`) so that a caller cannot forget them. Keys are case-insensitive
//! ("`aws:CurrentTime` is equivalent to `AWS:currenttime`", IAM "Variables and tags"); values
//! are kept exactly as given.

use std::collections::HashMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Policy, PrincipalType, RequestPrincipal};

/// Condition keys (case-insensitive names) with one or more values each.
///
/// A key holds a list because some keys are multivalued (`aws:TagKeys`); a single-valued key
/// simply holds one. A key inserted with no values is treated exactly like an absent key, as
/// AWS treats "an empty data set".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConditionContext {
    /// Lower-cased key name → values in insertion order.
    keys: HashMap<String, Vec<String>>,
}

impl ConditionContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty context with room for `keys` keys: a request's context is built key by key,
    /// and growing the map on the way rehashes it several times.
    pub fn with_capacity(keys: usize) -> Self {
        Self { keys: HashMap::with_capacity(keys) }
    }

    /// Sets `key` to the single value `value`, replacing what it held.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys.insert(lower(key), vec![value.into()]);
        self
    }

    /// Sets the multivalued `key` to `values`, replacing what it held.
    pub fn insert_all<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys.insert(lower(key), values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets a Boolean key (`aws:SecureTransport`, `aws:MultiFactorAuthPresent`) to
    /// `"true"` or `"false"`.
    pub fn insert_bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.insert(key, if value { "true" } else { "false" })
    }

    /// Sets a date key (`aws:CurrentTime`, `aws:TokenIssueTime`) to `at` in ISO 8601, the
    /// form the `Date` operators read.
    pub fn insert_time(&mut self, key: &str, at: OffsetDateTime) -> &mut Self {
        // Formatting an OffsetDateTime as RFC 3339 fails only for years outside 0..=9999;
        // epoch seconds are the documented alternative and always work.
        let text = at.format(&Rfc3339).unwrap_or_else(|_| at.unix_timestamp().to_string());
        self.insert(key, text)
    }

    /// Whether `key` has at least one value.
    pub fn is_present(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The values of `key`, or `None` when it is absent or has no values.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lowercase(&lower(key))
    }

    /// [`get`](Self::get) for a key already lower-cased (the parser lower-cases policy keys
    /// once, so evaluation does not allocate).
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        self.keys.get(key).map(Vec::as_slice).filter(|values| !values.is_empty())
    }
}

/// The condition keys one policy can read, found when it is parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reads {
    /// Whether it may read any key: a policy variable (`${aws:PrincipalTag/team}`) can name
    /// one no condition does.
    all: bool,
    /// The lower-cased keys of its conditions, sorted, each once.
    keys: Vec<String>,
}

impl Reads {
    /// The conditions' lower-cased `keys`, or every key when `all`.
    pub(crate) fn of<'k>(all: bool, keys: impl Iterator<Item = &'k str>) -> Self {
        let mut keys: Vec<String> = if all { Vec::new() } else { keys.map(str::to_owned).collect() };
        keys.sort_unstable();
        keys.dedup();
        Reads { all, keys }
    }
}

/// The condition keys that the policies judging one request can read: the request's context
/// need hold no other, since a key no policy reads changes no decision. A service asks
/// [`KeysRead::wants`] before it formats, lower-cases and hashes a key into the context: the
/// default KMS key policy reads none, an AWS managed key's two, most identity policies none.
///
/// Only [`Policy::evaluate`] and [`Policy::allows_caller_by_arn`] read a [`ConditionContext`];
/// a context built for some policies must not be used to evaluate others.
#[derive(Clone, Debug)]
pub struct KeysRead<'a> {
    all: bool,
    keys: Vec<&'a str>,
}

impl<'a> KeysRead<'a> {
    /// Every key: for a context built before its policies are known.
    pub fn all() -> Self {
        KeysRead { all: true, keys: Vec::new() }
    }

    /// The keys any of `policies` can read.
    pub fn of(policies: impl IntoIterator<Item = &'a Policy>) -> Self {
        let mut read = KeysRead { all: false, keys: Vec::new() };
        for policy in policies {
            read.all |= policy.reads.all;
            read.keys.extend(policy.reads.keys.iter().map(String::as_str));
        }
        read
    }

    /// Whether a policy can read `key` (case-insensitive, as keys are).
    pub fn wants(&self, key: &str) -> bool {
        self.all
            || self
                .keys
                .iter()
                .any(|read| if key.is_ascii() { read.eq_ignore_ascii_case(key) } else { *read == lower(key) })
    }

    /// Whether a policy can read a key that starts with the ASCII `prefix` (`aws:ResourceTag/`,
    /// `kms:EncryptionContext:`), case-insensitively.
    pub fn wants_prefix(&self, prefix: &str) -> bool {
        self.all
            || self.keys.iter().any(|read| {
                read.len() >= prefix.len() && read.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            })
    }

    /// How many keys a context for these policies holds at most, `None` for every key.
    pub fn count(&self) -> Option<usize> {
        (!self.all).then_some(self.keys.len())
    }

    /// Whether no policy reads any key: the context can stay empty.
    pub fn none(&self) -> bool {
        !self.all && self.keys.is_empty()
    }
}

/// `key` lower-cased as [`str::to_lowercase`] does it, without its Unicode tables for the
/// ASCII names nearly every key has (`aws:SourceIp`, `kms:EncryptionContext:Purpose`).
fn lower(key: &str) -> String {
    if key.is_ascii() { key.to_ascii_lowercase() } else { key.to_lowercase() }
}

/// The values one key resolves to during an evaluation.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Values<'a> {
    /// Values from the [`ConditionContext`] (never empty).
    Context(&'a [String]),
    /// A key derived from the principal.
    One(&'a str),
}

impl<'a> Values<'a> {
    /// The values, in order.
    pub(crate) fn iter(self) -> impl Iterator<Item = &'a str> {
        let (many, one) = match self {
            Values::Context(values) => (values, None),
            Values::One(value) => (&[][..], Some(value)),
        };
        many.iter().map(String::as_str).chain(one)
    }

    /// The value of a single-valued key: policy variables resolve only from these
    /// ("you can't use a multivalued context key as a policy variable").
    pub(crate) fn single(self) -> Option<&'a str> {
        match self {
            Values::Context([value]) => Some(value.as_str()),
            Values::Context(_) => None,
            Values::One(value) => Some(value),
        }
    }
}

/// Key lookup for one request: the context first, then the keys the principal implies.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lookup<'a> {
    context: &'a ConditionContext,
    principal: &'a RequestPrincipal,
}

impl<'a> Lookup<'a> {
    pub(crate) fn new(context: &'a ConditionContext, principal: &'a RequestPrincipal) -> Self {
        Self { context, principal }
    }

    /// The values of a lower-cased key, or `None` when the request does not carry it.
    pub(crate) fn values(&self, key: &str) -> Option<Values<'a>> {
        if let Some(values) = self.context.get_lowercase(key) {
            return Some(Values::Context(values));
        }
        self.derived(key).filter(|value| !value.is_empty()).map(Values::One)
    }

    /// Keys AWS sets from the principal (IAM "Variables and tags", principal key values):
    /// `aws:username` only for IAM users, `aws:PrincipalArn` of a role session is the
    /// role's ARN, and an anonymous caller has none of them.
    fn derived(&self, key: &str) -> Option<&'a str> {
        let principal = self.principal;
        let kind = &principal.principal_type;
        if matches!(kind, PrincipalType::Anonymous) {
            return None;
        }
        let has_account = !matches!(kind, PrincipalType::Service);
        match key {
            "aws:username" => principal.username.as_deref(),
            "aws:userid" if has_account => Some(principal.user_id.as_str()),
            "aws:principalaccount" if has_account => Some(principal.account.as_str()),
            "aws:principalarn" => match kind {
                PrincipalType::AssumedRole { role_arn } => Some(role_arn.as_str()),
                PrincipalType::Service => None,
                _ => Some(principal.arn.as_str()),
            },
            "aws:principaltype" => match kind {
                PrincipalType::Root => Some("Account"),
                PrincipalType::User => Some("User"),
                PrincipalType::AssumedRole { .. } => Some("AssumedRole"),
                PrincipalType::FederatedUser => Some("FederatedUser"),
                PrincipalType::Service | PrincipalType::Anonymous => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_lower_case_as_unicode_does_with_or_without_the_ascii_shortcut() {
        for key in
            ["aws:SourceIp", "kms:EncryptionContext:Purpose", "aws:ResourceTag/ÄRGER", "aws:PrincipalTag/ΣΊΣΥΦΟΣ"]
        {
            assert_eq!(lower(key), key.to_lowercase(), "{key}");
        }
        let mut ctx = ConditionContext::with_capacity(2);
        ctx.insert("aws:ResourceTag/ÄRGER", "a").insert("AWS:SourceIP", "192.0.2.1");
        assert_eq!(ctx.get("aws:resourcetag/ärger"), Some(&["a".to_owned()][..]));
        assert_eq!(ctx.get("aws:sourceip"), Some(&["192.0.2.1".to_owned()][..]));
    }
}
