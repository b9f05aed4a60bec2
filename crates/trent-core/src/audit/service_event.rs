//! Service events: what a service records in the trail of work it did by itself, no caller's
//! request at that moment (CloudTrail's `eventType` `AwsServiceEvent`). Secrets Manager records
//! the progress of a rotation so ("Logging AWS Secrets Manager events with AWS CloudTrail":
//! `RotationStarted`, `RotationSucceeded`, `RotationFailed`, `RotationAbandoned`).
//!
//! Such a record names no principal: `userIdentity` holds the account and the service
//! (`invokedBy`), `sourceIPAddress` and `userAgent` name the service, there are no request
//! parameters nor response elements, and `additionalEventData` says which resource it concerns.
//! Nothing secret reaches it: the builder takes ids and ARNs only.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;

use super::event::{
    AuditEvent, EVENT_CATEGORY_MANAGEMENT, EVENT_TYPE_SERVICE_EVENT, EVENT_VERSION, Resource, UserIdentity,
};
use super::new_event_id;
use super::on_behalf::OnBehalfLog;
use crate::ids::Scope;

/// The facts of one service event.
#[derive(Clone, Debug)]
pub struct ServiceEvent<'a> {
    /// The account and region whose trail holds it.
    pub scope: &'a Scope,
    /// The service's principal, e.g. `secretsmanager.amazonaws.com` (also `eventSource`).
    pub service: &'a str,
    /// `eventName`, e.g. `RotationSucceeded`.
    pub name: &'a str,
    /// `additionalEventData`: ids and ARNs only.
    pub data: Value,
    /// `resources`.
    pub resources: Vec<Resource>,
    /// When it happened.
    pub time: OffsetDateTime,
}

impl ServiceEvent<'_> {
    /// The CloudTrail record of this event.
    pub fn to_event(&self) -> AuditEvent {
        let account = self.scope.account.to_string();
        AuditEvent {
            event_version: EVENT_VERSION.to_owned(),
            user_identity: UserIdentity {
                identity_type: None,
                principal_id: None,
                arn: None,
                account_id: Some(account.clone()),
                access_key_id: None,
                user_name: None,
                session_context: None,
                invoked_by: Some(self.service.to_owned()),
            },
            event_time: self.time,
            event_source: self.service.to_owned(),
            event_name: self.name.to_owned(),
            aws_region: self.scope.region.to_string(),
            source_ip_address: self.service.to_owned(),
            user_agent: self.service.to_owned(),
            error_code: None,
            error_message: None,
            request_parameters: None,
            response_elements: None,
            additional_event_data: Some(self.data.clone()),
            request_id: uuid::Uuid::new_v4().to_string(),
            event_id: new_event_id(self.time),
            read_only: false,
            resources: self.resources.clone(),
            event_type: EVENT_TYPE_SERVICE_EVENT.to_owned(),
            management_event: true,
            recipient_account_id: account,
            shared_event_id: None,
            event_category: EVENT_CATEGORY_MANAGEMENT.to_owned(),
            tls_details: None,
        }
    }
}

/// Where a domain service hands its service events: the server's audit writer. `record`
/// returns once the event is durable, or after the failure was logged (a service event never
/// stops the work it describes).
#[async_trait]
pub trait ServiceEventLog: Send + Sync {
    /// Records `event` in its account's trail.
    async fn record(&self, event: AuditEvent);

    /// A fresh log for the KMS calls of one piece of the service's own work (a failed
    /// replica tried again, a step of a scheduled rotation): each call is recorded as AWS
    /// records a call a service makes by itself (`userIdentity` of type `AWSService` with the
    /// service in `invokedBy`, `eventType` `AwsServiceEvent`) once the work hands the log to
    /// [`ServiceCalls::commit`]. `None` (the default): such calls are not recorded.
    fn service_calls(&self) -> Option<Arc<dyn ServiceCalls>> {
        None
    }
}

/// The KMS calls of one piece of a service's own work, collected as they are made (through the
/// [`OnBehalfLog`] of the identity the work runs as) and committed to the trail together.
#[async_trait]
pub trait ServiceCalls: OnBehalfLog {
    /// Records every call collected so far, and returns once they are durable or after the
    /// failure was logged (recording never stops the work it describes).
    async fn commit(&self);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ids::{AccountId, Region};

    #[test]
    fn a_service_event_names_the_account_and_the_service_only() {
        let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("eu-west-1").unwrap());
        let arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf";
        let time = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let event = ServiceEvent {
            scope: &scope,
            service: "secretsmanager.amazonaws.com",
            name: "RotationSucceeded",
            data: json!({"SecretId": arn}),
            resources: Vec::new(),
            time,
        }
        .to_event();
        let v: Value = serde_json::from_slice(&event.to_canonical_json().unwrap()).unwrap();
        assert_eq!(
            v["userIdentity"],
            json!({"accountId": "111122223333", "invokedBy": "secretsmanager.amazonaws.com"})
        );
        assert_eq!(v["eventType"], "AwsServiceEvent");
        assert_eq!(v["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(v["sourceIPAddress"], "secretsmanager.amazonaws.com");
        assert_eq!(v["requestParameters"], Value::Null);
        assert_eq!(v["additionalEventData"], json!({"SecretId": arn}));
        assert_eq!(v["recipientAccountId"], "111122223333");
        assert_eq!(v["awsRegion"], "eu-west-1");
        assert_eq!(AuditEvent::from_json(&event.to_canonical_json().unwrap()).unwrap(), event);
        let index = super::super::EventIndex::of(&event);
        assert_eq!(index.username, None);
    }
}
