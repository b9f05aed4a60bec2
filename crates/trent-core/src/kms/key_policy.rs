//! Key policies: `GetKeyPolicy`, `PutKeyPolicy` (with the lockout safety check) and
//! `ListKeyPolicies`. A key has exactly one policy, named `default`.

use super::KeyAction;
use super::access::KeyCall;
use super::keyref::{self, Aliases};
use super::keys::{lockout_error, parse_key_policy};
use super::lifecycle::refuse_pending_deletion;
use super::{Kms, KmsError, Missing};
use crate::identity::Caller;

/// The only key policy name.
pub const DEFAULT_POLICY_NAME: &str = "default";

fn check_name(name: Option<&str>) -> Result<(), KmsError> {
    match name {
        None | Some(DEFAULT_POLICY_NAME) => Ok(()),
        Some(_) => Err(KmsError::NotFound(Missing::KeyPolicy)),
    }
}

impl Kms {
    /// `GetKeyPolicy`: the policy document and its name.
    ///
    /// # Errors
    /// `NotFound` for the key or a policy name other than `default`.
    pub async fn get_key_policy(&self, caller: &Caller, key_id: &str, name: Option<&str>) -> Result<String, KmsError> {
        check_name(name)?;
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::GetKeyPolicy).await?;
        Ok(self.record(&scope, &id).await?.policy)
    }

    /// `ListKeyPolicies`: always `["default"]`.
    ///
    /// # Errors
    /// `NotFound` for the key.
    pub async fn list_key_policies(&self, caller: &Caller, key_id: &str) -> Result<Vec<String>, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        self.resolve_authorized(caller, r, KeyAction::ListKeyPolicies).await?;
        Ok(vec![DEFAULT_POLICY_NAME.to_owned()])
    }

    /// `PutKeyPolicy`. Unless `bypass_lockout_check`, the new policy must still let the
    /// caller put a key policy afterwards, so nobody locks a key away by accident.
    ///
    /// # Errors
    /// `NotFound`/`AccessDenied` for the key before the document is looked at; then
    /// `MalformedPolicy` for a document that is not a valid key policy or that would lock the
    /// caller out; `InvalidState` while the key is pending deletion.
    pub async fn put_key_policy(
        &self,
        caller: &Caller,
        key_id: &str,
        name: Option<&str>,
        policy: &str,
        bypass_lockout_check: bool,
    ) -> Result<(), KmsError> {
        // AWS's order: find the key, authorize, then look at the document, then the lockout
        // check. A missing key is `NotFound` whatever the document says.
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let key = self.resolve_key(caller, r, KeyCall::new(KeyAction::PutKeyPolicy)).await?;
        check_name(name)?;
        let parsed = parse_key_policy(policy)?;
        if !bypass_lockout_check {
            self.decide_on_key(caller, &key, &parsed, &KeyCall::new(KeyAction::PutKeyPolicy))
                .map_err(|_| lockout_error())?;
        }
        let text = policy.to_owned();
        let arn = key.arn.clone();
        self.mutate_key(caller, &arn, KeyAction::PutKeyPolicy, move |rec, _| {
            refuse_pending_deletion(rec)?;
            rec.policy = text.clone();
            Ok(())
        })
        .await?;
        tracing::info!(key_id = %key.record.key_id, "key policy replaced");
        Ok(())
    }
}
