//! A parameter's versions: `GetParameterHistory`, and the labels that point to versions
//! (`LabelParameterVersion`, `UnlabelParameterVersion`).

use super::get::ParameterRead;
use super::names::{label_is_valid, own_name, parameter_arn};
use super::notify::{self, Operation};
use super::{MAX_LABELS_PER_VERSION, Params, ParamsError, token};
use crate::identity::Caller;
use crate::kms::Kms;

/// A page of `GetParameterHistory`.
#[derive(Debug, Default)]
pub struct HistoryPage {
    /// Versions, oldest first.
    pub versions: Vec<ParameterRead>,
    /// Where the next page starts.
    pub next_token: Option<String>,
}

/// What `LabelParameterVersion` did.
#[derive(Debug, PartialEq, Eq)]
pub struct LabelOutcome {
    /// Labels that break the label rules and were not attached.
    pub invalid: Vec<String>,
    /// The version labelled.
    pub version: u64,
}

impl Params {
    /// `GetParameterHistory`.
    ///
    /// # Errors
    /// `NotFound`, `InvalidNextToken`, `AccessDenied`, KMS refusals.
    pub async fn get_parameter_history(
        &self,
        kms: &Kms,
        caller: &Caller,
        given: &str,
        with_decryption: bool,
        max_results: u32,
        next_token: Option<&str>,
    ) -> Result<HistoryPage, ParamsError> {
        let scope = caller.scope();
        let name = own_name(&scope, given).ok_or_else(|| ParamsError::NotFound { name: given.to_owned() })?;
        let arn = parameter_arn(&scope, name);
        self.authorize(caller, "ssm:GetParameterHistory", &arn)?;
        let after = next_token.map(token::version_of).transpose()?;
        if self.store.latest(&scope, name).await?.is_none() {
            return Err(ParamsError::NotFound { name: name.to_owned() });
        }
        let mut versions = self.store.history(&scope, name, after, max_results + 1).await?;
        let more = versions.len() > max_results as usize;
        versions.truncate(max_results as usize);
        let next_token = if more { versions.last().map(|v| token::after_version(v.version)) } else { None };
        let mut page = HistoryPage { versions: Vec::with_capacity(versions.len()), next_token };
        for version in versions {
            let value = self.value_of(kms, caller, &version, &arn, with_decryption).await?;
            page.versions.push(ParameterRead { version, arn: arn.clone(), value, selector: None, source: None });
        }
        Ok(page)
    }

    /// `LabelParameterVersion`: attaches the valid labels to `version` (the newest when
    /// `None`), moving them from other versions.
    ///
    /// # Errors
    /// `NotFound`, `VersionNotFound`, `LabelLimitExceeded`, `AccessDenied`.
    pub async fn label_parameter_version(
        &self,
        caller: &Caller,
        given: &str,
        version: Option<u64>,
        labels: &[String],
    ) -> Result<LabelOutcome, ParamsError> {
        let scope = caller.scope();
        let name = own_name(&scope, given).ok_or_else(|| ParamsError::NotFound { name: given.to_owned() })?;
        self.authorize(caller, "ssm:LabelParameterVersion", &parameter_arn(&scope, name))?;
        let latest =
            self.store.latest(&scope, name).await?.ok_or_else(|| ParamsError::NotFound { name: name.to_owned() })?;
        let version = version.unwrap_or(latest.version);
        let target = self
            .store
            .version(&scope, name, version)
            .await?
            .ok_or_else(|| ParamsError::VersionNotFound { name: name.to_owned(), version })?;
        let (mut valid, mut invalid): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for label in labels {
            let list = if label_is_valid(label) { &mut valid } else { &mut invalid };
            if !list.contains(label) {
                list.push(label.clone());
            }
        }
        let after = target.labels.iter().chain(valid.iter().filter(|l| !target.labels.contains(l))).count();
        if after > MAX_LABELS_PER_VERSION {
            return Err(ParamsError::LabelLimitExceeded);
        }
        if !valid.is_empty() {
            let event = notify::change(&scope, self.clock.now(), Operation::LabelParameterVersion, &target);
            self.store.move_labels(&scope, name, version, &valid, &[event]).await?;
        }
        Ok(LabelOutcome { invalid, version })
    }

    /// `UnlabelParameterVersion`: the labels removed, and those given that were not on the
    /// version.
    ///
    /// # Errors
    /// `NotFound`, `VersionNotFound`, `AccessDenied`.
    pub async fn unlabel_parameter_version(
        &self,
        caller: &Caller,
        given: &str,
        version: u64,
        labels: &[String],
    ) -> Result<(Vec<String>, Vec<String>), ParamsError> {
        let scope = caller.scope();
        let name = own_name(&scope, given).ok_or_else(|| ParamsError::NotFound { name: given.to_owned() })?;
        self.authorize(caller, "ssm:UnlabelParameterVersion", &parameter_arn(&scope, name))?;
        if self.store.latest(&scope, name).await?.is_none() {
            return Err(ParamsError::NotFound { name: name.to_owned() });
        }
        if self.store.version(&scope, name, version).await?.is_none() {
            return Err(ParamsError::VersionNotFound { name: name.to_owned(), version });
        }
        let removed = self.store.remove_labels(&scope, name, version, labels).await?;
        let mut invalid: Vec<String> = Vec::new();
        for l in labels {
            if !removed.contains(l) && !invalid.contains(l) {
                invalid.push(l.clone());
            }
        }
        Ok((removed, invalid))
    }
}
