//! Finding the secret a request names and deciding whether the caller may act on it, with
//! AWS's evaluation logic for a service with resource policies ("Policy evaluation logic",
//! IAM User Guide):
//!
//! * an explicit `Deny` in an identity, session or resource policy refuses the request;
//! * within the secret's account, the root user, an identity policy or a resource-policy
//!   statement naming the caller itself allows it (a statement naming the account delegates
//!   to the account's identity policies);
//! * across accounts, the resource policy *and* an identity policy of the caller must allow
//!   it, and the secret must be named by its ARN.
//!
//! Another account's secret that no policy shares answers `AccessDeniedException`, whether it
//! exists or not, so the answer tells nothing of what another account holds.

use super::secret_id::{self, SecretRef};
use super::{SecretRecord, Secrets, SecretsError, same_account};
use crate::identity::Caller;
use crate::policy::{ConditionContext, Evaluation, KeysRead, Policy, PolicyKind, PrincipalMatch, Request};

impl Secrets {
    pub(super) async fn find_ref(&self, r: &SecretRef) -> Result<Option<SecretRecord>, SecretsError> {
        for (name, suffix) in &r.candidates {
            if let Some(found) = self.store.get_secret(&r.scope, name).await?
                && suffix.as_ref().is_none_or(|s| *s == found.suffix)
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// The secret `id` names, after checking that `caller` may perform `action`
    /// (`secretsmanager:GetSecretValue`) on it.
    ///
    /// # Errors
    /// `NotFound` for a secret that does not exist or is out of reach; `AccessDenied` when the
    /// policies refuse.
    pub(crate) async fn authorized(
        &self,
        caller: &Caller,
        id: &str,
        action: &str,
    ) -> Result<SecretRecord, SecretsError> {
        let secret = self.named(caller, id, action).await?;
        self.authorize(caller, action, &secret)?;
        Ok(secret)
    }

    /// The secret `id` names, found as [`Secrets::authorized`] finds it but not yet authorized:
    /// a writer locks it by name ([`Secrets::lock_named`]) and authorizes what it reads again
    /// under the lock. A secret that is missing or out of reach answers exactly as there.
    ///
    /// # Errors
    /// `NotFound` for a secret that does not exist or is out of reach; `AccessDenied` for a
    /// missing secret of the caller's account that its identity policies do not let it ask
    /// about, and for another account's secret not found by its ARN.
    pub(crate) async fn named(&self, caller: &Caller, id: &str, action: &str) -> Result<SecretRecord, SecretsError> {
        let parsed = secret_id::parse(caller, id);
        let found = match &parsed {
            Some(r) if r.scope.account == caller.principal.account || r.by_arn => self.find_ref(r).await?,
            _ => None,
        };
        let Some(secret) = found else {
            match &parsed {
                // What the caller may learn about a missing secret is what its own policies say.
                Some(r) if r.scope.account == caller.principal.account => self.authorize_account(caller, action, id)?,
                // Another account's: refused exactly as an existing secret no policy shares.
                Some(_) => {
                    return Err(SecretsError::AccessDenied {
                        caller: caller.arn(),
                        action: action.to_owned(),
                        resource: id.to_owned(),
                    });
                }
                None => {}
            }
            return Err(SecretsError::NotFound);
        };
        Ok(secret)
    }

    /// Checks `action` on `secret` for `caller`.
    ///
    /// # Errors
    /// `AccessDenied`.
    pub(crate) fn authorize(&self, caller: &Caller, action: &str, secret: &SecretRecord) -> Result<(), SecretsError> {
        // The secret's policy and, on a cross-account replica, the managed one, as one.
        let managed = secret.managed_policy();
        let resource_policies: Vec<Policy> = [secret.policy.as_deref(), managed.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|doc| {
                Policy::parse(doc, PolicyKind::Resource)
                    .inspect_err(
                        |e| tracing::error!(error = %e, "stored secret policy does not parse; it allows nothing"),
                    )
                    .ok()
            })
            .collect();
        let own = same_account(caller, secret);
        // The root user of the secret's own account is allowed unless a resource policy denies
        // it: without one there is nothing to evaluate (below, the same answer).
        if own && caller.is_root() && resource_policies.is_empty() {
            return Ok(());
        }
        let arn = secret.arn();
        // The context holds only what the policies below can read: the decision reads no other.
        let identity = &caller.identity;
        let keys = KeysRead::of(resource_policies.iter().chain(&identity.policies).chain(&identity.session_policy));
        let context = self.context(caller, Some((secret, &arn)), &keys);
        let principal = caller.request_principal();
        let request = Request { principal: &principal, action, resource: &arn, context: &context };
        let resource = resource_policies.iter().fold(Evaluation::default(), |acc, policy| {
            let one = policy.evaluate(&request);
            Evaluation { explicit_deny: acc.explicit_deny || one.explicit_deny, allow: acc.allow.max(one.allow) }
        });
        let identity = if caller.is_root() {
            Evaluation { explicit_deny: false, allow: Some(PrincipalMatch::Specific) }
        } else {
            caller.identity_evaluation(&request)
        };
        let denied =
            || SecretsError::AccessDenied { caller: caller.arn(), action: action.to_owned(), resource: arn.clone() };
        let allowed = !identity.explicit_deny
            && !resource.explicit_deny
            && if own {
                identity.allow.is_some() || resource.allow == Some(PrincipalMatch::Specific)
            } else {
                resource.allow.is_some() && identity.allow.is_some()
            };
        if allowed { Ok(()) } else { Err(denied()) }
    }

    /// Checks an action on no particular secret (`CreateSecret`, `ListSecrets`,
    /// `GetRandomPassword`), or on a name that does not exist, against identity policies alone.
    ///
    /// # Errors
    /// `AccessDenied`.
    pub(crate) fn authorize_account(&self, caller: &Caller, action: &str, resource: &str) -> Result<(), SecretsError> {
        if caller.is_root() {
            return Ok(());
        }
        let identity = &caller.identity;
        let keys = KeysRead::of(identity.policies.iter().chain(&identity.session_policy));
        let context = self.context(caller, None, &keys);
        let principal = caller.request_principal();
        let request = Request { principal: &principal, action, resource, context: &context };
        if caller.identity_evaluation(&request).is_allowed() {
            Ok(())
        } else {
            Err(SecretsError::AccessDenied {
                caller: caller.arn(),
                action: action.to_owned(),
                resource: resource.to_owned(),
            })
        }
    }

    /// The condition keys of a request among `keys`: the global ones, `secretsmanager:SecretId`
    /// and the secret's tags (`aws:ResourceTag/*`, `secretsmanager:ResourceTag/*`); the secret
    /// comes with its ARN, which the caller has already built.
    fn context(&self, caller: &Caller, secret: Option<(&SecretRecord, &str)>, keys: &KeysRead<'_>) -> ConditionContext {
        let mut context = caller.condition_context_for(self.clock.now(), keys);
        if let Some((s, arn)) = secret {
            if keys.wants("secretsmanager:SecretId") {
                context.insert("secretsmanager:SecretId", arn);
            }
            if keys.wants_prefix("aws:ResourceTag/") {
                for tag in &s.tags {
                    context.insert(&format!("aws:ResourceTag/{}", tag.key), tag.value.as_str());
                }
            }
            if keys.wants_prefix("secretsmanager:ResourceTag/") {
                for tag in &s.tags {
                    context.insert(&format!("secretsmanager:ResourceTag/{}", tag.key), tag.value.as_str());
                }
            }
        }
        context
    }
}
