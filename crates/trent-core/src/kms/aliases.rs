//! Aliases: `CreateAlias`, `UpdateAlias`, `DeleteAlias`, `ListAliases`.
//!
//! One alias names one key; a key may have many aliases. Names start with `alias/`;
//! `alias/aws/` is reserved for AWS managed keys.

use super::KeyAction;
use super::access::KeyCall;
use super::error::validation;
use super::keyref::{self, Aliases, KeyRef};
use super::lifecycle::refuse_pending_deletion;
use super::{
    AWS_ALIAS_PREFIX, Alias, AliasInput, Existing, Invalid, KeyRecord, Kms, KmsError, Limit, MAX_ALIASES_PER_KEY,
    Missing, PREDEFINED_ALIASES, marker,
};
use crate::identity::Caller;
use crate::ids::{KeyId, Scope};
use crate::store::StoreError;

/// One entry of `ListAliases`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListedAlias {
    /// An alias that names a key.
    Key(Alias),
    /// An alias AWS predefines for an AWS managed key that does not exist yet: listed
    /// without a `TargetKeyId` (see [`super::PREDEFINED_ALIASES`]).
    Predefined(&'static str),
}

impl ListedAlias {
    /// The alias name.
    pub fn name(&self) -> &str {
        match self {
            Self::Key(a) => &a.name,
            Self::Predefined(name) => name,
        }
    }
}

/// One page of `ListAliases`: `(alias, alias ARN)` pairs.
#[derive(Clone, Debug)]
pub struct AliasPage {
    /// The aliases with their ARNs.
    pub aliases: Vec<(ListedAlias, String)>,
    /// Marker for the next page, if there is one.
    pub next_marker: Option<String>,
}

const MAX_ALIAS_NAME: usize = 256;

/// Checks an alias name against AWS's rules.
fn check_alias_name(name: &str) -> Result<(), KmsError> {
    if name.is_empty() || name.len() > MAX_ALIAS_NAME {
        return Err(validation::length_between("aliasName", name, 1, MAX_ALIAS_NAME));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-:".contains(&b)) {
        return Err(validation::pattern("aliasName", name, "^[a-zA-Z0-9:/_-]+$"));
    }
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(KmsError::AliasPrefix);
    };
    if rest.is_empty() {
        return Err(KmsError::InvalidAliasName { name: name.to_owned() });
    }
    refuse_reserved(name)?;
    if rest.contains(':') {
        return Err(KmsError::AliasCharacters { name: name.to_owned() });
    }
    Ok(())
}

/// Aliases under `alias/aws/` belong to AWS managed keys: nobody creates, repoints or deletes
/// them (`NotAuthorizedException`).
/// The error for alias `name` of `scope` that does not exist.
fn missing_alias(scope: &Scope, name: &str) -> KmsError {
    KmsError::NotFound(Missing::Alias { scope: scope.clone(), name: name.to_owned() })
}

fn refuse_reserved(name: &str) -> Result<(), KmsError> {
    if name.starts_with(AWS_ALIAS_PREFIX) {
        return Err(KmsError::NotAuthorized { reserved_alias: name.to_owned() });
    }
    Ok(())
}

impl Kms {
    /// Resolves the target of an alias: a key id or key ARN (not an alias) in the caller's
    /// scope, not pending deletion.
    async fn alias_target(&self, caller: &Caller, target: &str, action: KeyAction) -> Result<KeyRecord, KmsError> {
        if target.starts_with("alias/") || target.contains(":alias/") {
            return Err(KmsError::Validation(Invalid::Alias(AliasInput::TargetIsAlias)));
        }
        let r = keyref::parse(caller, target, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, action).await?;
        if scope != caller.scope() {
            return Err(KmsError::NotFound(Missing::Key(target.to_owned())));
        }
        let rec = self.record(&scope, &id).await?;
        refuse_pending_deletion(&rec)?;
        Ok(rec)
    }

    async fn check_alias_quota(&self, scope: &Scope, rec: &KeyRecord) -> Result<(), KmsError> {
        let existing = self.store.list_aliases(scope, Some(&rec.key_id), None, MAX_ALIASES_PER_KEY as u32 + 1).await?;
        if existing.len() >= MAX_ALIASES_PER_KEY {
            return Err(KmsError::LimitExceeded(Limit::AliasesPerKey { key_arn: rec.arn() }));
        }
        Ok(())
    }

    /// `CreateAlias`.
    ///
    /// # Errors
    /// `Validation`/`AliasPrefix`/`AliasCharacters`/`InvalidAliasName`/`NotAuthorized` for bad names, `AlreadyExists`,
    /// `NotFound` for the target, `InvalidState` if it is pending deletion, `LimitExceeded`.
    pub async fn create_alias(&self, caller: &Caller, name: &str, target: &str) -> Result<(), KmsError> {
        check_alias_name(name)?;
        let scope = caller.scope();
        self.authorize_account(caller, "CreateAlias", &scope.alias_arn(name), &[])?;
        let rec = self.alias_target(caller, target, KeyAction::CreateAlias).await?;
        self.check_alias_quota(&scope, &rec).await?;
        let now = self.clock.now();
        let alias = Alias { name: name.to_owned(), target: rec.key_id, created_at: now, updated_at: now };
        let written = self.store.insert_alias(&scope, &alias).await;
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate_aliases(&scope);
        self.cache.invalidate_key(&scope, &rec.key_id);
        match written {
            Ok(()) => Ok(()),
            Err(StoreError::AlreadyExists) => {
                Err(KmsError::AlreadyExists(Existing::Alias { scope: scope.clone(), name: name.to_owned() }))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `UpdateAlias`: points an existing alias at another key of the same type and usage.
    ///
    /// # Errors
    /// `NotFound` for the alias or the key; `Validation` if the key types differ.
    pub async fn update_alias(&self, caller: &Caller, name: &str, target: &str) -> Result<(), KmsError> {
        check_alias_name(name)?;
        let scope = caller.scope();
        let alias_arn = scope.alias_arn(name);
        self.authorize_account(caller, "UpdateAlias", &alias_arn, &[])?;
        let mut alias = self.store.get_alias(&scope, name).await?.ok_or_else(|| missing_alias(&scope, name))?;
        let rec = self.alias_target(caller, target, KeyAction::UpdateAlias).await?;
        let old_target = alias.target;
        if let Ok(old_key) = self.loaded(&scope, &old_target).await {
            self.authorize_key(caller, &old_key, &KeyCall::new(KeyAction::UpdateAlias))?;
        }
        if let Ok(current) = self.record(&scope, &alias.target).await
            && (current.spec != rec.spec || current.usage != rec.usage)
        {
            return Err(KmsError::Validation(Invalid::Alias(AliasInput::Retarget {
                alias_arn,
                spec: current.spec,
                usage: current.usage,
            })));
        }
        if alias.target != rec.key_id {
            self.check_alias_quota(&scope, &rec).await?;
        }
        alias.target = rec.key_id;
        alias.updated_at = self.clock.now();
        let written = self.store.update_alias(&scope, &alias).await;
        self.cache.invalidate_aliases(&scope);
        self.cache.invalidate_key(&scope, &old_target);
        self.cache.invalidate_key(&scope, &rec.key_id);
        match written {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(missing_alias(&scope, name)),
            Err(e) => Err(e.into()),
        }
    }

    /// `DeleteAlias`.
    ///
    /// # Errors
    /// `NotFound` if there is no such alias.
    pub async fn delete_alias(&self, caller: &Caller, name: &str) -> Result<(), KmsError> {
        if !name.starts_with("alias/") {
            return Err(KmsError::AliasPrefix);
        }
        refuse_reserved(name)?;
        let scope = caller.scope();
        let alias_arn = scope.alias_arn(name);
        self.authorize_account(caller, "DeleteAlias", &alias_arn, &[])?;
        let alias = self.store.get_alias(&scope, name).await?.ok_or_else(|| missing_alias(&scope, name))?;
        if let Ok(key) = self.loaded(&scope, &alias.target).await {
            self.authorize_key(caller, &key, &KeyCall::new(KeyAction::DeleteAlias))?;
        }
        let written = self.store.delete_alias(&scope, name).await;
        self.cache.invalidate_aliases(&scope);
        self.cache.invalidate_key(&scope, &alias.target);
        match written {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(missing_alias(&scope, name)),
            Err(e) => Err(e.into()),
        }
    }

    /// The key `ListAliases` filters by: a key of the caller's account that the caller may ask
    /// `kms:ListAliases` of. Any other key, of another account or out of the caller's
    /// permissions, answers exactly as one that does not exist, so the filter reveals nothing.
    async fn listable_key(&self, caller: &Caller, key_id: &str) -> Result<KeyId, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let KeyRef::Key(scope, id) = &r else { unreachable!("aliases were refused by parse") };
        let absent = || super::keys::not_found(&scope.key_arn(id));
        let id = *id;
        match self.resolve_key(caller, r.clone(), KeyCall::new(KeyAction::ListAliases)).await {
            Ok(_) => Ok(id),
            Err(KmsError::NotFound(_) | KmsError::AccessDenied(_)) => Err(absent()),
            Err(e) => Err(e),
        }
    }

    /// `ListAliases`, optionally only those of one key (key id or key ARN). Without a key, the
    /// predefined AWS aliases that have no key yet are listed too, in name order with the rest.
    ///
    /// # Errors
    /// `NotFound` if `key_id` names no key; `InvalidMarker`.
    pub async fn list_aliases(
        &self,
        caller: &Caller,
        key_id: Option<&str>,
        limit: Option<u32>,
        marker: Option<&str>,
    ) -> Result<AliasPage, KmsError> {
        let scope = caller.scope();
        self.authorize_account(caller, "ListAliases", "*", &[])?;
        let key = match key_id {
            Some(k) => Some(self.listable_key(caller, k).await?),
            None => None,
        };
        let limit = marker::limit(limit, 50);
        let after = marker.map(|m| marker::decode("aliases", m)).transpose()?;
        let rows = self.store.list_aliases(&scope, key.as_ref(), after.as_deref(), limit + 1).await?;
        let mut entries: Vec<ListedAlias> = rows.into_iter().map(ListedAlias::Key).collect();
        if key.is_none() {
            entries.extend(self.unassigned_predefined(&scope, after.as_deref()).await?);
            entries.sort_by(|a, b| a.name().cmp(b.name()));
        }
        let more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        let next_marker = more.then(|| entries.last().map(|a| marker::encode("aliases", a.name()))).flatten();
        let aliases = entries
            .into_iter()
            .map(|a| {
                let arn = scope.alias_arn(a.name());
                (a, arn)
            })
            .collect();
        Ok(AliasPage { aliases, next_marker })
    }

    /// The predefined AWS aliases after `after` that name no key yet in `scope`.
    async fn unassigned_predefined(&self, scope: &Scope, after: Option<&str>) -> Result<Vec<ListedAlias>, KmsError> {
        let pending: Vec<&'static str> =
            PREDEFINED_ALIASES.iter().copied().filter(|n| after.is_none_or(|a| *n > a)).collect();
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        // Only AWS managed keys have aliases under the reserved prefix, at most one per service.
        let window = (PREDEFINED_ALIASES.len() * 4) as u32;
        let stored: Vec<String> = self
            .store
            .list_aliases(scope, None, Some(AWS_ALIAS_PREFIX), window)
            .await?
            .into_iter()
            .map(|a| a.name)
            .filter(|n| n.starts_with(AWS_ALIAS_PREFIX))
            .collect();
        Ok(pending.into_iter().filter(|n| !stored.iter().any(|s| s == n)).map(ListedAlias::Predefined).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names_follow_aws_rules() {
        assert!(check_alias_name("alias/my-key_1/x").is_ok());
        assert!(matches!(check_alias_name("my-key"), Err(KmsError::AliasPrefix)));
        assert!(matches!(check_alias_name("alias/"), Err(KmsError::InvalidAliasName { .. })));
        assert!(
            matches!(check_alias_name("alias/a:b"), Err(KmsError::AliasCharacters { name }) if name == "alias/a:b")
        );
        assert!(matches!(check_alias_name("alias/aws/ebs"), Err(KmsError::NotAuthorized { .. })));
        assert!(matches!(check_alias_name("alias/spaces here"), Err(KmsError::Validation(_))));
        assert!(matches!(check_alias_name(&format!("alias/{}", "a".repeat(260))), Err(KmsError::Validation(_))));
    }
}
