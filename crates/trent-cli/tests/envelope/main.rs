//! `trent encrypt` / `trent decrypt` end to end against a `trent server` child process:
//! files, directory trees, stdin/stdout, base64, metadata, required context keys, caching;
//! interop with the Python `aws-encryption-sdk` and `aws-encryption-cli` through the KMS
//! keyring (boto3 pointed at the server); KMS call counts over 10,000 messages; and what
//! outputs do to what is already at their paths (FIFOs, devices, links, existing files).

#[path = "../support/mod.rs"]
mod support;

mod cli;
mod counting;
mod harness;
mod interop;
mod outputs;
