//! The `resources` of a KMS call, from the names its dispatcher gives: the keys and aliases
//! the request named (as written) and the key ARNs the answer resolved them to.
//!
//! CloudTrail names the key an alias stood for, so an alias used where a key is expected
//! appears only when the call never resolved it (a failed call). An alias operated on
//! (`CreateAlias`, `DeleteAlias`...) is a resource of its own. Every resource carries the
//! account that owns it, taken from its ARN (a bare id or alias name is in the caller's
//! account): that account's trail also gets the event.

use super::event::{RESOURCE_TYPE_KMS_ALIAS, RESOURCE_TYPE_KMS_KEY, Resource};
use crate::identity::Caller;
use crate::ids::{Arn, KeyId};

/// What a KMS call names, by role.
#[derive(Clone, Copy, Debug, Default)]
pub struct KmsNames<'a> {
    /// Keys the request named where a key is expected (`KeyId`, `SourceKeyId`, ...), as written:
    /// key id, key ARN, alias name or alias ARN.
    pub requested: [Option<&'a str>; 2],
    /// Key ARNs the answer resolved.
    pub resolved: [Option<&'a str>; 2],
    /// An alias the operation acts on (`AliasName`).
    pub alias: Option<&'a str>,
}

/// The resources of a KMS call in CloudTrail's order, without duplicates.
pub fn kms_resources(caller: &Caller, names: &KmsNames<'_>) -> Vec<Resource> {
    let mut out: Vec<Resource> = Vec::new();
    let mut deferred: Vec<Resource> = Vec::new();
    let resolved = names.resolved.iter().flatten().map(|n| (*n, false));
    let requested = names.requested.iter().flatten().map(|n| (*n, true));
    let alias = names.alias.iter().map(|n| (*n, false));
    for (name, from_key_member) in resolved.chain(requested).chain(alias) {
        let Some(resource) = classify(caller, name) else { continue };
        let target =
            if from_key_member && resource.resource_type == RESOURCE_TYPE_KMS_ALIAS { &mut deferred } else { &mut out };
        if !target.contains(&resource) {
            target.push(resource);
        }
    }
    if !out.iter().any(|r| r.resource_type == RESOURCE_TYPE_KMS_KEY) {
        for r in deferred {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

fn classify(caller: &Caller, name: &str) -> Option<Resource> {
    let resource = |account: &str, kind: &str, arn: String| Resource {
        account_id: account.to_owned(),
        resource_type: kind.to_owned(),
        arn,
    };
    match Arn::parse(name).filter(|a| a.service == "kms") {
        Some(arn) if arn.resource.starts_with("alias/") => {
            Some(resource(arn.account, RESOURCE_TYPE_KMS_ALIAS, name.to_owned()))
        }
        Some(arn) if arn.resource.starts_with("key/") => {
            Some(resource(arn.account, RESOURCE_TYPE_KMS_KEY, name.to_owned()))
        }
        Some(_) => None,
        None => {
            let scope = caller.scope();
            let account = scope.account.to_string();
            if name.starts_with("alias/") {
                Some(resource(&account, RESOURCE_TYPE_KMS_ALIAS, scope.alias_arn(name)))
            } else {
                name.parse::<KeyId>().ok().map(|_| resource(&account, RESOURCE_TYPE_KMS_KEY, scope.key_arn(name)))
            }
        }
    }
}
