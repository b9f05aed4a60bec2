//! End-to-end tests: a real server on a loopback port, driven by the official `aws-sdk-kms`,
//! `aws-sdk-iam` and `aws-sdk-sts` crates (and, for what the SDKs will not send, by raw
//! signed requests).

mod aliases;
mod asymmetric;
mod audit_trail;
mod auth;
mod bounds;
mod cluster;
mod cluster_full_check;
mod common;
mod configuration_doc;
mod cross_account;
mod crypto;
mod custom_key_store_keys;
mod custom_key_stores;
mod ed25519ph;
mod events_delivery;
mod events_nats_cluster;
mod grant_delegation;
mod grants;
mod iam;
mod imported;
mod imported_rotation;
mod key_policies;
mod key_usage;
mod keys;
mod kms_seal;
mod leak;
mod managed_keys;
mod multi_region;
mod multi_region_asymmetric;
mod on_behalf_trail;
mod param_policies;
mod params;
mod params_reference;
mod pkcs11_listing;
mod pkcs11_seal;
mod postgres;
mod query;
mod quotas;
mod regions;
mod rekey;
mod request_path;
mod restart;
mod rotation;
mod seal;
mod secrets;
mod shamir;
mod softhsm;
mod states;
mod sts;
#[path = "../../../trent-store/tests/support/postgres.rs"]
mod support;
mod tags;
mod tamper;
mod tls;
