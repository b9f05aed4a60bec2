//! `PutParameter`: a new parameter, or a new version of an existing one (`Overwrite`), with
//! AWS's rules on names, types, tiers and their quotas, patterns, data types and the
//! 100-version history.

use trent_crypto::Plaintext;

use super::model::{DataType, ParamTag, ParameterType, ParameterVersion, ParameterWrite, StoredValue, Tier};
use super::names::{check_name, own_name, parameter_arn};
use super::notify::{self, Operation};
use super::policies::{carried, next_due, parse_policies};
use super::{
    ADVANCED_MAX_VALUE, ADVANCED_QUOTA, MAX_TAGS, MAX_VERSIONS, Params, ParamsError, STANDARD_MAX_VALUE,
    STANDARD_QUOTA, seal,
};
use crate::identity::{Caller, ViaService};
use crate::ids::Scope;
use crate::kms::{Kms, managed_alias};
use crate::store::StoreError;

/// Longest `AllowedPattern` compiled, in bytes of compiled program: a bound on the work a
/// caller's regular expression can make the server do.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// What `PutParameter` asks for, already checked against the model's shapes.
pub struct PutInput {
    /// The name (or the ARN of a parameter of the caller's scope).
    pub name: String,
    /// The description; kept from the previous version when absent.
    pub description: Option<String>,
    /// The value (a `SecureString`'s plaintext).
    pub value: Plaintext,
    /// The type; required for a new parameter, kept when absent.
    pub kind: Option<ParameterType>,
    /// The KMS key of a `SecureString`.
    pub key_id: Option<String>,
    /// Whether an existing parameter gets a new version.
    pub overwrite: bool,
    /// A regular expression the value must match; kept when absent.
    pub allowed_pattern: Option<String>,
    /// Tags of a new parameter.
    pub tags: Vec<ParamTag>,
    /// The tier asked for.
    pub tier: Option<Tier>,
    /// Parameter policies (JSON).
    pub policies: Option<String>,
    /// The data type; kept when absent, `text` for a new parameter.
    pub data_type: Option<String>,
}

/// What `PutParameter` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutOutput {
    /// The new version.
    pub version: u64,
    /// The parameter's tier.
    pub tier: Tier,
}

/// Checks tags of a new parameter or of `AddTagsToResource`.
pub(crate) fn check_tags(tags: &[ParamTag]) -> Result<(), ParamsError> {
    if tags.iter().any(|t| t.key.to_ascii_lowercase().starts_with("aws:")) {
        return Err(ParamsError::ReservedTagKey);
    }
    Ok(())
}

/// Whether `value` is an AMI id: `ami-` and 8 or 17 lower-case hexadecimal digits.
fn is_ami_id(value: &str) -> bool {
    value.strip_prefix("ami-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// Checks `value` against the whole of `pattern`.
fn check_pattern(pattern: &str, value: &str) -> Result<(), ParamsError> {
    let re = regex_lite::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|_| ParamsError::InvalidAllowedPattern)?;
    if re.is_match(value) { Ok(()) } else { Err(ParamsError::PatternMismatch { pattern: pattern.to_owned() }) }
}

/// The tier a new version goes to, as [`Params::tier`] chose it.
struct Placement {
    /// Standard or Advanced.
    tier: Tier,
    /// The tier to take instead if `tier` is full when the version is written: Advanced for
    /// Intelligent-Tiering's choice of Standard, `None` for a tier asked for by name.
    overflow: Option<Tier>,
}

/// A tier's quota per account and Region.
fn quota(tier: Tier) -> u64 {
    match tier {
        Tier::Advanced => ADVANCED_QUOTA,
        Tier::Standard | Tier::IntelligentTiering => STANDARD_QUOTA,
    }
}

impl Params {
    /// `PutParameter`.
    ///
    /// # Errors
    /// Every rule of the operation as a [`ParamsError`]; KMS refusals for a `SecureString`.
    pub async fn put_parameter(&self, kms: &Kms, caller: &Caller, input: PutInput) -> Result<PutOutput, ParamsError> {
        let scope = caller.scope();
        let name =
            own_name(&scope, &input.name).ok_or_else(|| ParamsError::InvalidName { name: input.name.clone() })?;
        check_name(name)?;
        let name = name.to_owned();
        let arn = parameter_arn(&scope, &name);
        self.authorize(caller, "ssm:PutParameter", &arn)?;
        let now = self.clock.now();
        let given_policies = input.policies.as_deref().map(|p| parse_policies(p, now)).transpose()?;
        if input.overwrite && !input.tags.is_empty() {
            return Err(ParamsError::TagsWithOverwrite);
        }
        check_tags(&input.tags)?;
        if input.tags.len() > MAX_TAGS {
            return Err(ParamsError::TooManyTags);
        }
        let existing = self.store.latest(&scope, &name).await?;
        if existing.is_some() && !input.overwrite {
            return Err(ParamsError::AlreadyExists { name });
        }
        let prev = existing.as_ref();
        let kind = input.kind.or(prev.map(|p| p.kind)).ok_or(ParamsError::TypeRequired)?;
        if input.key_id.is_some() && kind != ParameterType::SecureString {
            return Err(ParamsError::KeyIdNotAllowed);
        }
        let data_type = match &input.data_type {
            Some(d) => DataType::parse(d).ok_or_else(|| ParamsError::InvalidDataType { data_type: d.clone() })?,
            None => prev.map_or(DataType::Text, |p| p.data_type),
        };
        let text = std::str::from_utf8(input.value.expose_secret()).map_err(|_| ParamsError::EmptyValue)?;
        if text.is_empty() {
            return Err(ParamsError::EmptyValue);
        }
        if data_type == DataType::Ec2Image && (kind != ParameterType::String || !is_ami_id(text)) {
            return Err(ParamsError::DataTypeMismatch { data_type: data_type.as_str() });
        }
        let allowed_pattern = input.allowed_pattern.clone().or_else(|| prev.and_then(|p| p.allowed_pattern.clone()));
        if let Some(p) = allowed_pattern.as_deref().filter(|p| !p.is_empty()) {
            check_pattern(p, text)?;
        }
        let policies = carried(given_policies, prev.map_or(&[][..], |p| p.policies.as_slice()));
        let Placement { tier, overflow } =
            self.tier(&scope, input.tier, prev, input.value.len(), !policies.is_empty()).await?;
        let (version, expected, drop_version) = self.next_version(&scope, prev).await?;
        let key_id = (kind == ParameterType::SecureString).then(|| {
            input
                .key_id
                .clone()
                .or_else(|| prev.filter(|p| p.kind == ParameterType::SecureString).and_then(|p| p.key_id.clone()))
                .unwrap_or_else(|| managed_alias(ViaService::SSM))
        });
        let value = match &key_id {
            Some(key) => {
                seal::seal(
                    &kms.on_behalf(caller, ViaService::SSM),
                    (&self.keys, self.clock.now()),
                    key,
                    &arn,
                    &input.value,
                )
                .await?
            }
            None => StoredValue(input.value.expose_secret().to_vec()),
        };
        let record = ParameterVersion {
            name: name.clone(),
            version,
            kind,
            value,
            key_id,
            description: input.description.or_else(|| prev.and_then(|p| p.description.clone())),
            allowed_pattern,
            tier,
            data_type,
            labels: Vec::new(),
            policies,
            modified_at: now,
            modified_by: caller.arn(),
        };
        let op = if prev.is_some() { Operation::Update } else { Operation::Create };
        let events = vec![notify::change(&scope, now, op, &record)];
        let policies_due = next_due(&record.policies, now);
        // The quota check above read the count outside the write: the store's, in the write's
        // transaction, is the one that holds against concurrent writers.
        let tier_quota = prev.is_none_or(|p| p.tier != tier).then(|| quota(tier));
        let mut write = ParameterWrite {
            version: record,
            expected,
            drop_version,
            tags: input.tags,
            policies_due,
            events,
            tier_quota,
        };
        let mut written = self.store.put_version(&scope, &write).await;
        if let (Err(StoreError::QuotaExceeded), Some(overflow)) = (&written, overflow) {
            // Intelligent-Tiering chose Standard and Standard filled up before the write. AWS
            // makes the parameter Advanced when "more than 10,000 parameters already exist in
            // your Amazon Web Services account in the current Amazon Web Services Region"
            // (botocore's `PutParameterRequest.Tier`), so the choice is made again as AWS would
            // have made it at the write: Advanced, with the limit error only if that is full
            // too (assumed: AWS documents no race). The value was sealed for the parameter's
            // ARN, whatever its tier, and the change event names no tier: only the tier and
            // its quota change.
            write.version.tier = overflow;
            write.tier_quota = Some(quota(overflow));
            written = self.store.put_version(&scope, &write).await;
        }
        let tier = write.version.tier;
        match written {
            Ok(()) => Ok(PutOutput { version, tier }),
            // Created by someone else between the read and the write. Without `Overwrite` that
            // is the answer the read would have given; with it, the request lost a race of
            // concurrent updates, as when two overwrites race for the same next version.
            Err(StoreError::AlreadyExists) if !input.overwrite => Err(ParamsError::AlreadyExists { name }),
            Err(StoreError::AlreadyExists | StoreError::NotFound | StoreError::Conflict) => {
                Err(ParamsError::TooManyUpdates)
            }
            Err(StoreError::QuotaExceeded) => Err(ParamsError::LimitExceeded { tier, max: quota(tier) }),
            Err(e) => Err(e.into()),
        }
    }

    /// A new `String` parameter of the caller's account and region as `PutParameter` with a
    /// name, a value, `Type=String` and `tier` makes its first version, planned for a
    /// [`Batch`](crate::store::Batch) instead of stored: for filling an account with many
    /// parameters at once (`trent admin fill`, the scale benchmark). Nothing is read from the
    /// store, so neither the tier's quota nor an existing name is checked (a name that exists
    /// fails the batch's write), and no change event is written: the filled account looks as
    /// one whose creation events were delivered and trimmed long ago.
    ///
    /// # Errors
    /// `InvalidName` or another name rule; `EmptyValue`; `ValueTooLarge` for the tier.
    pub fn plan_parameter(
        &self,
        caller: &Caller,
        name: &str,
        value: &str,
        tier: Tier,
    ) -> Result<(Scope, ParameterWrite), ParamsError> {
        let scope = caller.scope();
        let name = own_name(&scope, name).ok_or_else(|| ParamsError::InvalidName { name: name.to_owned() })?;
        check_name(name)?;
        if value.is_empty() {
            return Err(ParamsError::EmptyValue);
        }
        let max = if tier == Tier::Standard { STANDARD_MAX_VALUE } else { ADVANCED_MAX_VALUE };
        if value.len() > max {
            return Err(ParamsError::ValueTooLarge { tier, max });
        }
        let version = ParameterVersion {
            name: name.to_owned(),
            version: 1,
            kind: ParameterType::String,
            value: StoredValue(value.as_bytes().to_vec()),
            key_id: None,
            description: None,
            allowed_pattern: None,
            tier,
            data_type: DataType::Text,
            labels: Vec::new(),
            policies: Vec::new(),
            modified_at: self.clock.now(),
            modified_by: caller.arn(),
        };
        let write = ParameterWrite {
            version,
            expected: None,
            drop_version: None,
            tags: Vec::new(),
            policies_due: None,
            events: Vec::new(),
            tier_quota: None,
        };
        Ok((scope, write))
    }

    /// Where the new version goes: the tier asked for (or the account's default), never a
    /// downgrade of an Advanced parameter, Advanced for a parameter with policies, within
    /// the tier's value size and quota as counted now (the store counts again as it writes).
    async fn tier(
        &self,
        scope: &Scope,
        asked: Option<Tier>,
        prev: Option<&ParameterVersion>,
        size: usize,
        has_policies: bool,
    ) -> Result<Placement, ParamsError> {
        let was_advanced = prev.is_some_and(|p| p.tier == Tier::Advanced);
        let asked = match asked {
            Some(t) => t,
            None if was_advanced => Tier::Advanced,
            None => self.default_tier(scope).await?,
        };
        // A new parameter's tier is chosen and checked on one count: read twice, a place taken
        // in between would let Intelligent-Tiering choose Standard and then refuse it full.
        let new_counts = if prev.is_none() { Some(self.store.count_by_tier(scope).await?) } else { None };
        let tier = match asked {
            Tier::IntelligentTiering => {
                let standard_full = new_counts.is_some_and(|c| c.standard >= STANDARD_QUOTA);
                if was_advanced || has_policies || size > STANDARD_MAX_VALUE || standard_full {
                    Tier::Advanced
                } else {
                    Tier::Standard
                }
            }
            t => t,
        };
        match tier {
            Tier::Standard if has_policies && !was_advanced => return Err(ParamsError::PoliciesNeedAdvanced),
            Tier::Standard if was_advanced => {
                return Err(ParamsError::TierDowngrade { name: prev.map(|p| p.name.clone()).unwrap_or_default() });
            }
            Tier::Standard if size > STANDARD_MAX_VALUE => {
                return Err(ParamsError::ValueTooLarge { tier, max: STANDARD_MAX_VALUE });
            }
            Tier::Advanced if size > ADVANCED_MAX_VALUE => {
                return Err(ParamsError::ValueTooLarge { tier, max: ADVANCED_MAX_VALUE });
            }
            _ => {}
        }
        let joins_tier = prev.is_none_or(|p| p.tier != tier);
        if joins_tier {
            let counts = match new_counts {
                Some(counts) => counts,
                None => self.store.count_by_tier(scope).await?,
            };
            let count = if tier == Tier::Advanced { counts.advanced } else { counts.standard };
            let max = quota(tier);
            if count >= max {
                return Err(ParamsError::LimitExceeded { tier, max });
            }
        }
        let overflow = (asked == Tier::IntelligentTiering && tier == Tier::Standard).then_some(Tier::Advanced);
        Ok(Placement { tier, overflow })
    }

    /// The new version's number, the version the parameter must still be at, and the oldest
    /// version to remove when 100 are kept already.
    async fn next_version(
        &self,
        scope: &Scope,
        prev: Option<&ParameterVersion>,
    ) -> Result<(u64, Option<u64>, Option<u64>), ParamsError> {
        let Some(prev) = prev else { return Ok((1, None, None)) };
        let oldest = self.store.history(scope, &prev.name, None, 1).await?.into_iter().next();
        let drop = match oldest {
            Some(o) if prev.version - o.version + 1 >= MAX_VERSIONS => {
                if !o.labels.is_empty() {
                    return Err(ParamsError::MaxVersions { name: prev.name.clone(), oldest: o.version });
                }
                Some(o.version)
            }
            _ => None,
        };
        Ok((prev.version + 1, Some(prev.version), drop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ami_ids_and_patterns() {
        assert!(is_ami_id("ami-12345678") && is_ami_id("ami-0123456789abcdef0"));
        assert!(!is_ami_id("ami-1234567") && !is_ami_id("ami-ABCDEF12") && !is_ami_id("img-12345678"));
        assert!(check_pattern(r"^\d+$", "123").is_ok());
        assert!(check_pattern(r"\d+", "12a").is_err(), "the whole value must match");
        assert!(matches!(check_pattern("(", "x"), Err(ParamsError::InvalidAllowedPattern)));
    }
}
