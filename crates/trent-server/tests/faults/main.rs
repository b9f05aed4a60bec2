//! Guards against half-done operations and stale caches: every KMS, IAM and seed operation
//! that writes is run against a store that fails every write after the first N (N = 0, 1,
//! 2, ... until the operation succeeds), once refusing the failing write and once performing
//! it but losing its acknowledgement. After every attempt nothing half-created may be stored
//! (no key without material, no alias to a missing key, nothing left of a missing user, no
//! account without its administrator, no part of a seed), and the services must answer as
//! services with empty caches over the same store do.

#[macro_use]
mod sweep;

mod iam;
mod kms;
mod seed;
mod store;
mod world;
