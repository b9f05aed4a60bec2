//! Guards against half-done operations and stale caches: every KMS, IAM and seed operation
//! that writes is run against a store that fails every write after the first N (N = 0, 1,
//! 2, ... until the operation succeeds), once refusing the failing write and once performing
//! it but losing its acknowledgement. After every attempt nothing half-created may be stored
//! (no key without material, no alias to a missing key, nothing left of a missing user, no
//! account without its administrator, no part of a seed), and the services must answer as
//! services with empty caches over the same store do.
//!
//! The same store also lands a change between two reads of a secret (`secrets.rs`): a
//! Secrets Manager writer decides on the secret as it reads it under its write lock.

#[macro_use]
mod sweep;

mod iam;
mod kms;
mod secrets;
mod seed;
mod store;
mod world;
