//! `DescribeParameters` (metadata, never values) and the deletions `DeleteParameter` and
//! `DeleteParameters`.

use super::filters::{self, For, LegacyFilter, StringFilter};
use super::model::{Listing, ParameterVersion};
use super::names::{could_exist, own_name, parameter_arn};
use super::notify::{self, Operation};
use super::{Params, ParamsError, token};
use crate::identity::Caller;
use crate::ids::Scope;
use crate::store::StoreError;

/// Rows read per step.
const SCAN_BATCH: u32 = 500;
/// Most rows one call examines before answering with a `NextToken`.
const SCAN_LIMIT: usize = 10_000;

/// A page of `DescribeParameters`.
#[derive(Debug, Default)]
pub struct DescribePage {
    /// The newest version of each parameter (values not to be shown).
    pub parameters: Vec<ParameterVersion>,
    /// Where the next page starts.
    pub next_token: Option<String>,
}

impl Params {
    /// `DescribeParameters`.
    ///
    /// # Errors
    /// `FiltersConflict`, filter errors, `InvalidNextToken`, `AccessDenied`.
    pub async fn describe_parameters(
        &self,
        caller: &Caller,
        legacy: &[LegacyFilter],
        filters: &[StringFilter],
        max_results: u32,
        next_token: Option<&str>,
    ) -> Result<DescribePage, ParamsError> {
        let scope = caller.scope();
        self.authorize(caller, "ssm:DescribeParameters", &scope.arn("ssm", "*"))?;
        if !legacy.is_empty() && !filters.is_empty() {
            return Err(ParamsError::FiltersConflict);
        }
        let converted;
        let filters = if legacy.is_empty() {
            filters
        } else {
            converted = filters::from_legacy(legacy)?;
            &converted[..]
        };
        let checks = filters::compile(filters, For::Describe)?;
        let with_tags = filters::needs_tags(&checks);
        let mut after = next_token.map(token::name_of).transpose()?;
        let mut page = DescribePage::default();
        let mut examined = 0usize;
        'scan: loop {
            let batch = self.store.list(&scope, Listing::All, after.as_deref(), SCAN_BATCH).await?;
            let exhausted = batch.len() < SCAN_BATCH as usize;
            for p in batch {
                examined += 1;
                after = Some(p.name.clone());
                let tags = if with_tags { self.store.param_tags(&scope, &p.name).await? } else { Vec::new() };
                if filters::passes(&checks, &p, &tags) {
                    page.parameters.push(p);
                }
                if page.parameters.len() as u32 >= max_results || examined >= SCAN_LIMIT {
                    page.next_token = after.as_deref().map(token::after_name);
                    break 'scan;
                }
            }
            if exhausted {
                break;
            }
        }
        Ok(page)
    }

    /// `DeleteParameter`.
    ///
    /// # Errors
    /// `NotFound`, `AccessDenied`, storage errors.
    pub async fn delete_parameter(&self, caller: &Caller, given: &str) -> Result<(), ParamsError> {
        let scope = caller.scope();
        let name = own_name(&scope, given).ok_or_else(|| ParamsError::NotFound { name: given.to_owned() })?;
        self.authorize(caller, "ssm:DeleteParameter", &parameter_arn(&scope, name))?;
        if !could_exist(name) {
            return Err(ParamsError::NotFound { name: name.to_owned() });
        }
        match self.delete_one(&scope, name).await {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(ParamsError::NotFound { name: name.to_owned() }),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes one parameter with its `Delete` change event.
    async fn delete_one(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        let latest = self.store.latest(scope, name).await?.ok_or(StoreError::NotFound)?;
        let event = notify::change(scope, self.clock.now(), Operation::Delete, &latest);
        self.store.delete_parameter(scope, name, Some(latest.version), &[event]).await
    }

    /// `DeleteParameters`: the names deleted and those that named nothing, as given.
    ///
    /// # Errors
    /// `AccessDenied` if any name may not be deleted (nothing is deleted then), storage
    /// errors.
    pub async fn delete_parameters(
        &self,
        caller: &Caller,
        names: &[String],
    ) -> Result<(Vec<String>, Vec<String>), ParamsError> {
        let scope = caller.scope();
        let checker = self.checker(caller);
        for given in names {
            if let Some(name) = own_name(&scope, given) {
                checker.check("ssm:DeleteParameters", &parameter_arn(&scope, name))?;
            }
        }
        let (mut deleted, mut invalid) = (Vec::new(), Vec::new());
        for given in names {
            if deleted.contains(given) || invalid.contains(given) {
                continue;
            }
            let name = own_name(&scope, given).filter(|n| could_exist(n));
            let result = match name {
                Some(name) => self.delete_one(&scope, name).await,
                None => Err(StoreError::NotFound),
            };
            match result {
                Ok(()) => deleted.push(given.clone()),
                Err(StoreError::NotFound) => invalid.push(given.clone()),
                Err(e) => return Err(e.into()),
            }
        }
        Ok((deleted, invalid))
    }
}
