//! The seed schema: field names are the interface. Every field is checked here — unknown
//! fields, wrong types, bad ids, key specs and material, duplicates, dangling references —
//! with the line of the offending node.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use trent_core::kms::{KeySpec, KeyUsage, Tag, check_seed_material};
use trent_core::{AccountId, KeyId, Region};
use trent_crypto::{KeyMaterial, SecretBytes, parse_private_key_pem};

use super::SeedError;
use super::tree::{Node, Value};

/// A validated seed.
#[derive(Debug, Default)]
pub struct Seed {
    pub(crate) accounts: Vec<(AccountId, String)>,
    pub(crate) access_keys: Vec<AccessKeyEntry>,
    pub(crate) keys: Vec<KeyEntry>,
    pub(crate) aliases: Vec<AliasEntry>,
    pub(crate) secrets: Vec<SecretEntry>,
    pub(crate) parameters: Vec<super::params::ParamEntry>,
}

/// A Secrets Manager secret to create (if its name is free) with its first value.
#[derive(Debug)]
pub(crate) struct SecretEntry {
    pub(crate) line: usize,
    pub(crate) name: String,
    pub(crate) value: trent_core::secrets::SecretValue,
    pub(crate) description: Option<String>,
    pub(crate) kms_key_id: Option<String>,
    pub(crate) account: Option<AccountId>,
    pub(crate) region: Option<Region>,
}

#[derive(Debug)]
pub(crate) struct AccessKeyEntry {
    pub(crate) line: usize,
    pub(crate) id: String,
    pub(crate) secret: SecretBytes,
    pub(crate) account: Option<AccountId>,
    pub(crate) user: String,
    pub(crate) policy: Option<String>,
}

#[derive(Debug)]
pub(crate) struct KeyEntry {
    pub(crate) line: usize,
    pub(crate) id: KeyId,
    pub(crate) account: Option<AccountId>,
    pub(crate) region: Option<Region>,
    pub(crate) description: String,
    pub(crate) spec: KeySpec,
    pub(crate) usage: KeyUsage,
    pub(crate) material: Option<KeyMaterial>,
    pub(crate) policy: Option<String>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) enabled: bool,
    pub(crate) rotation_period_days: Option<u32>,
}

#[derive(Debug)]
pub(crate) struct AliasEntry {
    pub(crate) line: usize,
    pub(crate) name: String,
    pub(crate) target: KeyId,
    pub(crate) account: Option<AccountId>,
    pub(crate) region: Option<Region>,
}

/// Reads one mapping node: hands out fields by name and refuses the ones nobody asked for.
pub(super) struct Fields<'a> {
    file: &'a Path,
    path: String,
    line: usize,
    entries: &'a [(String, Node)],
    used: HashSet<&'a str>,
}

impl<'a> Fields<'a> {
    pub(super) fn of(file: &'a Path, path: &str, node: &'a Node) -> Result<Self, SeedError> {
        match &node.value {
            Value::Map(entries) => {
                Ok(Fields { file, path: path.to_owned(), line: node.line, entries, used: HashSet::new() })
            }
            other => Err(SeedError::new(
                file,
                Some(node.line),
                path,
                &format!("expected a mapping, found {}", other.type_name()),
            )),
        }
    }

    fn field_path(&self, name: &str) -> String {
        if self.path.is_empty() { name.to_owned() } else { format!("{}.{name}", self.path) }
    }

    pub(super) fn err(&self, name: &str, node: Option<&Node>, message: &str) -> SeedError {
        SeedError::new(self.file, Some(node.map_or(self.line, |n| n.line)), &self.field_path(name), message)
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Node> {
        self.used.insert(name);
        self.entries.iter().find(|(k, _)| k == name).map(|(_, n)| n)
    }

    pub(super) fn text(&mut self, name: &'static str) -> Result<Option<(String, &'a Node)>, SeedError> {
        match self.get(name) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Text(t) => Ok(Some((t.clone(), n))),
                Value::Integer(i) => Ok(Some((i.to_string(), n))),
                other => Err(self.err(name, Some(n), &format!("expected text, found {}", other.type_name()))),
            },
        }
    }

    pub(super) fn required(&mut self, name: &'static str) -> Result<(String, &'a Node), SeedError> {
        self.text(name)?.ok_or_else(|| self.err(name, None, "is required"))
    }

    fn boolean(&mut self, name: &'static str) -> Result<Option<bool>, SeedError> {
        match self.get(name) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Bool(b) => Ok(Some(*b)),
                Value::Text(t) if t == "true" || t == "false" => Ok(Some(t == "true")),
                other => Err(self.err(name, Some(n), &format!("expected true or false, found {}", other.type_name()))),
            },
        }
    }

    fn list(&mut self, name: &'static str) -> Result<&'a [Node], SeedError> {
        match self.get(name) {
            None => Ok(&[]),
            Some(n) => match &n.value {
                Value::Seq(items) => Ok(items),
                other => Err(self.err(name, Some(n), &format!("expected a list, found {}", other.type_name()))),
            },
        }
    }

    /// Refuses every field that was not read.
    pub(super) fn finish(self) -> Result<(), SeedError> {
        match self.entries.iter().find(|(k, _)| !self.used.contains(k.as_str())) {
            Some((k, n)) => Err(SeedError::new(self.file, Some(n.line), &self.field_path(k), "unknown field")),
            None => Ok(()),
        }
    }
}

pub(super) fn account(f: &mut Fields<'_>, name: &'static str) -> Result<Option<AccountId>, SeedError> {
    f.text(name)?.map(|(t, n)| AccountId::parse(&t).map_err(|e| f.err(name, Some(n), &e.to_string()))).transpose()
}

pub(super) fn region(f: &mut Fields<'_>) -> Result<Option<Region>, SeedError> {
    f.text("region")?.map(|(t, n)| Region::parse(&t).map_err(|e| f.err("region", Some(n), &e.to_string()))).transpose()
}

/// Key material as 2×N hex digits or base64.
fn decode_material(text: &str, expected_hex_len: Option<usize>) -> Option<Vec<u8>> {
    let t = text.trim();
    let looks_hex = !t.is_empty() && t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit());
    if looks_hex && expected_hex_len.is_none_or(|n| n * 2 == t.len()) {
        return hex::decode(t).ok();
    }
    STANDARD.decode(t).ok().or_else(|| if looks_hex { hex::decode(t).ok() } else { None })
}

impl Seed {
    /// Validates a parsed seed file.
    pub(crate) fn from_tree(file: &Path, root: &Node) -> Result<Seed, SeedError> {
        let mut top = Fields::of(file, "", root)?;
        let mut seed = Seed::default();
        for (i, n) in top.list("accounts")?.iter().enumerate() {
            let mut f = Fields::of(file, &format!("accounts[{i}]"), n)?;
            let id = account(&mut f, "id")?.ok_or_else(|| f.err("id", None, "is required"))?;
            let name = f.text("name")?.map_or_else(|| "seeded".to_owned(), |(t, _)| t);
            f.finish()?;
            if seed.accounts.iter().any(|(a, _)| *a == id) {
                return Err(SeedError::new(
                    file,
                    Some(n.line),
                    &format!("accounts[{i}].id"),
                    &format!("duplicate account id {id}"),
                ));
            }
            seed.accounts.push((id, name));
        }
        for (i, n) in top.list("access_keys")?.iter().enumerate() {
            seed.access_keys.push(access_key(file, i, n, &seed.access_keys)?);
        }
        for (i, n) in top.list("keys")?.iter().enumerate() {
            let key = key_entry(file, i, n)?;
            if seed.keys.iter().any(|k| k.id == key.id && k.account == key.account && k.region == key.region) {
                return Err(SeedError::new(
                    file,
                    Some(n.line),
                    &format!("keys[{i}].id"),
                    &format!("duplicate key id {}", key.id),
                ));
            }
            seed.keys.push(key);
        }
        for (i, n) in top.list("aliases")?.iter().enumerate() {
            let mut f = Fields::of(file, &format!("aliases[{i}]"), n)?;
            let (name, name_node) = f.required("name")?;
            if !name.starts_with("alias/") || name.starts_with("alias/aws/") || name.len() > 256 {
                return Err(f.err("name", Some(name_node), "must start with alias/ (not alias/aws/)"));
            }
            let (target, target_node) = f.required("target")?;
            let target = target.parse::<KeyId>().map_err(|_| f.err("target", Some(target_node), "must be a key id"))?;
            let entry = AliasEntry {
                line: n.line,
                name,
                target,
                account: account(&mut f, "account")?,
                region: region(&mut f)?,
            };
            f.finish()?;
            if seed
                .aliases
                .iter()
                .any(|a| a.name == entry.name && a.account == entry.account && a.region == entry.region)
            {
                return Err(SeedError::new(file, Some(n.line), &format!("aliases[{i}].name"), "duplicate alias"));
            }
            seed.aliases.push(entry);
        }
        for (i, n) in top.list("secrets")?.iter().enumerate() {
            let mut f = Fields::of(file, &format!("secrets[{i}]"), n)?;
            let (name, name_node) = f.required("name")?;
            let valid = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c);
            if name.is_empty() || name.chars().count() > 512 || !name.chars().all(valid) {
                return Err(f.err("name", Some(name_node), "must be 1 to 512 letters, digits or /_+=.@-"));
            }
            let string = f.text("secret_string")?;
            let binary = f.text("secret_binary")?;
            let value = match (string, binary) {
                (Some((s, _)), None) => trent_core::secrets::SecretValue::string(&zeroize::Zeroizing::new(s)),
                (None, Some((b, node))) => {
                    let bytes = zeroize::Zeroizing::new(
                        STANDARD
                            .decode(b.as_bytes())
                            .map_err(|_| f.err("secret_binary", Some(node), "must be base64"))?,
                    );
                    trent_core::secrets::SecretValue::binary(&bytes)
                }
                _ => {
                    return Err(f.err(
                        "secret_string",
                        None,
                        "exactly one of secret_string and secret_binary is required",
                    ));
                }
            };
            let entry = SecretEntry {
                line: n.line,
                name,
                value,
                description: f.text("description")?.map(|(t, _)| t),
                kms_key_id: f.text("kms_key_id")?.map(|(t, _)| t),
                account: account(&mut f, "account")?,
                region: region(&mut f)?,
            };
            f.finish()?;
            if seed
                .secrets
                .iter()
                .any(|s| s.name == entry.name && s.account == entry.account && s.region == entry.region)
            {
                return Err(SeedError::new(file, Some(n.line), &format!("secrets[{i}].name"), "duplicate secret"));
            }
            seed.secrets.push(entry);
        }
        for (i, n) in top.list("parameters")?.iter().enumerate() {
            let entry = super::params::parameter_entry(file, i, n)?;
            if seed
                .parameters
                .iter()
                .any(|p| p.name == entry.name && p.account == entry.account && p.region == entry.region)
            {
                return Err(SeedError::new(
                    file,
                    Some(n.line),
                    &format!("parameters[{i}].name"),
                    "duplicate parameter",
                ));
            }
            seed.parameters.push(entry);
        }
        top.finish()?;
        Ok(seed)
    }
}

fn access_key(file: &Path, i: usize, n: &Node, earlier: &[AccessKeyEntry]) -> Result<AccessKeyEntry, SeedError> {
    let mut f = Fields::of(file, &format!("access_keys[{i}]"), n)?;
    let (id, id_node) = f.required("id")?;
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(f.err("id", Some(id_node), "must be 1 to 128 letters and digits"));
    }
    if earlier.iter().any(|k| k.id == id) {
        return Err(f.err("id", Some(id_node), &format!("duplicate access key id {id}")));
    }
    let (secret, secret_node) = f.required("secret")?;
    if secret.is_empty() || secret.len() > 128 {
        return Err(f.err("secret", Some(secret_node), "must be 1 to 128 characters"));
    }
    let account = account(&mut f, "account")?;
    let user = f.text("user")?.map_or_else(|| trent_core::identity::ADMINISTRATOR_USER.to_owned(), |(t, _)| t);
    let policy = f.text("policy")?.map(|(t, _)| t);
    f.finish()?;
    Ok(AccessKeyEntry { line: n.line, id, secret: SecretBytes::new(secret.into_bytes()), account, user, policy })
}

fn key_entry(file: &Path, i: usize, n: &Node) -> Result<KeyEntry, SeedError> {
    let mut f = Fields::of(file, &format!("keys[{i}]"), n)?;
    let (id, id_node) = f.required("id")?;
    let id = id.parse::<KeyId>().map_err(|_| f.err("id", Some(id_node), "must be a key id (a UUID)"))?;
    if id.is_multi_region() {
        return Err(f.err(
            "id",
            Some(id_node),
            "must be a UUID: multi-Region (mrk-) keys are made by CreateKey, not seeded",
        ));
    }
    let spec = match f.text("key_spec")? {
        Some((t, node)) => {
            KeySpec::parse(&t).ok_or_else(|| f.err("key_spec", Some(node), &format!("unknown key spec {t}")))?
        }
        None => KeySpec::SymmetricDefault,
    };
    let usage = match f.text("key_usage")? {
        Some((t, node)) => {
            let u =
                KeyUsage::parse(&t).ok_or_else(|| f.err("key_usage", Some(node), &format!("unknown key usage {t}")))?;
            if !spec.allows_usage(u) {
                return Err(f.err("key_usage", Some(node), &format!("{t} is not a usage of {}", spec.as_str())));
            }
            u
        }
        None => spec.default_usage(),
    };
    let material = match (f.text("material")?, f.text("material_pem")?) {
        (Some(_), Some((_, node))) => {
            return Err(f.err("material_pem", Some(node), "give material or material_pem, not both"));
        }
        (Some((text, node)), None) => {
            let bytes = decode_material(&text, (spec == KeySpec::SymmetricDefault).then_some(32))
                .ok_or_else(|| f.err("material", Some(node), "must be hex or base64"))?;
            check_seed_material(spec, &bytes).map_err(|m| f.err("material", Some(node), &m.to_string()))?;
            Some(KeyMaterial::new(bytes))
        }
        (None, Some((pem, node))) => {
            let (_, der) = parse_private_key_pem(&pem)
                .map_err(|_| f.err("material_pem", Some(node), "is not a PEM private key"))?;
            check_seed_material(spec, der.expose_secret())
                .map_err(|m| f.err("material_pem", Some(node), &m.to_string()))?;
            Some(der)
        }
        (None, None) if spec == KeySpec::SymmetricDefault || spec.as_str().starts_with("HMAC") => None,
        (None, None) => return Err(f.err("material_pem", None, &format!("is required for {} keys", spec.as_str()))),
    };
    let mut tags = Vec::new();
    if let Some(node) = f.get("tags") {
        let Value::Map(entries) = &node.value else {
            return Err(f.err("tags", Some(node), "expected a mapping of tag keys to values"));
        };
        let mut seen = BTreeMap::new();
        for (k, v) in entries {
            let Value::Text(value) = &v.value else {
                return Err(f.err("tags", Some(v), &format!("tag {k}: expected text")));
            };
            seen.insert(k.clone(), value.clone());
        }
        tags = seen.into_iter().map(|(key, value)| Tag { key, value }).collect();
    }
    let rotation_period_days =
        match f.get("rotation_period_days") {
            None => None,
            Some(node) => {
                let days = match &node.value {
                    Value::Integer(d) => Some(*d),
                    Value::Text(t) => t.parse().ok(),
                    _ => None,
                };
                Some(days.filter(|d| (90..=2560).contains(d)).and_then(|d| u32::try_from(d).ok()).ok_or_else(|| {
                    f.err("rotation_period_days", Some(node), "must be a number of days from 90 to 2560")
                })?)
            }
        };
    let entry = KeyEntry {
        line: n.line,
        id,
        account: account(&mut f, "account")?,
        region: region(&mut f)?,
        description: f.text("description")?.map(|(t, _)| t).unwrap_or_default(),
        spec,
        usage,
        material,
        policy: f.text("policy")?.map(|(t, _)| t),
        tags,
        enabled: f.boolean("enabled")?.unwrap_or(true),
        rotation_period_days,
    };
    f.finish()?;
    Ok(entry)
}
