//! Authorization of Parameter Store calls: the caller's identity policies on the parameter's
//! ARN, so that `arn:aws:ssm:REGION:ACCOUNT:parameter/dept-1/app-1/*` grants (or denies) a
//! whole branch of the hierarchy. Parameters have no resource policies; the root user is not
//! restricted.

use super::{Params, ParamsError};
use crate::identity::Caller;
use crate::policy::{ConditionContext, KeysRead, Request};

/// The caller's condition keys, computed once for calls that check many resources.
pub(crate) struct Checker<'a> {
    caller: &'a Caller,
    context: ConditionContext,
}

impl Checker<'_> {
    /// `Ok` if the caller may perform `action` on `resource`.
    ///
    /// # Errors
    /// [`ParamsError::AccessDenied`].
    pub(crate) fn check(&self, action: &'static str, resource: &str) -> Result<(), ParamsError> {
        if self.caller.is_root() {
            return Ok(());
        }
        let principal = self.caller.request_principal();
        let e = self.caller.identity_evaluation(&Request {
            principal: &principal,
            action,
            resource,
            context: &self.context,
        });
        if e.explicit_deny || e.allow.is_none() {
            return Err(ParamsError::AccessDenied {
                principal: self.caller.arn(),
                action,
                resource: resource.to_owned(),
                explicit: e.explicit_deny,
            });
        }
        Ok(())
    }

    /// Whether the caller may perform `action` on `resource`.
    pub(crate) fn may(&self, action: &'static str, resource: &str) -> bool {
        self.check(action, resource).is_ok()
    }
}

impl Params {
    /// A checker for `caller` at the current time.
    pub(crate) fn checker<'a>(&self, caller: &'a Caller) -> Checker<'a> {
        // Only the caller's own policies judge a parameter call: the context holds what they
        // can read (nothing for the root, whose calls they do not judge).
        let identity = &caller.identity;
        let keys = KeysRead::of(identity.policies.iter().chain(&identity.session_policy));
        Checker { caller, context: caller.condition_context_for(self.clock.now(), &keys) }
    }

    /// `Ok` if `caller` may perform `action` on `resource`.
    ///
    /// # Errors
    /// [`ParamsError::AccessDenied`].
    pub(crate) fn authorize(&self, caller: &Caller, action: &'static str, resource: &str) -> Result<(), ParamsError> {
        self.checker(caller).check(action, resource)
    }
}
