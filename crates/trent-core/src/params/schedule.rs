//! The scheduler's Parameter Store work: applies the policies that fell due by the
//! injected clock. An `Expiration` deletes the parameter; a notification is marked
//! `Finished`; each action emits its `Parameter Store Policy Action` event in the same
//! transaction as the change.

use super::notify::{self, Operation};
use super::policies::{PolicyStatus, PolicyType, due_at, next_due};
use super::{Params, ParamsError};
use crate::ids::Scope;
use crate::store::StoreError;

/// Parameters looked at per run: a bound on one tick's work (the next tick resumes).
const DUE_BATCH: u32 = 200;

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PolicyWork {
    /// Parameters deleted by their `Expiration` policy.
    pub expired: usize,
    /// Notifications emitted.
    pub notified: usize,
}

impl Params {
    /// Applies every policy due at the clock's now.
    ///
    /// # Errors
    /// Storage errors; a parameter changed meanwhile (a new version, or policies another node
    /// applied since this one read them) is left for the next run, which reads it anew.
    pub async fn run_due_policies(&self) -> Result<PolicyWork, ParamsError> {
        let now = self.clock.now();
        let mut work = PolicyWork::default();
        for (scope, name) in self.store.policies_due(now, DUE_BATCH).await? {
            match self.apply_due(&scope, &name, &mut work).await {
                Ok(()) | Err(StoreError::Conflict | StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(work)
    }

    async fn apply_due(&self, scope: &Scope, name: &str, work: &mut PolicyWork) -> Result<(), StoreError> {
        let now = self.clock.now();
        let Some(v) = self.store.latest(scope, name).await? else { return Ok(()) };
        let mut policies = v.policies.clone();
        let due: Vec<usize> = (0..policies.len())
            .filter(|&i| due_at(&policies[i], &v.policies, v.modified_at).is_some_and(|at| at <= now))
            .collect();
        let mut events = Vec::new();
        let mut expire = false;
        for i in due {
            policies[i].status = PolicyStatus::Finished;
            events.push(notify::policy_action(scope, now, &v, &policies[i]));
            if policies[i].kind == PolicyType::Expiration {
                expire = true;
            }
        }
        if expire {
            events.push(notify::change(scope, now, Operation::Delete, &v));
            self.store.delete_parameter(scope, name, Some(v.version), &events).await?;
            work.expired += 1;
        } else {
            let next = next_due(&policies, v.modified_at);
            self.store.update_policies(scope, name, &v, &policies, next, &events).await?;
            work.notified += events.len();
        }
        Ok(())
    }
}
