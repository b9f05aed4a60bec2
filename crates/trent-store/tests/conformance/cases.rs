//! The conformance cases, one `pub async fn` each, grouped by what they exercise. Each takes a
//! fresh, empty store.

mod aliases_tags;
mod audit;
mod batch;
mod custom_key_stores;
mod events;
mod iam;
mod identity;
mod keys;
mod lifecycle;
mod params;
mod params_quota;
mod rewrap;
mod secrets;
mod usage;

pub(crate) use aliases_tags::*;
pub(crate) use audit::*;
pub(crate) use batch::*;
pub(crate) use custom_key_stores::*;
pub(crate) use events::*;
pub(crate) use iam::*;
pub(crate) use identity::*;
pub(crate) use keys::*;
pub(crate) use lifecycle::*;
pub(crate) use params::*;
pub(crate) use params_quota::*;
pub(crate) use rewrap::*;
pub(crate) use secrets::*;
pub(crate) use usage::*;

use trent_core::StoreError;

/// Asserts that `r` is the error `expected`, printing what it was otherwise.
#[track_caller]
pub(crate) fn assert_err<T: std::fmt::Debug>(r: Result<T, StoreError>, expected: &str) {
    let got = match &r {
        Err(StoreError::NotFound) => "NotFound",
        Err(StoreError::AlreadyExists) => "AlreadyExists",
        Err(StoreError::Conflict) => "Conflict",
        Err(StoreError::QuotaExceeded) => "QuotaExceeded",
        Err(StoreError::Unavailable(_)) => "Unavailable",
        Err(StoreError::Corrupt(_)) => "Corrupt",
        Err(StoreError::Undecodable(_)) => "Undecodable",
        Err(StoreError::SchemaTooNew { .. }) => "SchemaTooNew",
        Ok(_) => "Ok",
    };
    assert_eq!(got, expected, "expected {expected}, got {r:?}");
}
