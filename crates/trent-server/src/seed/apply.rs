//! Applying a seed: resolve defaults (first account, first hosted region, and in dev mode
//! the LocalStack convention), check every item against the store while collecting what is
//! missing into one [`Batch`], then write the batch in one transaction: either the whole seed
//! is stored or nothing of it. Items that exist with the same content are left alone, so
//! re-applying a seed at every start is harmless.

use std::path::Path;

use trent_core::identity::SeedAccessKey;
use trent_core::kms::{KeySpec, SeedKey};
use trent_core::params::{ParamsError, PutInput};
use trent_core::secrets::{CreateSecretInput, SecretsError};
use trent_core::store::Batch;
use trent_core::{AccountId, Region, Scope};
use trent_crypto::{KeyMaterial, SYMMETRIC_KEY_LEN, random_vec};

use super::SeedError;
use super::model::{AccessKeyEntry, Seed};
use crate::state::AppState;

/// The account dev mode creates when the seed names none (LocalStack's and moto's).
pub const DEV_ACCOUNT: &str = "000000000000";
/// The access key id dev mode creates when the seed names none.
pub const DEV_ACCESS_KEY: &str = "test";
/// Its secret.
pub const DEV_SECRET: &str = "test";

/// Reads and validates a seed file.
///
/// # Errors
/// A [`SeedError`] naming the file, line and field.
pub fn load(path: &Path) -> Result<Seed, SeedError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SeedError::new(path, None, "", &format!("cannot read the file: {e}")))?;
    parse(path, &text)
}

/// Parses and validates the text of a seed file, as [`load`] does once it has read it; `path`
/// names the file in errors and its extension (`.yaml`, `.yml`, `.toml`) picks the format.
///
/// # Errors
/// A [`SeedError`] naming the file, line and field.
pub fn parse(path: &Path, text: &str) -> Result<Seed, SeedError> {
    let root = super::tree::parse(path, text)?;
    Seed::from_tree(path, &root)
}

fn random_material(spec: KeySpec) -> Result<KeyMaterial, trent_crypto::CryptoError> {
    let len = match spec {
        KeySpec::Hmac224 => 28,
        KeySpec::Hmac384 => 48,
        KeySpec::Hmac512 => 64,
        _ => SYMMETRIC_KEY_LEN,
    };
    Ok(KeyMaterial::new(random_vec(len)?))
}

/// Applies `seed` (read from `file`) to `state`. In `dev` mode, a seed without accounts gets
/// [`DEV_ACCOUNT`] and one without access keys gets [`DEV_ACCESS_KEY`]/[`DEV_SECRET`], an
/// administrator of the first account. Nothing is written unless every item checks out, and
/// then everything is written at once.
///
/// # Errors
/// A [`SeedError`] naming the item that cannot be applied.
pub async fn apply(state: &AppState, seed: &Seed, file: &Path, dev: bool) -> Result<(), SeedError> {
    let err = |line: usize, field: String, message: String| SeedError::new(file, Some(line), &field, &message);
    let mut accounts = seed.accounts.clone();
    if dev && accounts.is_empty() {
        accounts.push((AccountId::parse(DEV_ACCOUNT).expect("valid account id"), "dev".to_owned()));
    }
    let existing = state.identities.accounts().await.map_err(|e| err(1, String::new(), e.to_string()))?;
    let first = accounts
        .first()
        .map(|(a, _)| a.clone())
        .or_else(|| existing.iter().min_by_key(|a| a.created_at).map(|a| a.id.clone()));
    let known = |a: &AccountId| accounts.iter().any(|(s, _)| s == a) || existing.iter().any(|e| e.id == *a);
    let resolve = |line: usize, field: String, given: &Option<AccountId>| -> Result<AccountId, SeedError> {
        let a = given
            .clone()
            .or_else(|| first.clone())
            .ok_or_else(|| err(line, field.clone(), "no account: name one, or list accounts in the seed".to_owned()))?;
        if known(&a) { Ok(a) } else { Err(err(line, field, format!("account {a} is neither seeded nor present"))) }
    };
    let default_region = state.config.regions.default_region();
    let region = |line: usize, field: String, given: &Option<Region>| -> Result<Region, SeedError> {
        let r = given.clone().unwrap_or_else(|| default_region.clone());
        if state.config.regions.hosts(&r) { Ok(r) } else { Err(err(line, field, format!("region {r} is not hosted"))) }
    };

    let mut access_keys: Vec<(SeedAccessKey, usize)> = Vec::new();
    let dev_key = AccessKeyEntry {
        line: 1,
        id: DEV_ACCESS_KEY.to_owned(),
        secret: trent_crypto::SecretBytes::from_slice(DEV_SECRET.as_bytes()),
        account: None,
        user: trent_core::identity::ADMINISTRATOR_USER.to_owned(),
        policy: None,
    };
    let entries: Vec<&AccessKeyEntry> =
        if dev && seed.access_keys.is_empty() { vec![&dev_key] } else { seed.access_keys.iter().collect() };
    for (i, k) in entries.into_iter().enumerate() {
        let account = resolve(k.line, format!("access_keys[{i}].account"), &k.account)?;
        access_keys.push((
            SeedAccessKey {
                account,
                user: k.user.clone(),
                policy: k.policy.clone(),
                access_key_id: k.id.clone(),
                secret: k.secret.clone(),
            },
            k.line,
        ));
    }
    let mut keys = Vec::new();
    for (i, k) in seed.keys.iter().enumerate() {
        let scope = Scope::new(
            resolve(k.line, format!("keys[{i}].account"), &k.account)?,
            region(k.line, format!("keys[{i}].region"), &k.region)?,
        );
        let material = match &k.material {
            Some(m) => m.clone(),
            None => random_material(k.spec).map_err(|e| err(k.line, format!("keys[{i}]"), e.to_string()))?,
        };
        keys.push((
            SeedKey {
                scope,
                key_id: k.id,
                description: k.description.clone(),
                spec: k.spec,
                usage: k.usage,
                policy: k.policy.clone(),
                tags: k.tags.clone(),
                enabled: k.enabled,
                rotation_period_days: k.rotation_period_days,
                material,
            },
            k.line,
            i,
        ));
    }
    let mut aliases = Vec::new();
    for (i, a) in seed.aliases.iter().enumerate() {
        let scope = Scope::new(
            resolve(a.line, format!("aliases[{i}].account"), &a.account)?,
            region(a.line, format!("aliases[{i}].region"), &a.region)?,
        );
        let seeded = keys.iter().any(|(k, _, _)| k.scope == scope && k.key_id == a.target);
        let present = state
            .kms
            .key_exists(&scope, &a.target)
            .await
            .map_err(|e| err(a.line, format!("aliases[{i}]"), e.to_string()))?;
        if !seeded && !present {
            return Err(err(
                a.line,
                format!("aliases[{i}].target"),
                format!("key {} is neither seeded nor present in {}/{}", a.target, scope.account, scope.region),
            ));
        }
        if let Some(current) = state
            .kms
            .aliased_key(&scope, &a.name)
            .await
            .map_err(|e| err(a.line, format!("aliases[{i}]"), e.to_string()))?
            && current != a.target
        {
            return Err(err(a.line, format!("aliases[{i}].name"), format!("{} already names key {current}", a.name)));
        }
        aliases.push((scope, a, i));
    }

    // Check every item against the store, collecting what is missing; then write it at once.
    let mut batch = Batch::default();
    for (id, name) in &accounts {
        state
            .identities
            .plan_seed_account(id, name, &mut batch)
            .await
            .map_err(|e| err(1, "accounts".into(), e.to_string()))?;
    }
    for (k, line) in access_keys {
        state
            .identities
            .plan_seed_access_key(k, &mut batch)
            .await
            .map_err(|e| err(line, "access_keys".into(), e.to_string()))?;
    }
    for (k, line, i) in keys {
        state.kms.plan_seed_key(k, &mut batch).await.map_err(|e| err(line, format!("keys[{i}]"), e.to_string()))?;
    }
    for (scope, a, i) in aliases {
        state
            .kms
            .plan_seed_alias(&scope, &a.name, a.target, &mut batch)
            .await
            .map_err(|e| err(a.line, format!("aliases[{i}]"), e.to_string()))?;
    }
    let mut secrets = Vec::with_capacity(seed.secrets.len());
    for (i, s) in seed.secrets.iter().enumerate() {
        let scope = Scope::new(
            resolve(s.line, format!("secrets[{i}].account"), &s.account)?,
            region(s.line, format!("secrets[{i}].region"), &s.region)?,
        );
        secrets.push((scope, s, i));
    }
    let mut parameters = Vec::with_capacity(seed.parameters.len());
    for (i, p) in seed.parameters.iter().enumerate() {
        let scope = Scope::new(
            resolve(p.line, format!("parameters[{i}].account"), &p.account)?,
            region(p.line, format!("parameters[{i}].region"), &p.region)?,
        );
        parameters.push((scope, p, i));
    }
    if !batch.is_empty() {
        let written = state.store.apply_batch(&batch).await;
        // Whatever the outcome (a lost acknowledgement may hide a commit), no cache may keep
        // serving what was there before.
        state.kms.invalidate_cache();
        state.identities.invalidate_cache();
        written.map_err(|e| SeedError::new(file, None, "", &format!("cannot store the seed: {e}")))?;
    }
    // Secrets go through the service (their values are encrypted under KMS keys, perhaps
    // seeded above), as the account's root user; a name already in use is left alone.
    for (scope, s, i) in secrets {
        let input = CreateSecretInput {
            name: s.name.clone(),
            description: s.description.clone(),
            kms_key_id: s.kms_key_id.clone(),
            value: Some(s.value.clone()),
            ..CreateSecretInput::default()
        };
        match state.secrets.create_secret(&root_caller(&scope), input).await {
            Ok(_) | Err(SecretsError::AlreadyExists { .. }) => {}
            Err(e) => return Err(err(s.line, format!("secrets[{i}]"), format!("cannot create the secret: {e}"))),
        }
    }
    // Parameters too (a SecureString is encrypted under its KMS key); a name in use is left
    // alone.
    for (scope, p, i) in parameters {
        let input = PutInput {
            name: p.name.clone(),
            description: p.description.clone(),
            value: p.value.clone(),
            kind: Some(p.kind),
            key_id: p.key_id.clone(),
            overwrite: false,
            allowed_pattern: p.allowed_pattern.clone(),
            tags: Vec::new(),
            tier: p.tier,
            policies: None,
            data_type: p.data_type.clone(),
        };
        match state.params.put_parameter(&state.kms, &root_caller(&scope), input).await {
            Ok(_) | Err(ParamsError::AlreadyExists { .. }) => {}
            Err(e) => {
                return Err(err(p.line, format!("parameters[{i}]"), format!("cannot create the parameter: {e}")));
            }
        }
    }
    Ok(())
}

/// The root user of `scope`'s account, calling in its region (the seed's own identity).
fn root_caller(scope: &Scope) -> trent_core::Caller {
    trent_core::Caller::root_of(scope)
}
