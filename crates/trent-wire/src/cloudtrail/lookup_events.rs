//! `LookupEvents`: <https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html>

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use trent_core::Caller;
use trent_core::audit::{AuditTrail, LookedUpEvent, LookupError, LookupRequest};

use crate::AwsError;
use crate::json::{Epoch, required};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    lookup_attributes: Option<Vec<Attribute>>,
    start_time: Option<f64>,
    end_time: Option<f64>,
    event_category: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Attribute {
    attribute_key: Option<String>,
    attribute_value: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    events: Vec<Event>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    event_id: String,
    event_name: String,
    read_only: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key_id: Option<String>,
    event_time: Epoch,
    event_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    resources: Vec<Resource>,
    cloud_trail_event: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Resource {
    resource_type: String,
    resource_name: String,
}

impl From<LookedUpEvent> for Event {
    fn from(e: LookedUpEvent) -> Self {
        let i = e.index;
        Event {
            event_id: i.event_id,
            event_name: i.event_name,
            read_only: if i.read_only { "true" } else { "false" },
            access_key_id: i.access_key_id,
            event_time: Epoch(i.event_time),
            event_source: i.event_source,
            username: i.username,
            resources: i
                .resources
                .into_iter()
                .map(|r| Resource { resource_type: r.resource_type, resource_name: r.name })
                .collect(),
            cloud_trail_event: e.cloudtrail_event,
        }
    }
}

/// An awsJson timestamp (epoch seconds, possibly fractional).
/// Outside the representable range is CloudTrail's `InvalidTimeRangeException`.
fn timestamp(value: Option<f64>) -> Result<Option<OffsetDateTime>, LookupError> {
    value
        .map(|secs| {
            OffsetDateTime::from_unix_timestamp_nanos((secs * 1e9) as i128).map_err(|_| LookupError::InvalidTimeRange)
        })
        .transpose()
}

pub(crate) async fn handle(trail: &AuditTrail, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let attributes = req
        .lookup_attributes
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            Ok((
                required(a.attribute_key, "lookupAttributes.member.attributeKey")?,
                required(a.attribute_value, "lookupAttributes.member.attributeValue")?,
            ))
        })
        .collect::<Result<Vec<_>, AwsError>>()?;
    let request = LookupRequest {
        attributes,
        start: timestamp(req.start_time)?,
        end: timestamp(req.end_time)?,
        event_category: req.event_category,
        max_results: req.max_results,
        next_token: req.next_token,
    };
    let page = trail.lookup(caller, request).await?;
    Ok(Response { events: page.events.into_iter().map(Event::from).collect(), next_token: page.next_token })
}
