//! Authorization of IAM and STS calls against the caller's identity policies.
//!
//! IAM resources have no resource policies, so a call is allowed when the caller is its
//! account's root user, or when one of its identity policies allows the action on the
//! resource (and its session policy, if any, too) and none denies it ("Policy evaluation for
//! requests within a single account", IAM User Guide). Every IAM resource ARN is built in the
//! caller's own account: nobody acts on another account's IAM entities.

use super::{Caller, Denied, IdentityError, Why};
use crate::policy::{ConditionContext, Request};

impl super::Identities {
    /// Checks that `caller` may perform `action` (`iam:CreateUser`) on `resource`, with the
    /// global condition keys.
    ///
    /// # Errors
    /// [`IdentityError::AccessDenied`] naming the refusal.
    pub(crate) fn authorize(&self, caller: &Caller, action: &str, resource: &str) -> Result<(), IdentityError> {
        let context = caller.condition_context(self.clock.now());
        self.authorize_with(caller, action, resource, &context)
    }

    /// Checks that `caller` may perform the Trent operator action `action`
    /// (`trent:RotateRootKey`) on `*`: its account's root user, or identity policies that
    /// allow it. Which account may do so at all is the server's decision.
    ///
    /// # Errors
    /// [`IdentityError::AccessDenied`] naming the refusal.
    pub fn authorize_operator(&self, caller: &Caller, action: &str) -> Result<(), IdentityError> {
        self.authorize(caller, action, "*")
    }

    /// [`Self::authorize`] with a context the caller prepared (request tags, ...).
    ///
    /// # Errors
    /// [`IdentityError::AccessDenied`] naming the refusal.
    pub(crate) fn authorize_with(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        context: &ConditionContext,
    ) -> Result<(), IdentityError> {
        if caller.is_root() {
            return Ok(());
        }
        let principal = caller.request_principal();
        let evaluation = caller.identity_evaluation(&Request { principal: &principal, action, resource, context });
        if evaluation.explicit_deny {
            return Err(denied(caller, action, resource, Why::ExplicitDeny));
        }
        if evaluation.allow.is_none() {
            return Err(denied(caller, action, resource, Why::NoAllow));
        }
        Ok(())
    }
}

/// The policies refused `action` on `resource` to `caller` (a user or a role session).
pub(crate) fn denied(caller: &Caller, action: &str, resource: &str, why: Why) -> IdentityError {
    IdentityError::AccessDenied(Denied::Policy {
        principal_arn: caller.arn(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        why,
    })
}
