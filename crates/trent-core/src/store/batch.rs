//! Several new rows written as one: an account with its first administrator, or a whole seed
//! file. Domain operations that create more than one thing build a [`Batch`] and hand it to
//! the store once, so that a failed write leaves nothing half-created (an account without its
//! administrator, a user without the access key it was created for, an alias whose key never
//! arrived).

use async_trait::async_trait;

use super::StoreError;
use crate::identity::{AccessKeyRecord, Account, InlinePolicy, User};
use crate::ids::{AccountId, KeyId, Scope};
use crate::kms::{Alias, KeyMaterialRecord, KeyRecord, Tag};
use crate::params::ParameterWrite;
use crate::secrets::{SecretRecord, VersionRecord};

/// A new KMS key with its first backing key and its tags.
#[derive(Clone, Debug)]
pub struct NewKey {
    /// The key's metadata.
    pub record: KeyRecord,
    /// Its first backing key.
    pub material: KeyMaterialRecord,
    /// Its tags.
    pub tags: Vec<Tag>,
}

/// New rows to write in one transaction. The store writes them in the order of the fields, so
/// a later item may refer to an earlier one (a policy to a user of the same batch, an alias to
/// a key of the same batch).
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Accounts to create.
    pub accounts: Vec<Account>,
    /// IAM users to create.
    pub users: Vec<User>,
    /// Inline policies to add or replace, with the account of their owner.
    pub policies: Vec<(AccountId, InlinePolicy)>,
    /// Access keys to store, without any quota check (seeded keys, a first administrator's).
    pub access_keys: Vec<AccessKeyRecord>,
    /// KMS keys to create.
    pub keys: Vec<NewKey>,
    /// Aliases to create, with their scope.
    pub aliases: Vec<(Scope, Alias)>,
    /// Secrets to create, each with its first version (`trent admin fill`).
    pub secrets: Vec<(SecretRecord, VersionRecord)>,
    /// Parameters to create (writes whose `expected` is `None`), with their scope
    /// (`trent admin fill`).
    pub parameters: Vec<(Scope, ParameterWrite)>,
}

impl Batch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.users.is_empty()
            && self.policies.is_empty()
            && self.access_keys.is_empty()
            && self.keys.is_empty()
            && self.aliases.is_empty()
            && self.secrets.is_empty()
            && self.parameters.is_empty()
    }

    /// The items to write, of every kind.
    pub fn len(&self) -> usize {
        self.accounts.len()
            + self.users.len()
            + self.policies.len()
            + self.access_keys.len()
            + self.keys.len()
            + self.aliases.len()
            + self.secrets.len()
            + self.parameters.len()
    }

    /// Splits the batch in two, as [`Vec::split_off`] does a vector: `self` keeps its first `at`
    /// items in the order they are written (the fields' order), the returned batch holds the
    /// rest. Applied one after the other, the two write what `self` would have: an item that
    /// refers to an earlier one stays after it.
    #[must_use]
    pub fn split_off(&mut self, at: usize) -> Batch {
        /// Keeps the first `keep` of `items` (fewer if there are fewer), counting them off.
        fn tail<T>(items: &mut Vec<T>, keep: &mut usize) -> Vec<T> {
            let at = (*keep).min(items.len());
            *keep -= at;
            items.split_off(at)
        }
        let mut keep = at;
        // Struct fields are evaluated in the order written: the fields' order.
        Batch {
            accounts: tail(&mut self.accounts, &mut keep),
            users: tail(&mut self.users, &mut keep),
            policies: tail(&mut self.policies, &mut keep),
            access_keys: tail(&mut self.access_keys, &mut keep),
            keys: tail(&mut self.keys, &mut keep),
            aliases: tail(&mut self.aliases, &mut keep),
            secrets: tail(&mut self.secrets, &mut keep),
            parameters: tail(&mut self.parameters, &mut keep),
        }
    }

    /// Whether the batch creates the key `key_id` in `scope`.
    pub fn creates_key(&self, scope: &Scope, key_id: &KeyId) -> bool {
        self.keys.iter().any(|k| k.record.scope == *scope && k.record.key_id == *key_id)
    }
}

/// A store that writes a [`Batch`] atomically.
#[async_trait]
pub trait BatchStore: Send + Sync {
    /// Writes every item of `batch` in one transaction, in the order of its fields: when this
    /// returns `Ok` all of it is durable, otherwise none of it was written. An empty batch
    /// writes nothing.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] if an account, user, access key, key, alias, secret or
    /// parameter of the batch exists already; [`StoreError::NotFound`] if a policy's owner or an alias's target
    /// is neither stored nor created earlier in the batch; [`StoreError::Unavailable`] if the
    /// commit fails.
    async fn apply_batch(&self, batch: &Batch) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::ids::Region;

    fn batch(accounts: usize, aliases: usize) -> Batch {
        let now = OffsetDateTime::UNIX_EPOCH;
        let id = AccountId::parse("111122223333").expect("account id");
        let scope = Scope::new(id.clone(), Region::parse("us-east-1").expect("region"));
        Batch {
            accounts: (0..accounts)
                .map(|i| Account { id: id.clone(), name: format!("a{i}"), created_at: now })
                .collect(),
            aliases: (0..aliases)
                .map(|i| {
                    let alias = Alias {
                        name: format!("alias/{i}"),
                        target: KeyId::new_random(),
                        created_at: now,
                        updated_at: now,
                    };
                    (scope.clone(), alias)
                })
                .collect(),
            ..Batch::default()
        }
    }

    fn names(batch: &Batch) -> Vec<String> {
        let accounts = batch.accounts.iter().map(|a| a.name.clone());
        accounts.chain(batch.aliases.iter().map(|(_, a)| a.name.clone())).collect()
    }

    #[test]
    fn split_off_keeps_the_first_items_in_the_order_they_are_written() {
        let whole = batch(3, 4);
        assert_eq!(whole.len(), 7);
        for at in 0..=8 {
            let mut first = whole.clone();
            let second = first.split_off(at);
            assert_eq!(first.len(), at.min(7), "split at {at}");
            assert_eq!(first.len() + second.len(), 7);
            let mut again = names(&first);
            again.extend(names(&second));
            assert_eq!(again, names(&whole), "split at {at}: every item once, in order");
        }
    }
}
