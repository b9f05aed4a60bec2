//! A role a Trent service assumes by itself to act for the role's account, with no
//! credentials issued: the identity a service authorizes its own work as (cross-account
//! secret replication with a `ReplicationRoleARN`), as AWS's services assume a role a
//! customer passed them. The role's trust policy must let the service principal (Secrets
//! Manager's `secretsmanager.amazonaws.com`) `sts:AssumeRole`, as AWS's services need. It knows
//! nothing else of the service that uses it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::load::parse_stored;
use super::sts::parse_role_arn;
use super::{Caller, CallerIdentity, IdentityError, InlinePolicy, PolicyOwner, Principal, PrincipalKind};
use crate::ids::{AccountId, Region};
use crate::policy::{ConditionContext, PolicyKind, Request, RequestPrincipal};
use crate::quota::QuotaMeter;
use crate::store::IdentityStore;

/// What a service finds when it assumes a role by itself.
#[derive(Debug)]
pub enum ServiceRole {
    /// A session of the role, to authorize the service's work as.
    Assumed(Box<Caller>),
    /// The ARN names no role of this partition that exists (a role deleted, or created again
    /// under its name and path elsewhere).
    Missing,
    /// The role exists but its trust policy doesn't let the service principal `sts:AssumeRole`
    /// (no `Allow` names it, or a `Deny` does).
    Untrusted,
}

/// A session `session_name` of the role `role_arn` assumed by the service principal `service`
/// (`secretsmanager.amazonaws.com`), calling in `region`, with the role's identity policies
/// and tags. The role's trust policy is evaluated for `service` and `sts:AssumeRole` on the
/// role, with `context` (the service's `aws:SourceAccount`, `aws:SourceArn`): only an `Allow`
/// naming the service (or `"*"`) and no `Deny` lets it in; a trust policy naming accounts or
/// other services does not. No identity policy takes part, as none belongs to a service.
///
/// # Errors
/// Storage errors; [`IdentityError::StoredPolicy`] when the role's trust policy or one of its
/// policies no longer parses (failing closed, as the role's own sessions do).
pub async fn service_role_caller(
    store: &dyn IdentityStore,
    role_arn: &str,
    service: &str,
    context: &ConditionContext,
    session_name: &str,
    region: &Region,
) -> Result<ServiceRole, IdentityError> {
    let Some((account, path, name)) = parse_role_arn(role_arn, region.partition()) else {
        return Ok(ServiceRole::Missing);
    };
    let Ok(account) = AccountId::parse(account) else { return Ok(ServiceRole::Missing) };
    let role = match store.get_role(&account, name).await? {
        Some(role) if role.path == path => role,
        _ => return Ok(ServiceRole::Missing),
    };
    let trust = parse_stored(
        &InlinePolicy {
            owner: PolicyOwner::Role(role.name.clone()),
            name: "trust policy".into(),
            document: role.trust_policy.clone(),
        },
        PolicyKind::Trust,
    )?;
    let principal = RequestPrincipal::service(service);
    let own_arn = role.arn(region.partition());
    let request = Request { principal: &principal, action: "sts:AssumeRole", resource: &own_arn, context };
    if !trust.evaluate(&request).is_allowed() {
        return Ok(ServiceRole::Untrusted);
    }
    let owner = PolicyOwner::Role(role.name.clone());
    let stored = store.list_policies(&account, &owner).await?;
    let policies = stored.iter().map(|p| parse_stored(p, PolicyKind::Identity)).collect::<Result<Vec<_>, _>>()?;
    let principal_tags: BTreeMap<String, String> = role.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
    let unique_id = format!("{}:{session_name}", role.role_id);
    let identity = CallerIdentity {
        policies,
        session_policy: None,
        principal_tags,
        session_expires: None,
        user_id: unique_id.clone(),
    };
    let principal = Principal {
        account,
        kind: PrincipalKind::AssumedRole {
            role_name: role.name.clone(),
            role_path: role.path.clone(),
            session_name: session_name.to_owned(),
        },
        unique_id,
    };
    Ok(ServiceRole::Assumed(Box::new(Caller {
        principal,
        access_key_id: String::new(),
        region: region.clone(),
        source_ip: None,
        user_agent: None,
        secure_transport: true,
        identity: Arc::new(identity),
        via_service: None,
        meter: QuotaMeter::default(),
        on_behalf_log: None,
    })))
}
