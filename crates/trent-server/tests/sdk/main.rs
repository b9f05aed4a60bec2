//! End-to-end tests: a real server on a loopback port, driven by the official `aws-sdk-kms`,
//! `aws-sdk-iam` and `aws-sdk-sts` crates (and, for what the SDKs will not send, by raw
//! signed requests).

mod aliases;
mod asymmetric;
mod audit_trail;
mod auth;
mod bounds;
mod cluster;
mod common;
mod configuration_doc;
mod cross_account;
mod crypto;
mod grant_delegation;
mod grants;
mod iam;
mod imported;
mod key_policies;
mod keys;
mod leak;
mod managed_keys;
mod multi_region;
mod multi_region_asymmetric;
mod on_behalf_trail;
mod param_policies;
mod params;
mod pkcs11_seal;
mod params_reference;
mod postgres;
mod query;
mod quotas;
mod regions;
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
