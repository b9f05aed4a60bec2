//! Listing: `ListSecrets` (filters, order, pages), `ListSecretVersionIds` and
//! `BatchGetSecretValue`.

use time::OffsetDateTime;

use super::lifecycle::SecretDescription;
use super::{BadParameter, SecretRecord, Secrets, SecretsError, ValueOutput, VersionSelector};
use crate::identity::Caller;

/// Largest page of `ListSecrets` and `ListSecretVersionIds`.
pub const MAX_LIST_RESULTS: usize = 100;
/// Largest page of `BatchGetSecretValue`.
pub const MAX_BATCH_RESULTS: usize = 20;

/// The key of a `ListSecrets` filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKey {
    /// `description`.
    Description,
    /// `name`.
    Name,
    /// `tag-key`.
    TagKey,
    /// `tag-value`.
    TagValue,
    /// `primary-region`.
    PrimaryRegion,
    /// `owning-service`.
    OwningService,
    /// `all`: name, description, tag keys and values.
    All,
}

impl FilterKey {
    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "description" => Self::Description,
            "name" => Self::Name,
            "tag-key" => Self::TagKey,
            "tag-value" => Self::TagValue,
            "primary-region" => Self::PrimaryRegion,
            "owning-service" => Self::OwningService,
            "all" => Self::All,
            _ => return None,
        })
    }
}

/// One filter: a secret matches when one of the values matches the beginning of the key's
/// field; a value starting with `!` matches secrets whose field does *not* begin with the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// What to look at.
    pub key: FilterKey,
    /// Prefixes, perhaps negated.
    pub values: Vec<String>,
}

impl Filter {
    fn matches(&self, s: &SecretRecord) -> bool {
        let fields: Vec<&str> = match self.key {
            FilterKey::Description => s.description.iter().map(String::as_str).collect(),
            FilterKey::Name => vec![s.name.as_str()],
            FilterKey::TagKey => s.tags.iter().map(|t| t.key.as_str()).collect(),
            FilterKey::TagValue => s.tags.iter().map(|t| t.value.as_str()).collect(),
            FilterKey::PrimaryRegion => s.primary_region_shown().map(|r| r.as_str()).into_iter().collect(),
            // No managing services yet: this field is always empty.
            FilterKey::OwningService => Vec::new(),
            FilterKey::All => {
                let mut v = vec![s.name.as_str()];
                v.extend(s.description.iter().map(String::as_str));
                v.extend(s.tags.iter().flat_map(|t| [t.key.as_str(), t.value.as_str()]));
                v
            }
        };
        // `description` and `all` ignore case; `all` matches the beginning of any word.
        let fold = matches!(self.key, FilterKey::Description | FilterKey::All);
        let norm = |s: &str| if fold { s.to_lowercase() } else { s.to_owned() };
        let words: Vec<String> = if self.key == FilterKey::All {
            fields.iter().flat_map(|f| f.split(|c: char| !c.is_alphanumeric())).map(norm).collect()
        } else {
            fields.iter().map(|f| norm(f)).collect()
        };
        let hit = |prefix: &str| {
            let prefix = norm(prefix);
            words.iter().any(|w| w.starts_with(&prefix))
                || (self.key == FilterKey::All && fields.iter().any(|f| norm(f).starts_with(&prefix)))
        };
        self.values.iter().any(|value| match value.strip_prefix('!') {
            Some(negated) => !hit(negated),
            None => hit(value),
        })
    }
}

/// `SortOrder` (by creation date).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// `asc`.
    Asc,
    /// `desc`, the default.
    #[default]
    Desc,
}

/// `SortBy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// `created-date`, the default.
    #[default]
    CreatedDate,
    /// `last-accessed-date`.
    LastAccessedDate,
    /// `last-changed-date`.
    LastChangedDate,
    /// `name`.
    Name,
}

impl SortBy {
    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "created-date" => Self::CreatedDate,
            "last-accessed-date" => Self::LastAccessedDate,
            "last-changed-date" => Self::LastChangedDate,
            "name" => Self::Name,
            _ => return None,
        })
    }
}

/// What `ListSecrets` is given.
#[derive(Clone, Debug, Default)]
pub struct ListSecretsInput {
    /// `IncludePlannedDeletion`.
    pub include_planned_deletion: bool,
    /// `MaxResults` (1..=100).
    pub max_results: Option<usize>,
    /// `NextToken`.
    pub next_token: Option<String>,
    /// `Filters`.
    pub filters: Vec<Filter>,
    /// `SortOrder`.
    pub sort_order: SortOrder,
    /// `SortBy`.
    pub sort_by: SortBy,
}

/// A page of secrets.
#[derive(Clone, Debug)]
pub struct SecretPage {
    /// The secrets.
    pub secrets: Vec<SecretDescription>,
    /// Where the next page starts.
    pub next_token: Option<String>,
}

/// One entry of `ListSecretVersionIds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionEntry {
    /// `VersionId`.
    pub version_id: String,
    /// `VersionStages`.
    pub stages: Vec<String>,
    /// `CreatedDate`.
    pub created_at: OffsetDateTime,
    /// `KmsKeyIds`.
    pub kms_key_ids: Vec<String>,
}

/// A page of versions.
#[derive(Clone, Debug)]
pub struct VersionPage {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `Versions`.
    pub versions: Vec<VersionEntry>,
    /// Where the next page starts.
    pub next_token: Option<String>,
}

/// What `BatchGetSecretValue` returns: the values read and, per secret, why one was not.
#[derive(Debug)]
pub struct BatchOutput {
    /// `SecretValues`.
    pub values: Vec<ValueOutput>,
    /// `Errors`: the `SecretId` asked for and the error.
    pub errors: Vec<(String, SecretsError)>,
    /// `NextToken` (with filters).
    pub next_token: Option<String>,
}

/// A page token: the position after which the next page starts, as hex.
pub(super) fn token(position: usize) -> String {
    format!("{position:016x}")
}

pub(super) fn parse_token(t: Option<&str>) -> Result<usize, SecretsError> {
    match t {
        None => Ok(0),
        Some(t) => usize::from_str_radix(t, 16)
            .ok()
            .filter(|_| t.len() == 16)
            .ok_or(SecretsError::InvalidParameter(BadParameter::NextToken)),
    }
}

pub(super) fn page_size(max: Option<usize>, limit: usize) -> usize {
    max.unwrap_or(limit).clamp(1, limit)
}

impl Secrets {
    /// `ListSecrets`.
    ///
    /// # Errors
    /// `InvalidParameter` for a bad token, `AccessDenied`.
    pub async fn list_secrets(&self, caller: &Caller, input: &ListSecretsInput) -> Result<SecretPage, SecretsError> {
        self.authorize_account(caller, "secretsmanager:ListSecrets", "*")?;
        let mut all: Vec<SecretRecord> = self
            .store
            .list_secrets(&caller.scope())
            .await?
            .into_iter()
            .filter(|s| input.include_planned_deletion || !s.is_deleted())
            .filter(|s| input.filters.iter().all(|f| f.matches(s)))
            .collect();
        match input.sort_by {
            SortBy::CreatedDate => all.sort_by(|a, b| (a.created_at, &a.name).cmp(&(b.created_at, &b.name))),
            SortBy::LastAccessedDate => {
                all.sort_by(|a, b| (a.last_accessed_at, &a.name).cmp(&(b.last_accessed_at, &b.name)))
            }
            SortBy::LastChangedDate => {
                all.sort_by(|a, b| (a.last_changed_at, &a.name).cmp(&(b.last_changed_at, &b.name)))
            }
            SortBy::Name => all.sort_by(|a, b| a.name.cmp(&b.name)),
        }
        if input.sort_order == SortOrder::Desc {
            all.reverse();
        }
        let start = parse_token(input.next_token.as_deref())?;
        let size = page_size(input.max_results, MAX_LIST_RESULTS);
        let end = start.saturating_add(size).min(all.len());
        let next_token = (end < all.len()).then(|| token(end));
        let now = self.clock.now();
        let secrets = all.into_iter().skip(start).take(size).map(|s| SecretDescription::new(s, now)).collect();
        Ok(SecretPage { secrets, next_token })
    }

    /// `ListSecretVersionIds`, oldest first.
    ///
    /// # Errors
    /// `NotFound`, `InvalidParameter` for a bad token, `AccessDenied`.
    pub async fn list_secret_version_ids(
        &self,
        caller: &Caller,
        secret_id: &str,
        include_deprecated: bool,
        max_results: Option<usize>,
        next_token: Option<&str>,
    ) -> Result<VersionPage, SecretsError> {
        let secret = self.authorized(caller, secret_id, "secretsmanager:ListSecretVersionIds").await?;
        let versions: Vec<VersionEntry> = self
            .store
            .versions(&secret.scope, &secret.name)
            .await?
            .into_iter()
            .map(|v| VersionEntry {
                stages: secret.labels_of(&v.version_id),
                version_id: v.version_id,
                created_at: v.created_at,
                kms_key_ids: vec![v.key_arn],
            })
            .filter(|v| include_deprecated || !v.stages.is_empty())
            .collect();
        let start = parse_token(next_token)?;
        let size = page_size(max_results, MAX_LIST_RESULTS);
        let end = start.saturating_add(size).min(versions.len());
        Ok(VersionPage {
            arn: secret.arn(),
            name: secret.name.clone(),
            next_token: (end < versions.len()).then(|| token(end)),
            versions: versions.into_iter().skip(start).take(size).collect(),
        })
    }

    /// `BatchGetSecretValue`: the current values of the secrets named (at most 20), or of a
    /// page of the secrets `filters` select.
    ///
    /// # Errors
    /// `InvalidParameter` for both or neither of ids and filters, `AccessDenied` without
    /// `secretsmanager:BatchGetSecretValue`; a secret that cannot be read is an entry of
    /// [`BatchOutput::errors`].
    pub async fn batch_get_secret_value(
        &self,
        caller: &Caller,
        ids: Option<&[String]>,
        filters: Option<&[Filter]>,
        max_results: Option<usize>,
        next_token: Option<&str>,
    ) -> Result<BatchOutput, SecretsError> {
        self.authorize_account(caller, "secretsmanager:BatchGetSecretValue", "*")?;
        let (ids, next_token) = match (ids, filters) {
            (Some(ids), None) if !ids.is_empty() && ids.len() <= MAX_BATCH_RESULTS => (ids.to_vec(), None),
            (None, Some(filters)) => {
                let input = ListSecretsInput {
                    max_results: Some(page_size(max_results, MAX_BATCH_RESULTS)),
                    next_token: next_token.map(str::to_owned),
                    filters: filters.to_vec(),
                    ..ListSecretsInput::default()
                };
                let page = self.list_secrets(caller, &input).await?;
                (page.secrets.into_iter().map(|d| d.secret.arn()).collect(), page.next_token)
            }
            _ => return Err(SecretsError::InvalidParameter(BadParameter::BatchSelection)),
        };
        let mut values = Vec::with_capacity(ids.len());
        let mut errors = Vec::new();
        for id in ids {
            match self.get_secret_value(caller, &id, &VersionSelector::default()).await {
                Ok(v) => values.push(v),
                Err(e) => errors.push((id, e)),
            }
        }
        Ok(BatchOutput { values, errors, next_token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_garbage() {
        assert_eq!(parse_token(Some(&token(42))).unwrap(), 42);
        assert!(parse_token(Some("zz")).is_err());
        assert!(parse_token(Some("2a")).is_err());
        assert_eq!(parse_token(None).unwrap(), 0);
    }
}
