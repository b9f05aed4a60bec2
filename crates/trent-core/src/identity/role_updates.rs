//! Changes to an existing role: `UpdateAssumeRolePolicy`, `UpdateRole`,
//! `UpdateRoleDescription` (and, through [`Identities::change_role`], its tags).
//!
//! Every change is a compare-and-set of the stored role ([`crate::IdentityStore::update_role`]):
//! read, changed, written only if nobody changed the role in between, else read again and
//! retried, so that two concurrent updates of one role never lose each other's change. After
//! the write the role's cached sessions are dropped here and, through the invalidation sink,
//! on every node (as `PutRolePolicy` and `DeleteRole` do): their `aws:PrincipalTag/*` come
//! from the role's tags. `AssumeRole` reads the trust policy from the store on every call,
//! so a new trust policy decides the next `AssumeRole` on any node.

use super::cache::Change;
use super::policies::DOCUMENT_MAX;
use super::roles::{TRUST_POLICY_MAX, max_session_duration, no_such_role};
use super::{Caller, Identities, IdentityError, Modified, Quota, Role, validate};
use crate::policy::{Policy, PolicyKind};
use crate::store::StoreError;

/// How many times a change is tried against a role that other updates keep changing first.
const UPDATE_ATTEMPTS: usize = 5;

impl Identities {
    /// Applies `change` to `role` (as read, the caller authorized on it) and stores the result
    /// if the stored role is still the one read; otherwise reads it again and retries (a role
    /// deleted, or deleted and created again under its name, in between is `NoSuchEntity`).
    /// Returns the role as stored.
    pub(crate) async fn change_role(
        &self,
        caller: &Caller,
        mut role: Role,
        change: impl Fn(&mut Role) -> Result<(), IdentityError>,
    ) -> Result<Role, IdentityError> {
        let account = &caller.principal.account;
        for _ in 0..UPDATE_ATTEMPTS {
            let mut updated = role.clone();
            change(&mut updated)?;
            if updated == role {
                return Ok(updated);
            }
            let written = self.store.update_role(&role, &updated).await;
            // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
            self.cache.invalidate(Change::Role(account, &role.name));
            match written {
                Ok(()) => return Ok(updated),
                Err(StoreError::Conflict) => {
                    let again = self.existing_role(caller, &role.name).await?;
                    if again.role_id != role.role_id {
                        return Err(no_such_role(&role.name));
                    }
                    role = again;
                }
                Err(StoreError::NotFound) => return Err(no_such_role(&role.name)),
                Err(other) => return Err(other.into()),
            }
        }
        Err(IdentityError::ConcurrentModification(Modified::Role(role.name)))
    }

    /// `UpdateAssumeRolePolicy`: replaces the role's trust policy, held to what `CreateRole`
    /// holds it to (the policy engine's trust policy rules, [`TRUST_POLICY_MAX`] characters
    /// without whitespace).
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `LimitExceeded` (trust policy
    /// length), `MalformedPolicyDocument`, `ConcurrentModification`.
    pub async fn update_assume_role_policy(
        &self,
        caller: &Caller,
        name: &str,
        document: &str,
    ) -> Result<(), IdentityError> {
        validate::document("policyDocument", document, DOCUMENT_MAX)?;
        let role = self.authorized_role(caller, name, "iam:UpdateAssumeRolePolicy").await?;
        if validate::counted_size(document) > TRUST_POLICY_MAX {
            return Err(IdentityError::LimitExceeded(Quota::RoleTrustPolicySize));
        }
        Policy::parse(document, PolicyKind::Trust).map_err(IdentityError::MalformedPolicyDocument)?;
        self.change_role(caller, role, |r| {
            document.clone_into(&mut r.trust_policy);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `UpdateRole`: the description and the longest session `AssumeRole` may grant, each
    /// changed only when given. Sessions already granted keep their expiry.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `ConcurrentModification`.
    pub async fn update_role(
        &self,
        caller: &Caller,
        name: &str,
        description: Option<&str>,
        max_session: Option<i64>,
    ) -> Result<Role, IdentityError> {
        if let Some(d) = description {
            validate::description(d)?;
        }
        let max_session = max_session.map(max_session_duration).transpose()?;
        let role = self.authorized_role(caller, name, "iam:UpdateRole").await?;
        self.change_role(caller, role, |r| {
            if let Some(d) = description {
                r.description = Some(d.to_owned());
            }
            if let Some(s) = max_session {
                r.max_session_duration = s;
            }
            Ok(())
        })
        .await
    }

    /// `UpdateRoleDescription`: the description; returns the role.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `ConcurrentModification`.
    pub async fn update_role_description(
        &self,
        caller: &Caller,
        name: &str,
        description: &str,
    ) -> Result<Role, IdentityError> {
        validate::description(description)?;
        let role = self.authorized_role(caller, name, "iam:UpdateRoleDescription").await?;
        self.change_role(caller, role, |r| {
            r.description = Some(description.to_owned());
            Ok(())
        })
        .await
    }
}
