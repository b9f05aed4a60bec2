//! Parameter Store parameters in a seed: `parameters: [{name, value, type, description,
//! key_id, tier, data_type, allowed_pattern, account, region}]`. The name is checked here
//! with Parameter Store's own rules; the rest (tier sizes, patterns, data types, keys) when
//! the parameter is created through the service at apply time.

use std::path::Path;

use trent_core::params::names::check_name;
use trent_core::params::{ParameterType, Tier};
use trent_core::{AccountId, Region};
use trent_crypto::Plaintext;

use super::SeedError;
use super::model::{Fields, account, region};
use super::tree::Node;

/// A parameter to create (if its name is free) with its first value.
pub(crate) struct ParamEntry {
    pub(crate) line: usize,
    pub(crate) name: String,
    /// The value (a `SecureString`'s plaintext, encrypted when it is created).
    pub(crate) value: Plaintext,
    pub(crate) kind: ParameterType,
    pub(crate) description: Option<String>,
    pub(crate) key_id: Option<String>,
    pub(crate) tier: Option<Tier>,
    pub(crate) data_type: Option<String>,
    pub(crate) allowed_pattern: Option<String>,
    pub(crate) account: Option<AccountId>,
    pub(crate) region: Option<Region>,
}

impl std::fmt::Debug for ParamEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParamEntry").field("name", &self.name).field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// Reads `parameters[i]`.
pub(crate) fn parameter_entry(file: &Path, i: usize, n: &Node) -> Result<ParamEntry, SeedError> {
    let mut f = Fields::of(file, &format!("parameters[{i}]"), n)?;
    let (name, name_node) = f.required("name")?;
    check_name(&name).map_err(|_| {
        f.err(
            "name",
            Some(name_node),
            "must be a Parameter Store name: letters, digits and ._- in at most 15 /-separated levels, not \
             starting with aws or ssm, at most 1011 characters",
        )
    })?;
    let (value, _) = f.required("value")?;
    let value = Plaintext::new(value.into_bytes());
    let kind = match f.text("type")? {
        None => ParameterType::String,
        Some((t, node)) => ParameterType::parse(&t)
            .ok_or_else(|| f.err("type", Some(node), "must be String, StringList or SecureString"))?,
    };
    let tier = match f.text("tier")? {
        None => None,
        Some((t, node)) => Some(
            Tier::parse(&t)
                .ok_or_else(|| f.err("tier", Some(node), "must be Standard, Advanced or Intelligent-Tiering"))?,
        ),
    };
    let key_id = f.text("key_id")?;
    if let Some((_, node)) = &key_id
        && kind != ParameterType::SecureString
    {
        return Err(f.err("key_id", Some(node), "is only for a SecureString"));
    }
    let entry = ParamEntry {
        line: n.line,
        name,
        value,
        kind,
        description: f.text("description")?.map(|(t, _)| t),
        key_id: key_id.map(|(t, _)| t),
        tier,
        data_type: f.text("data_type")?.map(|(t, _)| t),
        allowed_pattern: f.text("allowed_pattern")?.map(|(t, _)| t),
        account: account(&mut f, "account")?,
        region: region(&mut f)?,
    };
    f.finish()?;
    Ok(entry)
}
