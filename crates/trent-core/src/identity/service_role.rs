//! A role a Trent service assumes by itself to act for the role's account, with no
//! credentials issued: the identity a service authorizes its own work as (cross-account
//! secret replication with a `ReplicationRoleARN`), as AWS's services assume a role a
//! customer passed them. It knows nothing of the service that uses it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::load::parse_stored;
use super::sts::parse_role_arn;
use super::{Caller, CallerIdentity, IdentityError, PolicyOwner, Principal, PrincipalKind};
use crate::ids::{AccountId, Region};
use crate::policy::PolicyKind;
use crate::quota::QuotaMeter;
use crate::store::IdentityStore;

/// A session `session_name` of the role `role_arn`, calling in `region`, with the role's
/// identity policies and tags; `None` when the ARN names no role of this partition that
/// exists (a role deleted, or created again under its name and path elsewhere).
///
/// # Errors
/// Storage errors; [`IdentityError::StoredPolicy`] when one of the role's policies no longer
/// parses (failing closed, as the role's own sessions do).
pub async fn service_role_caller(
    store: &dyn IdentityStore,
    role_arn: &str,
    session_name: &str,
    region: &Region,
) -> Result<Option<Caller>, IdentityError> {
    let Some((account, path, name)) = parse_role_arn(role_arn, region.partition()) else { return Ok(None) };
    let Ok(account) = AccountId::parse(account) else { return Ok(None) };
    let role = match store.get_role(&account, name).await? {
        Some(role) if role.path == path => role,
        _ => return Ok(None),
    };
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
    Ok(Some(Caller {
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
    }))
}
