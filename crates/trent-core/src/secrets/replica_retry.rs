//! Trying `Failed` replicas again in the background.
//!
//! A replica that could not be brought up to date (its region's KMS key disabled or refusing, a
//! standalone secret holding its name) keeps its `Failed` status and a retry time
//! ([`ReplicaRecord::retry_at`](super::ReplicaRecord::retry_at)): 1 minute after the first
//! failure, doubling with each failure in a row up to an hour. The scheduler calls
//! [`Secrets::retry_replication`] on every tick (in a cluster only the node holding the
//! `secrets` job's lease does); it brings every replica of each primary whose retry time has
//! come up to date, as a change of the primary would, without any change of the primary. The
//! KMS calls are made for the secret's account by the service itself, and the trail records
//! them so (`userIdentity` of type `AWSService`, `invokedBy` `secretsmanager.amazonaws.com`,
//! `eventType` `AwsServiceEvent`).

use time::{Duration, OffsetDateTime};

use super::{ReplicationStatus, SecretRecord, Secrets, SecretsError};

/// The wait after a replica's first failure; it doubles with each further failure.
const FIRST_RETRY: Duration = Duration::minutes(1);
/// The longest wait between two attempts.
const LONGEST_RETRY: Duration = Duration::hours(1);

/// When a replica that has now failed `failures` times in a row (1 for the first) is tried
/// again: 1, 2, 4, ... minutes after `now` (to the whole second), at most an hour.
pub(crate) fn retry_at(failures: u32, now: OffsetDateTime) -> OffsetDateTime {
    let doublings = failures.saturating_sub(1).min(6);
    let wait = (FIRST_RETRY * 2_i32.pow(doublings)).min(LONGEST_RETRY);
    let at = now + wait;
    at.replace_nanosecond(0).unwrap_or(at)
}

impl SecretRecord {
    /// When the scheduler next has work on this secret's replicas: the earliest retry time of
    /// its `Failed` replicas (the epoch for one written before retry times were kept: due at
    /// once), `None` when none has failed or the secret is itself a replica. The store keeps it
    /// in a column of its own, written with the replicas, so that the scheduler's pass reads
    /// only the secrets that are due through an index.
    pub fn replica_retry_at(&self) -> Option<OffsetDateTime> {
        if self.primary_region.is_some() {
            return None;
        }
        self.replicas
            .iter()
            .filter(|r| r.status == ReplicationStatus::Failed)
            .map(|r| r.retry_at.unwrap_or(OffsetDateTime::UNIX_EPOCH))
            .min()
    }
}

/// What one pass of [`Secrets::retry_replication`] did. The replicas counted are those that
/// were `Failed` before the attempt (a primary's replicas in sync are brought up to date with
/// them, and not counted), so that `in_sync + failed` is the number of replicas tried again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplicaRetries {
    /// Primaries whose failed replicas were tried again.
    pub tried: usize,
    /// Failed replicas that are in sync after the attempt.
    pub in_sync: usize,
    /// Failed replicas that failed again (and have a later retry time).
    pub failed: usize,
}

impl Secrets {
    /// Tries again every `Failed` replica whose retry time has come at the clock's time.
    ///
    /// # Errors
    /// Storage errors listing the work; a primary whose attempt fails on storage is logged
    /// and tried again on the next pass.
    pub async fn retry_replication(&self) -> Result<ReplicaRetries, SecretsError> {
        let now = self.clock.now();
        let mut done = ReplicaRetries::default();
        for (scope, name) in self.store.secrets_with_replicas_due(now).await? {
            let _writing = self.lock_secret(&scope, &name).await;
            let Some(primary) = self.store.get_secret(&scope, &name).await? else { continue };
            // Read again under the secret's lock: a write since the listing may have synced it.
            if primary.replica_retry_at().is_none_or(|t| t > now) {
                continue;
            }
            done.tried += 1;
            let failed: Vec<_> = primary
                .replicas
                .iter()
                .filter(|r| r.status == ReplicationStatus::Failed)
                .map(|r| r.region.clone())
                .collect();
            let work = self.service_work(&scope);
            let synced = self.sync_replicas(&work.caller, primary, false).await;
            work.commit().await;
            match synced {
                Ok(primary) => {
                    for r in primary.replicas.iter().filter(|r| failed.contains(&r.region)) {
                        match r.status {
                            ReplicationStatus::InSync => done.in_sync += 1,
                            ReplicationStatus::Failed => done.failed += 1,
                            ReplicationStatus::InProgress => {}
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "retrying a secret's replicas failed; will retry"),
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn failed_replicas_back_off_to_an_hour() {
        let now = datetime!(2026-12-06 04:00:00.5 UTC);
        let waits: Vec<_> = (1..=9).map(|n| retry_at(n, now) - now.replace_nanosecond(0).unwrap()).collect();
        let minutes = |m| Duration::minutes(m);
        let expected =
            [minutes(1), minutes(2), minutes(4), minutes(8), minutes(16), minutes(32), minutes(60), minutes(60)];
        assert_eq!(waits[..8], expected);
        assert_eq!(waits[8], minutes(60), "never longer than an hour");
        assert_eq!(retry_at(u32::MAX, now) - retry_at(1, now), minutes(59));
    }

    #[test]
    fn the_next_replica_retry_is_the_earliest_of_the_failed_replicas() {
        let replica = |region: &str, status, retry_at| super::super::ReplicaRecord {
            region: crate::ids::Region::parse(region).unwrap(),
            kms_key_id: None,
            status,
            failure: None,
            failures: 0,
            retry_at,
        };
        let (early, late) = (datetime!(2026-12-06 04:01 UTC), datetime!(2026-12-06 04:08 UTC));
        let mut secret = SecretRecord::for_tests("db");
        assert_eq!(secret.replica_retry_at(), None, "no replicas");
        secret.replicas = vec![
            replica("eu-west-1", ReplicationStatus::Failed, Some(late)),
            replica("us-west-2", ReplicationStatus::Failed, Some(early)),
            replica("ap-south-1", ReplicationStatus::InSync, None),
        ];
        assert_eq!(secret.replica_retry_at(), Some(early));
        secret.replicas[1].status = ReplicationStatus::InSync;
        assert_eq!(secret.replica_retry_at(), Some(late), "only failed replicas count");
        secret.replicas[0].retry_at = None;
        assert_eq!(secret.replica_retry_at(), Some(OffsetDateTime::UNIX_EPOCH), "no retry time: due at once");
        secret.primary_region = Some(crate::ids::Region::parse("us-east-1").unwrap());
        assert_eq!(secret.replica_retry_at(), None, "a replica retries nothing itself");
    }
}
