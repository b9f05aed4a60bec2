//! The tamper-evident audit trail: CloudTrail-shaped events, the hash chain and signed
//! digests over them, verification, and lookups.
//!
//! This module owns *what* is recorded and *how* its integrity is proven: the event model
//! ([`AuditEvent`]), the per-service tables of what is never recorded ([`rules`]), the chain
//! and digest formats ([`chain`], documented in `docs/audit-trail.md`), the signing key
//! ([`AuditSigner`]), [`verify`], [`search`] and [`AuditTrail::lookup`]. It does not know how events
//! reach the store (the group-commit writer lives in `trent-server`), nor SQL, nor HTTP.

mod call;
pub mod chain;
mod error;
mod event;
mod lookup;
mod on_behalf;
mod query;
mod record;
pub mod redact;
mod resources;
pub mod rules;
mod search;
mod service_event;
mod signer;
mod verify;

#[cfg(test)]
mod redact_tests;
#[cfg(test)]
mod tests;

pub use call::{
    CallFacts, CallRecord, MAX_EVENT_BYTES, Outcome, call_event, call_events, call_events_taking, new_event_id,
    service_call_events,
};
pub use chain::{Batch, Chain, GENESIS_HASH, PendingEvent};
pub use error::AuditError;
pub use event::{
    AuditEvent, EVENT_CATEGORY_MANAGEMENT, EVENT_TYPE_API_CALL, EVENT_TYPE_SERVICE_EVENT, EVENT_VERSION, IdentityType,
    RESOURCE_TYPE_KMS_ALIAS, RESOURCE_TYPE_KMS_KEY, Resource, SessionAttributes, SessionContext, SessionIssuer,
    TlsDetails, UserIdentity,
};
pub use lookup::{
    AuditTrail, BadAttributes, LOOKUP_ACTION, LookedUpEvent, LookupError, LookupPage, LookupRequest, MAX_RESULTS,
    MAX_SCAN,
};
pub use on_behalf::{OnBehalfCall, OnBehalfLog};
pub use query::{AuditScan, EventCursor, EventQuery, ScanScope, first_whole_second};
pub use record::{AuditHead, DigestRecord, EventIndex, EventKey, IndexedResource, StoredEvent};
pub use redact::{kms_request_parameters, kms_response_elements};
pub use resources::{KmsNames, kms_resources};
pub use search::{FoundEvent, SearchPage, search};
pub use service_event::{ServiceCalls, ServiceEvent, ServiceEventLog};
pub use signer::{
    AuditSigner, META_PUBLIC_KEY, META_SIGNING_KEY, SIGNING_KEY_AAD, hex, parse_hex32, stored_public_key,
};
pub use verify::{Anchor, ChainReport, Problem, VerifyReport, verify, verify_chains};
