//! Authorization of KMS operations: gathers the key policy, grants and condition keys of a
//! request and asks [`super::decide`]. Every operation calls [`Kms::authorize_key`] or
//! [`Kms::authorize_account`] before it does anything observable.

use trent_crypto::EncryptionContext;

use super::cache::LoadedKey;
use super::decide::{
    Ask, ChildGrant, Decision, GrantAsk, KeyAccess, PolicySource, Subject, decide_account, decide_key, within_reach,
};
use super::{Denied, GrantOperation, KeyAction, Kms, KmsError, Refusal};
use crate::identity::Caller;
use crate::policy::{ConditionContext, KeysRead, Policy};

/// What a request on a key asks, beyond the key itself.
pub(crate) struct KeyCall<'a> {
    /// The permission (`Encrypt`, checked as `kms:Encrypt`), with its cross-account rule.
    pub(crate) action: KeyAction,
    /// The grant operation a grant must include to allow this request.
    pub(crate) grant_op: Option<GrantOperation>,
    /// The request's encryption context (`kms:EncryptionContext:*`, grant constraints).
    pub(crate) encryption_context: Option<&'a EncryptionContext>,
    /// The alias the request named the key by (`kms:RequestAlias`).
    pub(crate) request_alias: Option<&'a str>,
    /// Further condition keys of the operation (`kms:GrantOperations`, ...).
    pub(crate) extra: Vec<(String, Vec<String>)>,
    /// For `CreateGrant`: the grant it would create, which a parent grant must contain.
    pub(crate) child: Option<ChildGrant<'a>>,
}

impl<'a> KeyCall<'a> {
    /// A call with only an action.
    pub(crate) fn new(action: KeyAction) -> Self {
        KeyCall {
            action,
            grant_op: None,
            encryption_context: None,
            request_alias: None,
            extra: Vec::new(),
            child: None,
        }
    }

    /// The call a grant for `op` can allow.
    pub(crate) fn granted(mut self, op: GrantOperation) -> Self {
        self.grant_op = Some(op);
        self
    }

    /// With the request's encryption context.
    pub(crate) fn context(mut self, ec: &'a EncryptionContext) -> Self {
        self.encryption_context = Some(ec);
        self
    }
}

/// The error for a refused request on `resource`: a key out of reach does not exist (callers
/// pass only refusals, never an allow).
fn denied(caller: &Caller, action: &str, resource: &str, decision: Decision) -> KmsError {
    match Refusal::of(decision) {
        Some(refusal) => KmsError::AccessDenied(Denied::Policy {
            principal_arn: caller.arn(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            refusal,
        }),
        None => super::keys::not_found(resource),
    }
}

impl Kms {
    /// The condition keys every KMS request carries, those of `keys`.
    fn base_context(&self, caller: &Caller, keys: &KeysRead<'_>) -> ConditionContext {
        let mut ctx = caller.condition_context_for(self.clock.now(), keys);
        if keys.wants("kms:CallerAccount") {
            ctx.insert("kms:CallerAccount", caller.principal.account.as_str());
        }
        // Only a Trent service calling on the caller's behalf sets it; a client never can.
        if let Some(via) = caller.via_service
            && keys.wants("kms:ViaService")
        {
            ctx.insert("kms:ViaService", via.endpoint(&caller.region));
        }
        ctx
    }

    /// Authorizes `call` on `key` for `caller` under `policy` (the key's own, or a proposed
    /// one for the lockout check).
    pub(crate) fn decide_on_key(
        &self,
        caller: &Caller,
        key: &LoadedKey,
        policy: &Policy,
        call: &KeyCall<'_>,
    ) -> Result<(), KmsError> {
        // The context holds only what these policies can read: the decision reads no other.
        let identity = &caller.identity;
        let keys = KeysRead::of(std::iter::once(policy).chain(&identity.policies).chain(&identity.session_policy));
        let ctx = key_context(self.base_context(caller, &keys), &keys, key, call);
        let action = call.action.permission();
        let principal = caller.request_principal();
        let subject = Subject {
            principal: &principal,
            identity_policies: &caller.identity.policies,
            session_policy: caller.identity.session_policy.as_ref(),
        };
        let access =
            KeyAccess { owner_account: key.record.scope.account.as_str(), key_policy: policy, grants: &key.grants };
        let ask = Ask {
            action: &action,
            resource: &key.arn,
            context: &ctx,
            grant: call.grant_op.map(|op| GrantAsk { child: call.child, ..GrantAsk::new(op, call.encryption_context) }),
        };
        let decision = decide_key(&subject, &access, &ask);
        if decision.is_allowed() { Ok(()) } else { Err(denied(caller, &action, &key.arn, decision)) }
    }

    /// Authorizes `call` on `key` under its key policy.
    pub(crate) fn authorize_key(&self, caller: &Caller, key: &LoadedKey, call: &KeyCall<'_>) -> Result<(), KmsError> {
        match &key.policy {
            Some(policy) => self.decide_on_key(caller, key, policy, call),
            None => {
                let action = call.action.permission();
                let decision = if within_reach(&action, &caller.request_principal(), key.record.scope.account.as_str())
                {
                    Decision::ImplicitDeny(PolicySource::KeyPolicy)
                } else {
                    Decision::OtherAccountKey
                };
                Err(denied(caller, &action, &key.arn, decision))
            }
        }
    }

    /// Authorizes an operation on the caller's account (`resource` is `*` or an alias ARN),
    /// decided by identity policies alone.
    pub(crate) fn authorize_account(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        extra: &[(String, Vec<String>)],
    ) -> Result<(), KmsError> {
        let identity = &caller.identity;
        let keys = KeysRead::of(identity.policies.iter().chain(&identity.session_policy));
        let mut ctx = self.base_context(caller, &keys);
        for (k, values) in extra {
            if keys.wants(k) {
                ctx.insert_all(k, values.iter().cloned());
            }
        }
        let action = format!("kms:{action}");
        let principal = caller.request_principal();
        let subject = Subject {
            principal: &principal,
            identity_policies: &caller.identity.policies,
            session_policy: caller.identity.session_policy.as_ref(),
        };
        let ask = Ask { action: &action, resource, context: &ctx, grant: None };
        let decision = decide_account(&subject, &ask);
        if decision.is_allowed() { Ok(()) } else { Err(denied(caller, &action, resource, decision)) }
    }
}

/// `ctx` with the keys of `key` and `call` among `keys`: the key's spec, usage, origin,
/// aliases and tags, the request's encryption context, alias and further keys.
fn key_context(
    mut ctx: ConditionContext,
    keys: &KeysRead<'_>,
    key: &LoadedKey,
    call: &KeyCall<'_>,
) -> ConditionContext {
    if keys.none() {
        return ctx;
    }
    let rec = &key.record;
    for (name, value) in [
        ("kms:KeySpec", rec.spec.as_str()),
        ("kms:KeyUsage", rec.usage.as_str()),
        ("kms:KeyOrigin", rec.origin.as_str()),
    ] {
        if keys.wants(name) {
            ctx.insert(name, value);
        }
    }
    if !key.aliases.is_empty() && keys.wants("kms:ResourceAliases") {
        ctx.insert_all("kms:ResourceAliases", key.aliases.iter().cloned());
    }
    if keys.wants_prefix("aws:ResourceTag/") {
        for (k, v) in &key.tags {
            ctx.insert(&format!("aws:ResourceTag/{k}"), v.as_str());
        }
    }
    if let Some(ec) = call.encryption_context {
        if keys.wants_prefix("kms:EncryptionContext:") {
            for (k, v) in ec {
                ctx.insert(&format!("kms:EncryptionContext:{k}"), v.as_str());
            }
        }
        if keys.wants("kms:EncryptionContextKeys") {
            ctx.insert_all("kms:EncryptionContextKeys", ec.keys().cloned());
        }
    }
    if let Some(alias) = call.request_alias
        && keys.wants("kms:RequestAlias")
    {
        ctx.insert("kms:RequestAlias", alias);
    }
    for (k, values) in &call.extra {
        if keys.wants(k) {
            ctx.insert_all(k, values.iter().cloned());
        }
    }
    ctx
}
