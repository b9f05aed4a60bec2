//! [`BatchStore`] for PostgreSQL: every item of a [`Batch`] in one transaction, through the
//! same row writers the single-item methods use (new parameters many to a statement). Any
//! failure rolls back everything before it.

use async_trait::async_trait;
use trent_core::StoreError;
use trent_core::params::ParameterWrite;
use trent_core::store::{Batch, BatchStore};

use super::aliases_tags::insert_alias;
use super::identity::{insert_access_key, insert_account, insert_user, put_policy};
use super::kms::insert_key_rows;
use super::params::{insert_new_parameters, write_parameter};
use super::secrets::insert_secret_rows;
use super::{PgStore, transaction};

#[async_trait]
impl BatchStore for PgStore {
    async fn apply_batch(&self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        transaction!(self, |tx| {
            for account in &batch.accounts {
                insert_account(&mut *tx, account).await?;
            }
            for user in &batch.users {
                insert_user(&mut *tx, user).await?;
            }
            for (account, policy) in &batch.policies {
                put_policy(&mut tx, account, policy).await?;
            }
            for key in &batch.access_keys {
                insert_access_key(&mut *tx, key).await?;
            }
            for key in &batch.keys {
                insert_key_rows(&mut tx, &key.record, Some(&key.material), &key.tags).await?;
            }
            for (scope, alias) in &batch.aliases {
                insert_alias(&mut *tx, scope, alias).await?;
            }
            for (secret, version) in &batch.secrets {
                insert_secret_rows(&mut tx, secret, Some(version)).await?;
            }
            // New parameters without a quota to check (all a planned batch holds) in one
            // statement per table; anything else one by one, as a request writes it.
            let new = |w: &ParameterWrite| w.expected.is_none() && w.drop_version.is_none() && w.tier_quota.is_none();
            if batch.parameters.iter().all(|(_, w)| new(w)) {
                if !batch.parameters.is_empty() {
                    insert_new_parameters(&mut tx, &batch.parameters).await?;
                }
            } else {
                for (scope, write) in &batch.parameters {
                    write_parameter(&mut tx, scope, write).await?;
                }
            }
        })
    }
}
