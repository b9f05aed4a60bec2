//! Trent's domain.
//!
//! Accounts and principals, KMS keys with their backing keys, aliases and tags, the clock
//! and the scheduler's work. It reaches storage only through the traits in [`store`] and the
//! root of trust only through [`seal::KeyWrapper`]. It knows nothing of HTTP, JSON wire
//! shapes, SQL or async runtimes.

pub mod audit;
pub mod clock;
mod coherence;
mod data_keys;
mod enums;
pub mod events;
pub mod identity;
pub mod ids;
pub mod invalidation;
pub mod kms;
pub mod params;
pub mod policy;
pub mod quota;
pub mod root_rotation;
pub mod seal;
pub mod secrets;
pub mod store;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use identity::{
    AccessKeyRecord, AccessKeyStatus, Account, ActiveAccessKey, Caller, Identities, IdentityError, NewAccessKey,
    Principal, PrincipalKind, ViaService,
};
pub use ids::{AccountId, Arn, IdError, KeyId, Region, Scope};
pub use invalidation::{Invalidation, InvalidationSink};
pub use seal::{Generation, KeyWrapper, RootRing};
pub use store::{
    EventStore, IdentityStore, KmsStore, ListedKey, MetaStore, ParamStore, SecretsStore, Store, StoreError,
};
