//! Storage of Parameter Store: parameters with their versions, labels and tags, and the
//! service settings an account changed.

use async_trait::async_trait;

use time::OffsetDateTime;

use super::{EventStore, StoreError};
use crate::events::Event;
use crate::ids::Scope;
use crate::params::{Listing, ParamTag, ParameterPolicy, ParameterVersion, ParameterWrite, StoredSetting, TierCounts};

/// Parameters, versions, labels, tags and service settings, per account and region. Its
/// writes append their events to the backend's outbox in the same transaction, so a backend
/// of parameters is also an [`EventStore`].
#[async_trait]
pub trait ParamStore: EventStore + Send + Sync {
    /// Writes a new version in one transaction: creates the parameter (with its tags) when
    /// `write.expected` is `None`, otherwise moves it from version `expected` to the new one;
    /// removes `write.drop_version` if given; records `write.policies_due` and appends
    /// `write.events` to the outbox. With `write.tier_quota`, the scope's count of
    /// `write.version.tier` after the write is checked against it in the same transaction,
    /// atomically with respect to every other writer (of this node or another on the same
    /// database): of writers racing for a tier's last place, one gets it.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] when creating a parameter that exists;
    /// [`StoreError::NotFound`] when the parameter to update is gone;
    /// [`StoreError::Conflict`] when it moved past `expected`, or the version to drop now
    /// carries a label; [`StoreError::QuotaExceeded`] when the tier would hold more than
    /// `write.tier_quota` parameters. Nothing is written on any of them (no row, no event).
    async fn put_version(&self, scope: &Scope, write: &ParameterWrite) -> Result<(), StoreError>;

    /// The newest version of a parameter, with its labels.
    async fn latest(&self, scope: &Scope, name: &str) -> Result<Option<ParameterVersion>, StoreError>;

    /// A stamp of one parameter's row, versions and labels that changes whenever any of them
    /// changes, for a node's periodic check of its parameter cache against a database other
    /// nodes write to; `None` (the default) on a backend that serves one node, and for a
    /// parameter that does not exist. Read before the rows it stamps, as
    /// [`super::KmsStore::key_stamp`].
    async fn parameter_stamp(&self, scope: &Scope, name: &str) -> Result<Option<String>, StoreError> {
        let _ = (scope, name);
        Ok(None)
    }

    /// One version of a parameter, with its labels.
    async fn version(&self, scope: &Scope, name: &str, version: u64) -> Result<Option<ParameterVersion>, StoreError>;

    /// The version a label points to.
    async fn labelled(&self, scope: &Scope, name: &str, label: &str) -> Result<Option<ParameterVersion>, StoreError>;

    /// Versions of a parameter, oldest first, strictly after version `after`, at most `limit`.
    async fn history(
        &self,
        scope: &Scope,
        name: &str,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError>;

    /// The newest versions of the parameters `listing` selects, ordered by name, strictly
    /// after `after`, at most `limit`. Served by an index: as fast with 100,000 parameters
    /// as with 10.
    async fn list(
        &self,
        scope: &Scope,
        listing: Listing<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ParameterVersion>, StoreError>;

    /// Removes a parameter with every version, label and tag, and appends `events` to the
    /// outbox, in one transaction. With `version`, only while the parameter is still at it.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such parameter; [`StoreError::Conflict`] if it
    /// moved past `version`.
    async fn delete_parameter(
        &self,
        scope: &Scope,
        name: &str,
        version: Option<u64>,
        events: &[Event],
    ) -> Result<(), StoreError>;

    /// Parameters whose policies fall due at or before `now`, earliest first, at most
    /// `limit`, from every account and region. Served by an index.
    async fn policies_due(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<(Scope, String)>, StoreError>;

    /// Replaces the policies of the parameter's current version (their statuses after the
    /// scheduler applied some), sets when it is next due and appends `events` to the
    /// outbox, in one transaction, while the parameter is still as `read`: at its version,
    /// with its policies. (Applying a policy does not move the version: without the second
    /// condition a node that read the parameter before another applied a notification, from
    /// its cache or in an overlapping pass, would send it again.)
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the parameter is gone; [`StoreError::Conflict`] if it
    /// moved past `read`'s version or its policies are no longer `read`'s.
    async fn update_policies(
        &self,
        scope: &Scope,
        name: &str,
        read: &ParameterVersion,
        policies: &[ParameterPolicy],
        due: Option<OffsetDateTime>,
        events: &[Event],
    ) -> Result<(), StoreError>;

    /// Points `labels` at `version`, taking them from any other version of the parameter,
    /// and appends `events` to the outbox, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if the version does not exist.
    async fn move_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
        events: &[Event],
    ) -> Result<(), StoreError>;

    /// Removes those of `labels` that point at `version`; returns the ones removed.
    async fn remove_labels(
        &self,
        scope: &Scope,
        name: &str,
        version: u64,
        labels: &[String],
    ) -> Result<Vec<String>, StoreError>;

    /// How many parameters the scope holds, per tier.
    async fn count_by_tier(&self, scope: &Scope) -> Result<TierCounts, StoreError>;

    /// Adds tags to a parameter or overwrites the values of its existing tag keys.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] if there is no such parameter.
    async fn put_param_tags(&self, scope: &Scope, name: &str, tags: &[ParamTag]) -> Result<(), StoreError>;

    /// Removes the named tag keys; absent ones are ignored.
    async fn remove_param_tags(&self, scope: &Scope, name: &str, keys: &[String]) -> Result<(), StoreError>;

    /// A parameter's tags, ordered by key.
    async fn param_tags(&self, scope: &Scope, name: &str) -> Result<Vec<ParamTag>, StoreError>;

    /// A service setting the account changed, if it did.
    async fn setting(&self, scope: &Scope, id: &str) -> Result<Option<StoredSetting>, StoreError>;

    /// Stores a changed service setting.
    async fn put_setting(&self, scope: &Scope, setting: &StoredSetting) -> Result<(), StoreError>;

    /// Forgets a changed setting (back to its default).
    async fn delete_setting(&self, scope: &Scope, id: &str) -> Result<(), StoreError>;
}
