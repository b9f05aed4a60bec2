//! Events in Amazon EventBridge's envelope (`version`, `id`, `detail-type`, `source`,
//! `account`, `time`, `region`, `resources`, `detail`) that Trent emits about changes:
//! Parameter Store's `Parameter Store Change` and `Parameter Store Policy Action`, and Secrets
//! Manager's rotation results (`AWS Service Event via CloudTrail`, `RotationSucceeded` or
//! `RotationFailed`).
//!
//! A domain operation builds its events and hands them to the store with the change itself,
//! which writes them to the outbox in the same transaction ([`crate::store::EventStore`]);
//! a delivery worker outside the domain sends them on. Nothing secret is ever put in an
//! event: names, types, ARNs and statuses only.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::ids::Scope;

/// EventBridge `source` of Parameter Store's events.
pub const SOURCE_SSM: &str = "aws.ssm";
/// `detail-type` of a parameter created, updated, deleted or labelled.
pub const PARAMETER_CHANGE: &str = "Parameter Store Change";
/// `detail-type` of a parameter policy applied.
pub const POLICY_ACTION: &str = "Parameter Store Policy Action";
/// EventBridge `source` of Secrets Manager's events.
pub const SOURCE_SECRETS_MANAGER: &str = "aws.secretsmanager";
/// `detail-type` of a service event CloudTrail records, such as a rotation's result
/// (`RotationSucceeded`, `RotationFailed`): its `detail` is the CloudTrail record.
pub const SERVICE_EVENT_VIA_CLOUDTRAIL: &str = "AWS Service Event via CloudTrail";

/// One event, as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Unique per event: consumers deduplicate redeliveries on it.
    pub id: Uuid,
    /// When the change happened (the domain's clock).
    pub time: OffsetDateTime,
    /// The account and region the change happened in.
    pub scope: Scope,
    /// The emitting service (`aws.ssm`).
    pub source: String,
    /// What kind of event (`Parameter Store Change`).
    pub detail_type: String,
    /// ARNs of the resources concerned.
    pub resources: Vec<String>,
    /// The service-specific detail object.
    pub detail: Value,
}

impl Event {
    /// A new event with a fresh id.
    pub fn new(
        time: OffsetDateTime,
        scope: Scope,
        source: &str,
        detail_type: &str,
        resource: String,
        detail: Value,
    ) -> Self {
        Event {
            id: Uuid::new_v4(),
            time,
            scope,
            source: source.to_owned(),
            detail_type: detail_type.to_owned(),
            resources: vec![resource],
            detail,
        }
    }

    /// The event in EventBridge's JSON envelope, as sinks deliver it.
    pub fn to_json(&self) -> Value {
        let time = self.time.replace_nanosecond(0).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default();
        json!({
            "version": "0",
            "id": self.id.to_string(),
            "detail-type": self.detail_type,
            "source": self.source,
            "account": self.scope.account.as_str(),
            "time": time,
            "region": self.scope.region.as_str(),
            "resources": self.resources,
            "detail": self.detail,
        })
    }
}

/// An event read back from the outbox with its place there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedEvent {
    /// The event's row in the outbox, unique (what deliveries are marked by); on PostgreSQL
    /// numbered at insert, so not in commit order.
    pub seq: u64,
    /// Where the event is in the order readers follow ([`crate::EventStore::events_after`]):
    /// an event committed after a reader passed this place always comes after it.
    pub position: OutboxCursor,
    /// The event.
    pub event: Event,
}

/// A place in the outbox's reading order: events are read in increasing `(txn, seq)`. `txn`
/// is the id of the transaction that wrote the event on a backend whose transactions can
/// commit out of insert order (PostgreSQL), and 0 on one that commits one writer at a time
/// (SQLite, where `seq` alone is commit order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutboxCursor {
    /// The writing transaction's id (0 on SQLite).
    pub txn: u64,
    /// The event's row.
    pub seq: u64,
}

impl OutboxCursor {
    /// Before every event.
    pub const START: Self = Self { txn: 0, seq: 0 };
}

impl std::fmt::Display for OutboxCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.txn, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, Region};

    #[test]
    fn envelope_has_eventbridge_members() {
        let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap() + time::Duration::milliseconds(250);
        let e = Event::new(t, scope, SOURCE_SSM, PARAMETER_CHANGE, "arn:x".into(), json!({"name": "/a"}));
        let v = e.to_json();
        assert_eq!(v["version"], "0");
        assert_eq!(v["detail-type"], "Parameter Store Change");
        assert_eq!(v["source"], "aws.ssm");
        assert_eq!(v["account"], "111122223333");
        assert_eq!(v["region"], "us-east-1");
        assert_eq!(v["time"], "2023-11-14T22:13:20Z");
        assert_eq!(v["resources"], json!(["arn:x"]));
        assert_eq!(v["detail"]["name"], "/a");
        assert_eq!(v["id"], e.id.to_string());
    }
}
