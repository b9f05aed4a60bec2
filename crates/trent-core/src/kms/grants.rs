//! Grants: `CreateGrant`, `ListGrants`, `ListRetirableGrants`, `RetireGrant`, `RevokeGrant`,
//! grant tokens, and the rule deciding whether a grant allows a request.
//!
//! A grant lets its grantee use one key for some operations, optionally only with certain
//! encryption-context pairs. Grants take effect at once here (there is no eventual
//! consistency to bridge), so a grant token is accepted wherever AWS accepts one and names
//! its grant, which `RetireGrant` uses to find it.

use std::collections::BTreeSet;

use trent_crypto::random_array;

use super::KeyAction;
use super::access::KeyCall;
use super::constraints::{check_constraints, check_grant_name};
use super::decide::ChildGrant;
use super::keyref::{self, Aliases};
use super::lifecycle::refuse_pending_deletion;
use super::{
    Denied, Grant, GrantConstraints, GrantInput, GrantOperation, Invalid, KeyState, Kms, KmsError, Limit,
    MAX_GRANTS_PER_KEY, Missing, marker,
};
use crate::identity::Caller;
use crate::ids::{AccountId, KeyId, Region, Scope};
use crate::store::StoreError;

const TOKEN_VERSION: u8 = 1;

/// The inputs of `CreateGrant`, decoded from the wire.
#[derive(Clone, Debug, Default)]
pub struct CreateGrantInput {
    /// `KeyId` (key id or key ARN).
    pub key_id: String,
    /// `GranteePrincipal`.
    pub grantee_principal: String,
    /// `RetiringPrincipal`.
    pub retiring_principal: Option<String>,
    /// `Operations`.
    pub operations: Vec<GrantOperation>,
    /// `Constraints`.
    pub constraints: Option<GrantConstraints>,
    /// `Name`.
    pub name: Option<String>,
    /// `DryRun`.
    pub dry_run: bool,
}

/// What `CreateGrant` returns.
#[derive(Clone, Debug)]
pub struct NewGrant {
    /// The grant id.
    pub grant_id: String,
    /// A token naming the grant, usable at once.
    pub grant_token: String,
}

/// The inputs of `RetireGrant`: a token, or a key and grant id.
#[derive(Clone, Debug, Default)]
pub struct RetireGrantInput {
    /// `GrantToken`.
    pub grant_token: Option<String>,
    /// `KeyId` (key ARN).
    pub key_id: Option<String>,
    /// `GrantId`.
    pub grant_id: Option<String>,
    /// `DryRun`.
    pub dry_run: bool,
}

/// One page of `ListGrants` or `ListRetirableGrants`: grants with their key ARNs.
#[derive(Clone, Debug)]
pub struct GrantPage {
    /// `(key ARN, grant)` pairs.
    pub grants: Vec<(String, Grant)>,
    /// Marker for the next page, if there is one.
    pub next_marker: Option<String>,
}

/// Whether `principal` names `caller`: its exact ARN, or the role of an assumed-role session.
pub(crate) fn principal_names(principal: &str, caller: &Caller) -> bool {
    let partition = caller.region.partition();
    principal == caller.arn() || caller.principal.role_arn(partition).as_deref() == Some(principal)
}

fn valid_principal(p: &str) -> bool {
    let pattern_ok =
        !p.is_empty() && p.len() <= 256 && p.chars().all(|c| c.is_alphanumeric() || c == '_' || "+=,.@:/-".contains(c));
    let shape_ok = match crate::ids::Arn::parse(p) {
        Some(arn) => matches!(arn.service, "iam" | "sts") && AccountId::parse(arn.account).is_ok(),
        None => p.ends_with(".amazonaws.com"),
    };
    pattern_ok && shape_ok
}

fn encode_token(scope: &Scope, key_id: &KeyId, grant_id: &str) -> Result<String, KmsError> {
    let nonce: [u8; 16] = random_array()?;
    let region = scope.region.as_str().as_bytes();
    let mut raw = Vec::with_capacity(1 + 8 + 16 + grant_id.len() + 2 + region.len() + 16);
    raw.push(TOKEN_VERSION);
    raw.extend_from_slice(&scope.account.as_u64().to_be_bytes());
    raw.extend_from_slice(&key_id.as_bytes());
    raw.push(u8::try_from(region.len()).map_err(|_| KmsError::Internal("region name too long".into()))?);
    raw.extend_from_slice(region);
    raw.extend_from_slice(grant_id.as_bytes());
    raw.extend_from_slice(&nonce);
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

fn decode_token(token: &str) -> Result<(Scope, KeyId, String), KmsError> {
    let invalid = || KmsError::InvalidGrantToken;
    if !token.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let raw: Vec<u8> = (0..token.len())
        .step_by(2)
        .map(|i| token.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<_>>()
        .ok_or_else(invalid)?;
    let (&version, rest) = raw.split_first().ok_or_else(invalid)?;
    if version != TOKEN_VERSION || rest.len() < 8 + 16 + 1 {
        return Err(invalid());
    }
    let account =
        AccountId::from_u64(u64::from_be_bytes(rest[..8].try_into().map_err(|_| invalid())?)).ok_or_else(invalid)?;
    let key_id = KeyId::from_bytes(rest[8..24].try_into().map_err(|_| invalid())?);
    let region_len = usize::from(rest[24]);
    let rest = &rest[25..];
    if rest.len() != region_len + 64 + 16 {
        return Err(invalid());
    }
    let region =
        std::str::from_utf8(&rest[..region_len]).ok().and_then(|r| Region::parse(r).ok()).ok_or_else(invalid)?;
    let grant_id = std::str::from_utf8(&rest[region_len..region_len + 64]).map_err(|_| invalid())?;
    if !grant_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    Ok((Scope::new(account, region), key_id, grant_id.to_owned()))
}

/// Checks the `GrantTokens` of a request: each must be a token this server issued.
///
/// # Errors
/// [`KmsError::InvalidGrantToken`] for any malformed token.
pub fn check_grant_tokens(tokens: &[String]) -> Result<(), KmsError> {
    tokens.iter().try_for_each(|t| decode_token(t).map(|_| ()))
}

fn same_parameters(g: &Grant, input: &CreateGrantInput) -> bool {
    let ops = |v: &[GrantOperation]| v.iter().map(|o| o.as_str()).collect::<BTreeSet<_>>();
    g.grantee_principal == input.grantee_principal
        && g.retiring_principal == input.retiring_principal
        && ops(&g.operations) == ops(&input.operations)
        && g.constraints == input.constraints
}

/// The condition keys of a `CreateGrant` request (`kms:GrantOperations`, ...).
fn grant_condition_keys(input: &CreateGrantInput) -> Vec<(String, Vec<String>)> {
    let mut extra = vec![
        ("kms:GrantOperations".to_owned(), input.operations.iter().map(|o| o.as_str().to_owned()).collect()),
        ("kms:GranteePrincipal".to_owned(), vec![input.grantee_principal.clone()]),
        ("kms:GrantIsForAWSResource".to_owned(), vec!["false".to_owned()]),
    ];
    if let Some(r) = &input.retiring_principal {
        extra.push(("kms:RetiringPrincipal".to_owned(), vec![r.clone()]));
    }
    if let Some(c) = &input.constraints {
        let kind =
            if c.encryption_context_equals.is_some() { "EncryptionContextEquals" } else { "EncryptionContextSubset" };
        extra.push(("kms:GrantConstraintType".to_owned(), vec![kind.to_owned()]));
    }
    extra
}

impl Kms {
    /// `CreateGrant`.
    ///
    /// # Errors
    /// `Validation` for bad principals, operations or constraints; key errors; `LimitExceeded`
    /// past 50,000 grants; `DryRun` when asked.
    pub async fn create_grant(&self, caller: &Caller, input: CreateGrantInput) -> Result<NewGrant, KmsError> {
        if input.operations.is_empty() {
            return Err(KmsError::Validation(Invalid::Grant(GrantInput::NoOperations)));
        }
        for (field, p) in [
            ("granteePrincipal", Some(&input.grantee_principal)),
            ("retiringPrincipal", input.retiring_principal.as_ref()),
        ] {
            if let Some(p) = p
                && !valid_principal(p)
            {
                return Err(KmsError::Validation(Invalid::Grant(GrantInput::Principal { field, value: p.clone() })));
            }
        }
        if let Some(c) = &input.constraints {
            check_constraints(&input.operations, c)?;
        }
        if let Some(name) = &input.name {
            check_grant_name(name)?;
        }
        let r = keyref::parse(caller, &input.key_id, Aliases::Refused)?;
        let call = KeyCall {
            extra: grant_condition_keys(&input),
            child: Some(ChildGrant { operations: &input.operations, constraints: input.constraints.as_ref() }),
            ..KeyCall::new(KeyAction::CreateGrant).granted(GrantOperation::CreateGrant)
        };
        let key = self.resolve_key(caller, r, call).await?;
        let (scope, key_id) = (key.record.scope.clone(), key.record.key_id);
        let rec = self.record(&scope, &key_id).await?;
        refuse_pending_deletion(&rec)?;
        if rec.state == KeyState::Disabled {
            return Err(KmsError::Disabled { key_arn: rec.arn() });
        }
        if input.dry_run {
            return Err(KmsError::DryRun);
        }
        let existing = self.store.grants(&scope, &key_id).await?;
        if let Some(name) = &input.name
            && let Some(g) = existing.iter().find(|g| g.name.as_deref() == Some(name) && same_parameters(g, &input))
        {
            return Ok(NewGrant {
                grant_token: encode_token(&scope, &key_id, &g.grant_id)?,
                grant_id: g.grant_id.clone(),
            });
        }
        if existing.len() >= MAX_GRANTS_PER_KEY {
            return Err(KmsError::LimitExceeded(Limit::GrantsPerKey { key_arn: rec.arn() }));
        }
        let id_bytes: [u8; 32] = random_array()?;
        let grant_id: String = id_bytes.iter().map(|b| format!("{b:02x}")).collect();
        let grant = Grant {
            key_id,
            grant_id: grant_id.clone(),
            name: input.name,
            grantee_principal: input.grantee_principal,
            retiring_principal: input.retiring_principal,
            issuing_account: format!("arn:{}:iam::{}:root", scope.region.partition(), caller.principal.account),
            operations: input.operations,
            constraints: input.constraints,
            created_at: self.clock.now(),
        };
        let written = self.store.insert_grant(&scope, &grant).await;
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate_key(&scope, &key_id);
        written?;
        Ok(NewGrant { grant_token: encode_token(&scope, &key_id, &grant_id)?, grant_id })
    }

    /// `ListGrants`, optionally filtered by grant id or grantee.
    ///
    /// # Errors
    /// `NotFound`, `InvalidMarker`, `InvalidGrantId` for a malformed grant id filter.
    pub async fn list_grants(
        &self,
        caller: &Caller,
        key_id: &str,
        grant_id: Option<&str>,
        grantee: Option<&str>,
        limit: Option<u32>,
        marker_in: Option<&str>,
    ) -> Result<GrantPage, KmsError> {
        if let Some(id) = grant_id
            && (id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(KmsError::InvalidGrantId { id: id.to_owned() });
        }
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::ListGrants).await?;
        let rec = self.record(&scope, &id).await?;
        let grants = self.store.grants(&scope, &id).await?;
        let filtered = grants.into_iter().filter(|g| {
            grant_id.is_none_or(|want| g.grant_id == want) && grantee.is_none_or(|want| g.grantee_principal == want)
        });
        page(filtered.map(|g| (rec.arn(), g)).collect(), "grants", limit, marker_in)
    }

    /// `ListRetirableGrants`: grants in the caller's region whose retiring principal is
    /// `retiring_principal`. AWS: "You must specify a principal in your AWS account"; the
    /// answer "can include grants on KMS keys owned by other AWS accounts", which named that
    /// principal. A service principal belongs to no account: for it the answer holds the
    /// grants on the caller's own keys only, never another account's.
    ///
    /// # Errors
    /// `Validation` for a malformed principal; `AccessDenied` for another account's principal.
    pub async fn list_retirable_grants(
        &self,
        caller: &Caller,
        retiring_principal: &str,
        limit: Option<u32>,
        marker_in: Option<&str>,
    ) -> Result<GrantPage, KmsError> {
        if !valid_principal(retiring_principal) {
            return Err(KmsError::Validation(Invalid::Grant(GrantInput::Principal {
                field: "retiringPrincipal",
                value: retiring_principal.to_owned(),
            })));
        }
        self.authorize_account(caller, "ListRetirableGrants", "*", &[])?;
        let own = caller.scope();
        let principal_account = crate::ids::Arn::parse(retiring_principal)
            .map(|a| a.account == own.account.as_str() && a.partition == own.region.partition());
        if principal_account == Some(false) {
            return Err(KmsError::AccessDenied(Denied::RetirableGrants {
                principal_arn: caller.arn(),
                retiring_principal: retiring_principal.to_owned(),
            }));
        }
        let any_account = principal_account.is_some();
        let rows = self.store.list_retirable_grants(&own.region, retiring_principal, None, u32::MAX).await?;
        let grants = rows
            .into_iter()
            .filter(|(scope, _)| any_account || *scope == own)
            .map(|(s, g)| (s.key_arn(g.key_id), g))
            .collect();
        page(grants, "retirable", limit, marker_in)
    }

    /// `RetireGrant`, by token or by key and grant id. The retiring principal, the grantee of
    /// a grant that includes `RetireGrant`, and principals allowed `kms:RetireGrant` on the key
    /// may retire it.
    ///
    /// # Errors
    /// `InvalidGrantToken`, `InvalidGrantId`, `NotFound`, `AccessDenied`, `DryRun`.
    pub async fn retire_grant(&self, caller: &Caller, input: RetireGrantInput) -> Result<(), KmsError> {
        let (scope, key_id, grant_id) = match (&input.grant_token, &input.key_id, &input.grant_id) {
            (Some(token), _, _) => decode_token(token)?,
            (None, Some(key), Some(grant)) => {
                let (scope, id) = match keyref::parse(caller, key, Aliases::Refused)? {
                    keyref::KeyRef::Key(s, id) => (s, id),
                    keyref::KeyRef::Alias(..) => unreachable!("aliases were refused by parse"),
                };
                (scope, id, grant.clone())
            }
            _ => return Err(KmsError::Validation(Invalid::Grant(GrantInput::RetireTarget))),
        };
        let grants = self.store.grants(&scope, &key_id).await?;
        let grant = grants
            .into_iter()
            .find(|g| g.grant_id == grant_id)
            .ok_or_else(|| KmsError::NotFound(Missing::Grant(grant_id.clone())))?;
        let may = grant.retiring_principal.as_deref().is_some_and(|p| principal_names(p, caller))
            || (grant.operations.contains(&GrantOperation::RetireGrant)
                && principal_names(&grant.grantee_principal, caller))
            || match self.loaded(&scope, &key_id).await {
                Ok(key) => self.authorize_key(caller, &key, &KeyCall::new(KeyAction::RetireGrant)).is_ok(),
                Err(_) => false,
            };
        if !may {
            return Err(KmsError::AccessDenied(Denied::RetireGrant { principal_arn: caller.arn(), grant_id }));
        }
        if input.dry_run {
            return Err(KmsError::DryRun);
        }
        self.delete_grant(&scope, &key_id, &grant_id).await
    }

    /// `RevokeGrant`. A dry run is authorized and checked as the call would be, the grant's
    /// existence included.
    ///
    /// # Errors
    /// `NotFound` for the key or grant (with `DryRun` too), `DryRun`.
    pub async fn revoke_grant(
        &self,
        caller: &Caller,
        key_id: &str,
        grant_id: &str,
        dry_run: bool,
    ) -> Result<(), KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::RevokeGrant).await?;
        self.record(&scope, &id).await?;
        if dry_run {
            // `DryRunOperationException` says the call would have succeeded ("Testing your
            // permissions", AWS KMS Developer Guide): a grant that is not there would not be
            // revoked, so the dry run answers what the call would, as RetireGrant's does.
            let grants = self.store.grants(&scope, &id).await?;
            if !grants.iter().any(|g| g.grant_id == grant_id) {
                return Err(KmsError::NotFound(Missing::Grant(grant_id.to_owned())));
            }
            return Err(KmsError::DryRun);
        }
        self.delete_grant(&scope, &id, grant_id).await
    }

    async fn delete_grant(&self, scope: &Scope, key_id: &KeyId, grant_id: &str) -> Result<(), KmsError> {
        let written = self.store.delete_grant(scope, key_id, grant_id).await;
        self.cache.invalidate_key(scope, key_id);
        match written {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(KmsError::NotFound(Missing::Grant(grant_id.to_owned()))),
            Err(e) => Err(e.into()),
        }
    }
}

fn page(
    all: Vec<(String, Grant)>,
    kind: &str,
    limit: Option<u32>,
    marker_in: Option<&str>,
) -> Result<GrantPage, KmsError> {
    let limit = marker::limit(limit, 50) as usize;
    let after = marker_in.map(|m| marker::decode(kind, m)).transpose()?;
    let mut rest: Vec<_> =
        all.into_iter().filter(|(_, g)| after.as_deref().is_none_or(|a| g.grant_id.as_str() > a)).collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next_marker = more.then(|| rest.last().map(|(_, g)| marker::encode(kind, &g.grant_id))).flatten();
    Ok(GrantPage { grants: rest, next_marker })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("eu-west-1").unwrap());
        let key = KeyId::new_random();
        let grant_id = "ab".repeat(32);
        let t = encode_token(&scope, &key, &grant_id).unwrap();
        assert_eq!(decode_token(&t).unwrap(), (scope.clone(), key, grant_id.clone()));
        assert_ne!(t, encode_token(&scope, &key, &grant_id).unwrap(), "tokens carry a nonce");
        for bad in ["", "zz", &t[..t.len() - 2], &format!("{t}00"), &t.replacen("01", "02", 1)] {
            assert!(matches!(decode_token(bad), Err(KmsError::InvalidGrantToken)), "{bad}");
        }
    }

    #[test]
    fn principals_are_arns_or_service_principals() {
        assert!(valid_principal("arn:aws:iam::111122223333:user/alice"));
        assert!(valid_principal("arn:aws:sts::111122223333:assumed-role/r/s"));
        assert!(valid_principal("arn:aws:iam::111122223333:root"));
        assert!(valid_principal("secretsmanager.amazonaws.com"));
        assert!(!valid_principal("alice"));
        assert!(!valid_principal("arn:aws:s3:::bucket"));
        assert!(!valid_principal("arn:aws:iam::12:user/x"));
    }
}
