//! Looking credentials up for authentication: from the cache, or from the store (secrets
//! unwrapped, policies parsed, tags gathered) into the cache.
//!
//! A stored policy that no longer parses makes its credentials unusable (an error, logged by
//! the caller) rather than being skipped: skipping a `Deny` would widen access.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cache::{ActiveAccessKey, Dependencies};
use super::{
    AccessKeyStatus, CallerIdentity, IamTag, Identities, IdentityError, InlinePolicy, PolicyOwner, PrincipalKind,
    access_key_wrap_aad, session_wrap_aad,
};
use crate::ids::AccountId;
use crate::policy::{Policy, PolicyKind};

/// Parses a stored document, failing closed.
pub(crate) fn parse_stored(policy: &InlinePolicy, kind: PolicyKind) -> Result<Policy, IdentityError> {
    Policy::parse(&policy.document, kind).map_err(|source| IdentityError::StoredPolicy {
        which: format!("{} {} policy {}", policy.owner.kind(), policy.owner.name(), policy.name),
        source,
    })
}

fn tag_map<'a>(tags: impl IntoIterator<Item = &'a IamTag>) -> BTreeMap<String, String> {
    tags.into_iter().map(|t| (t.key.clone(), t.value.clone())).collect()
}

impl Identities {
    /// Looks up usable credentials by access key id, from the cache or the store: an active
    /// long-term key of the root or of an existing user, or an STS session of an existing
    /// role (returned even when expired, so that the caller can answer `ExpiredToken`).
    ///
    /// # Errors
    /// Storage errors, [`IdentityError::Crypto`] if a secret does not unwrap, and
    /// [`IdentityError::StoredPolicy`] if one of the principal's policies no longer parses.
    pub async fn access_key(&self, access_key_id: &str) -> Result<Option<Arc<ActiveAccessKey>>, IdentityError> {
        if let Some(entry) = self.cache.get(access_key_id) {
            return Ok(Some(entry));
        }
        let generation = self.cache.generation();
        // Before the rows: a change landing in between leaves the stamp behind the rows.
        let stamp = self.store.credential_stamp(access_key_id).await?;
        let entry = if access_key_id.starts_with("ASIA") {
            self.load_session(access_key_id).await?
        } else {
            self.load_long_term(access_key_id).await?
        };
        let Some(entry) = entry else { return Ok(None) };
        let entry = Arc::new(entry.stamped(stamp));
        self.cache.insert_if_current(generation, entry.clone(), self.clock.now());
        Ok(Some(entry))
    }

    /// The inline policies of `owner`, parsed as `kind`.
    pub(crate) async fn parsed_policies(
        &self,
        account: &AccountId,
        owner: &PolicyOwner,
        kind: PolicyKind,
    ) -> Result<Vec<Policy>, IdentityError> {
        let stored = self.store.list_policies(account, owner).await?;
        stored.iter().map(|p| parse_stored(p, kind)).collect()
    }

    async fn load_long_term(&self, access_key_id: &str) -> Result<Option<ActiveAccessKey>, IdentityError> {
        let Some(record) = self.store.get_access_key(access_key_id).await? else { return Ok(None) };
        if record.status != AccessKeyStatus::Active {
            return Ok(None);
        }
        let account = record.principal.account.clone();
        let (principal, identity, depends_on) = match &record.principal.kind {
            PrincipalKind::Root => (
                record.principal.clone(),
                CallerIdentity::root(&account),
                Dependencies { account: Some(account.clone()), ..Dependencies::default() },
            ),
            PrincipalKind::User { name, .. } => {
                // A key whose user is gone (a database edited by hand) authenticates nobody.
                let Some(user) = self.store.get_user(&account, name).await? else { return Ok(None) };
                let mut policies =
                    self.parsed_policies(&account, &PolicyOwner::User(user.name.clone()), PolicyKind::Identity).await?;
                let groups = self.store.groups_of_user(&account, &user.name).await?;
                for group in &groups {
                    let owner = PolicyOwner::Group(group.name.clone());
                    policies.extend(self.parsed_policies(&account, &owner, PolicyKind::Identity).await?);
                }
                let identity = CallerIdentity {
                    policies,
                    session_policy: None,
                    principal_tags: tag_map(&user.tags),
                    session_expires: None,
                    user_id: user.user_id.clone(),
                };
                let depends_on = Dependencies {
                    account: Some(account.clone()),
                    user: Some(user.name.to_lowercase()),
                    groups: groups.iter().map(|g| g.name.to_lowercase()).collect(),
                    role: None,
                };
                (user.principal(), identity, depends_on)
            }
            PrincipalKind::AssumedRole { .. } => return Ok(None),
        };
        let secret = self.wrapper.unwrap(&access_key_wrap_aad(access_key_id), &record.secret_wrapped)?;
        Ok(Some(ActiveAccessKey::long_term(record.access_key_id, principal, identity, secret, depends_on)))
    }

    async fn load_session(&self, access_key_id: &str) -> Result<Option<ActiveAccessKey>, IdentityError> {
        let Some(session) = self.store.get_session(access_key_id).await? else { return Ok(None) };
        let account = session.account.clone();
        // A session outlives neither its role nor a re-creation of the role under its name.
        let Some(role) = self.store.get_role(&account, &session.role_name).await? else { return Ok(None) };
        if role.role_id != session.role_id {
            return Ok(None);
        }
        let policies =
            self.parsed_policies(&account, &PolicyOwner::Role(role.name.clone()), PolicyKind::Identity).await?;
        let session_policy = match &session.session_policy {
            Some(document) => {
                let stored = InlinePolicy {
                    owner: PolicyOwner::Role(role.name.clone()),
                    name: format!("session {}", session.session_name),
                    document: document.clone(),
                };
                Some(parse_stored(&stored, PolicyKind::Session)?)
            }
            None => None,
        };
        // Session tags override the role's tags of the same key.
        let mut principal_tags = tag_map(&role.tags);
        principal_tags.extend(tag_map(&session.tags));
        let mut principal = session.principal();
        if let PrincipalKind::AssumedRole { role_path, .. } = &mut principal.kind {
            role_path.clone_from(&role.path);
        }
        let identity = CallerIdentity {
            policies,
            session_policy,
            principal_tags,
            session_expires: Some(session.expires_at),
            user_id: principal.unique_id.clone(),
        };
        let depends_on = Dependencies {
            account: Some(account),
            user: None,
            groups: Vec::new(),
            role: Some(role.name.to_lowercase()),
        };
        let secret = self.wrapper.unwrap(&session_wrap_aad(access_key_id), &session.secret_wrapped)?;
        Ok(Some(ActiveAccessKey::temporary(
            session.access_key_id,
            principal,
            identity,
            secret,
            session.token_hash,
            depends_on,
        )))
    }
}
