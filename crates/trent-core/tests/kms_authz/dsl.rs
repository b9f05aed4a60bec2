//! The vocabulary of the authorization table: principals, resources, condition contexts,
//! grants, and [`Case`], one row of the table, with the code that runs it.
//!
//! A case is built the way the KMS service gathers a request: the caller and its identity
//! (and session) policies, the key's owner, policy and grants, the action, the resource and
//! the condition keys. `kms:CallerAccount` is added from the caller for key operations, as
//! AWS KMS always sets it; every other key is the case's own. An encryption context given
//! with [`Case::ec`] becomes the `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys`
//! condition keys and the context a grant's constraints are checked against.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;
use trent_core::kms::decide::{
    AllowedBy, Ask, ChildGrant, Decision, GrantAsk, KeyAccess, PolicySource, Subject, decide_account, decide_key,
};
use trent_core::kms::{Grant, GrantConstraints, GrantOperation};
use trent_core::policy::{ConditionContext, Policy, PolicyKind, PrincipalType, RequestPrincipal};
use trent_core::{AccountId, KeyId, Region, Scope};
use trent_crypto::EncryptionContext;

/// The account that owns the keys.
pub(crate) const OWNER: &str = "111122223333";
/// Another account.
pub(crate) const OTHER: &str = "444455556666";
/// The key every case uses unless it says otherwise.
pub(crate) const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// A second key of [`OWNER`].
pub(crate) const KEY2: &str = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";

/// An IAM user's ARN.
pub(crate) fn user_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

/// An IAM role's ARN.
pub(crate) fn role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role}")
}

/// An assumed-role session's ARN.
pub(crate) fn session_arn(account: &str, role: &str, session: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role}/{session}")
}

/// An account principal's ARN.
pub(crate) fn root_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

/// An alias ARN of [`OWNER`].
pub(crate) fn alias_arn(name: &str) -> String {
    format!("arn:aws:kms:us-east-1:{OWNER}:alias/{name}")
}

/// The root user of `account`.
pub(crate) fn root(account: &str) -> RequestPrincipal {
    RequestPrincipal {
        arn: root_arn(account),
        account: account.to_owned(),
        principal_type: PrincipalType::Root,
        user_id: account.to_owned(),
        username: None,
        service: None,
    }
}

/// IAM user `name` of `account`.
pub(crate) fn user(account: &str, name: &str) -> RequestPrincipal {
    RequestPrincipal {
        arn: user_arn(account, name),
        account: account.to_owned(),
        principal_type: PrincipalType::User,
        user_id: format!("AIDA{}", name.to_uppercase()),
        username: Some(name.to_owned()),
        service: None,
    }
}

/// Session `session` of role `role` of `account`.
pub(crate) fn session(account: &str, role: &str, session: &str) -> RequestPrincipal {
    RequestPrincipal {
        arn: session_arn(account, role, session),
        account: account.to_owned(),
        principal_type: PrincipalType::AssumedRole { role_arn: role_arn(account, role) },
        user_id: format!("AROA{}:{session}", role.to_uppercase()),
        username: None,
        service: None,
    }
}

/// A grant on [`KEY`] for `grantee`, allowing `operations`, without constraints.
pub(crate) fn grant(grantee: &str, operations: &[GrantOperation]) -> Grant {
    Grant {
        key_id: KeyId::from_bytes([0x12; 16]),
        grant_id: "ab".repeat(32),
        name: None,
        grantee_principal: grantee.to_owned(),
        retiring_principal: None,
        issuing_account: root_arn(OWNER),
        operations: operations.to_vec(),
        constraints: None,
        created_at: OffsetDateTime::UNIX_EPOCH,
    }
}

/// [`grant`] with an `EncryptionContextSubset` constraint.
pub(crate) fn grant_subset(grantee: &str, operations: &[GrantOperation], pairs: &[(&str, &str)]) -> Grant {
    let constraints = GrantConstraints { encryption_context_subset: Some(context(pairs)), ..Default::default() };
    Grant { constraints: Some(constraints), ..grant(grantee, operations) }
}

/// [`grant`] with an `EncryptionContextEquals` constraint.
pub(crate) fn grant_equals(grantee: &str, operations: &[GrantOperation], pairs: &[(&str, &str)]) -> Grant {
    let constraints = GrantConstraints { encryption_context_equals: Some(context(pairs)), ..Default::default() };
    Grant { constraints: Some(constraints), ..grant(grantee, operations) }
}

fn context(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// What a case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Exactly this decision.
    Exactly(Decision),
    /// An allow, whatever allowed it.
    SomeAllow,
    /// An implicit deny, whatever policy kind is named as missing (the docs do not say).
    SomeImplicitDeny,
    /// An explicit deny, whichever policy's deny is reported (the docs do not say).
    SomeExplicitDeny,
}

/// One row of the table.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) name: &'static str,
    principal: RequestPrincipal,
    action: String,
    resource: String,
    /// `None` for an operation on the account (`decide_account`).
    key_policy: Option<String>,
    identity: Vec<String>,
    session: Option<String>,
    grants: Vec<Grant>,
    context: ConditionContext,
    ec: Option<EncryptionContext>,
    grant_op: Option<Option<GrantOperation>>,
    /// For `CreateGrant`: the grant the request would create.
    child: Option<(Vec<GrantOperation>, Option<GrantConstraints>)>,
    expect: Option<Expect>,
    /// Why AWS decides so, for a disputed case's report.
    pub(crate) reason: &'static str,
}

/// A case: `principal` asks for `action` on [`KEY`] (default key policy unless replaced).
pub(crate) fn case(name: &'static str, principal: RequestPrincipal, action: impl Into<String>) -> Case {
    Case {
        name,
        principal,
        action: action.into(),
        resource: KEY.to_owned(),
        key_policy: Some(super::policies::default_key_policy()),
        identity: Vec::new(),
        session: None,
        grants: Vec::new(),
        context: ConditionContext::new(),
        ec: None,
        grant_op: None,
        child: None,
        expect: None,
        reason: "",
    }
}

impl Case {
    /// The resource ARN (or `*`) instead of [`KEY`].
    pub(crate) fn on(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// The key policy.
    pub(crate) fn kp(mut self, policy: Value) -> Self {
        self.key_policy = Some(policy.to_string());
        self
    }

    /// An operation on the account rather than a key: no key policy, `decide_account`.
    pub(crate) fn account_level(mut self) -> Self {
        self.key_policy = None;
        self
    }

    /// One more identity policy of the caller (its user, group or role policies).
    pub(crate) fn iam(mut self, policy: Value) -> Self {
        self.identity.push(policy.to_string());
        self
    }

    /// The session policy given to `AssumeRole`.
    pub(crate) fn session_policy(mut self, policy: Value) -> Self {
        self.session = Some(policy.to_string());
        self
    }

    /// One more grant on the key.
    pub(crate) fn grant(mut self, grant: Grant) -> Self {
        self.grants.push(grant);
        self
    }

    /// A single-valued condition key.
    pub(crate) fn ctx(mut self, key: &str, value: &str) -> Self {
        self.context.insert(key, value);
        self
    }

    /// A multivalued condition key.
    pub(crate) fn ctx_all(mut self, key: &str, values: &[&str]) -> Self {
        self.context.insert_all(key, values.iter().copied());
        self
    }

    /// The request's encryption context.
    pub(crate) fn ec(mut self, pairs: &[(&str, &str)]) -> Self {
        for (k, v) in pairs {
            self.context.insert(&format!("kms:EncryptionContext:{k}"), *v);
        }
        if !pairs.is_empty() {
            self.context.insert_all("kms:EncryptionContextKeys", pairs.iter().map(|(k, _)| *k));
        }
        self.ec = Some(context(pairs));
        self
    }

    /// The grant operation the request would use, when it is not the action's own name.
    pub(crate) fn grant_op(mut self, op: Option<GrantOperation>) -> Self {
        self.grant_op = Some(op);
        self
    }

    /// The grant a `CreateGrant` request would create: `operations`, with `constraints`.
    pub(crate) fn creating(mut self, operations: &[GrantOperation], constraints: Option<GrantConstraints>) -> Self {
        self.child = Some((operations.to_vec(), constraints));
        self
    }

    /// Expects an allow, by whatever source.
    pub(crate) fn allow(self) -> Self {
        self.expect(Expect::SomeAllow)
    }

    /// Expects an allow by `source`.
    pub(crate) fn allow_by(self, source: AllowedBy) -> Self {
        self.expect(Expect::Exactly(Decision::Allow(source)))
    }

    /// Expects the key to be out of the caller's reach: another account's key, with a
    /// permission AWS does not allow across accounts (answered as not found).
    pub(crate) fn out_of_reach(self) -> Self {
        self.expect(Expect::Exactly(Decision::OtherAccountKey))
    }

    /// Expects an explicit deny from `source`.
    pub(crate) fn explicit(self, source: PolicySource) -> Self {
        self.expect(Expect::Exactly(Decision::ExplicitDeny(source)))
    }

    /// Expects an implicit deny naming `source` as the policy without an allow.
    pub(crate) fn implicit(self, source: PolicySource) -> Self {
        self.expect(Expect::Exactly(Decision::ImplicitDeny(source)))
    }

    /// Expects an implicit deny, whatever source it names.
    pub(crate) fn denied(self) -> Self {
        self.expect(Expect::SomeImplicitDeny)
    }

    /// Expects an explicit deny, whichever policy it comes from.
    pub(crate) fn denied_explicitly(self) -> Self {
        self.expect(Expect::SomeExplicitDeny)
    }

    fn expect(mut self, expect: Expect) -> Self {
        self.expect = Some(expect);
        self
    }

    /// The AWS reasoning of a disputed case.
    pub(crate) fn because(mut self, reason: &'static str) -> Self {
        self.reason = reason;
        self
    }

    /// Runs the case: `None` when it holds, otherwise what went wrong.
    pub(crate) fn check(&self) -> Option<String> {
        let decision = match self.decide() {
            Ok(decision) => decision,
            Err(e) => return Some(e),
        };
        let Some(expect) = self.expect else { return Some("the case states no expectation".to_owned()) };
        let holds = match expect {
            Expect::Exactly(d) => d == decision,
            Expect::SomeAllow => decision.is_allowed(),
            Expect::SomeImplicitDeny => matches!(decision, Decision::ImplicitDeny(_)),
            Expect::SomeExplicitDeny => matches!(decision, Decision::ExplicitDeny(_)),
        };
        (!holds).then(|| format!("expected {expect:?}, the code decided {decision:?}"))
    }

    fn decide(&self) -> Result<Decision, String> {
        let parse = |text: &str, kind| Policy::parse(text, kind).map_err(|e| format!("{kind:?} policy rejected: {e}"));
        let identity = self.identity.iter().map(|p| parse(p, PolicyKind::Identity)).collect::<Result<Vec<_>, _>>()?;
        let session = self.session.as_deref().map(|p| parse(p, PolicyKind::Session)).transpose()?;
        let subject =
            Subject { principal: &self.principal, identity_policies: &identity, session_policy: session.as_ref() };
        let op = match self.grant_op {
            Some(op) => op,
            None => self.action.strip_prefix("kms:").and_then(GrantOperation::parse),
        };
        let mut context = self.context.clone();
        let Some(key_policy) = &self.key_policy else {
            let ask = Ask { action: &self.action, resource: &self.resource, context: &context, grant: None };
            return Ok(decide_account(&subject, &ask));
        };
        if !self.principal.account.is_empty() && !context.is_present("kms:CallerAccount") {
            context.insert("kms:CallerAccount", self.principal.account.as_str());
        }
        let key_policy = parse(key_policy, PolicyKind::Resource)?;
        let key = KeyAccess { owner_account: OWNER, key_policy: &key_policy, grants: &self.grants };
        let child = self.child.as_ref().map(|(operations, constraints)| ChildGrant {
            operations: operations.as_slice(),
            constraints: constraints.as_ref(),
        });
        let grant = op.map(|op| GrantAsk { child, ..GrantAsk::new(op, self.ec.as_ref()) });
        let ask = Ask { action: &self.action, resource: &self.resource, context: &context, grant };
        Ok(decide_key(&subject, &key, &ask))
    }
}

/// The scope of [`OWNER`]'s keys.
pub(crate) fn owner_scope() -> Scope {
    let account = AccountId::parse(OWNER).expect("valid account id");
    Scope::new(account, Region::parse("us-east-1").expect("valid region"))
}
