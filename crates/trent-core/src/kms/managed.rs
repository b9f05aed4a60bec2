//! AWS managed keys: the `alias/aws/<service>` keys a Trent service creates in a caller's
//! account and region the first time it needs one (`KeyManager: AWS`).
//!
//! What makes them AWS managed is their key policy, AWS's own document for that service: the
//! key can be used only through the service (`kms:ViaService`) by principals of its account
//! (`kms:CallerAccount`), and the account may only describe, read and list it. Everything else
//! — deleting it, changing its policy, disabling it, rotating it by hand, tagging it, using it
//! directly or from another account — is refused by that policy, exactly as AWS refuses it
//! (`AccessDeniedException`), and nobody can put another policy. The key rotates every year
//! on its own (the scheduler's automatic rotation, enabled at creation).
//!
//! AWS also predefines aliases for its services' managed keys in every account and region;
//! `ListAliases` lists those that have no key yet without a `TargetKeyId`
//! ([`PREDEFINED_ALIASES`]).

use time::Duration;

use super::keys::new_symmetric_record;
use super::on_behalf::OnBehalf;
use super::{
    Alias, DEFAULT_ROTATION_PERIOD_DAYS, KeyDescription, KeyManager, KeyRecord, Kms, KmsError, RotationSettings,
};
use crate::identity::ViaService;
use crate::ids::{KeyId, Scope};
use crate::store::StoreError;

/// The aliases AWS predefines for its services' managed keys, in every account and region
/// (as `ListAliases` shows them on a new account), including those of the Trent services
/// that create managed keys (`aws/secretsmanager`, `aws/ssm`).
pub const PREDEFINED_ALIASES: &[&str] = &[
    "alias/aws/acm",
    "alias/aws/dynamodb",
    "alias/aws/ebs",
    "alias/aws/elasticfilesystem",
    "alias/aws/es",
    "alias/aws/glue",
    "alias/aws/kinesisvideo",
    "alias/aws/lambda",
    "alias/aws/rds",
    "alias/aws/redshift",
    "alias/aws/s3",
    "alias/aws/secretsmanager",
    "alias/aws/ssm",
    "alias/aws/xray",
];

/// The prefix AWS reserves for the aliases of AWS managed keys.
pub const AWS_ALIAS_PREFIX: &str = "alias/aws/";

/// The alias of `service`'s AWS managed key: `alias/aws/secretsmanager`.
pub fn managed_alias(service: ViaService) -> String {
    format!("{AWS_ALIAS_PREFIX}{}", service.name())
}

/// The description AWS gives `service`'s managed key.
fn managed_description(service: ViaService) -> &'static str {
    match service.name() {
        "ssm" => "Default key that protects my SSM parameters when no other key is defined",
        _ => "Default key that protects my Secrets Manager data when no other key is defined",
    }
}

/// The key policy AWS attaches to `service`'s managed key in `scope`, as AWS writes it.
pub fn managed_key_policy(service: ViaService, scope: &Scope) -> String {
    let account = scope.account.as_str();
    let via = service.endpoint(&scope.region);
    let root = format!("arn:{}:iam::{account}:root", scope.region.partition());
    match service.name() {
        "ssm" => format!(
            concat!(
                "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"auto-ssm-1\",\n  \"Statement\" : [ {{\n",
                "    \"Sid\" : \"Allow access through SSM for all principals in the account that are authorized to use SSM\",\n",
                "    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"*\"\n    }},\n",
                "    \"Action\" : [ \"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", \"kms:GenerateDataKey*\", \"kms:DescribeKey\" ],\n",
                "    \"Resource\" : \"*\",\n    \"Condition\" : {{\n      \"StringEquals\" : {{\n",
                "        \"kms:CallerAccount\" : \"{account}\",\n        \"kms:ViaService\" : \"{via}\"\n      }}\n    }}\n",
                "  }}, {{\n",
                "    \"Sid\" : \"Allow direct access to key metadata to the account\",\n",
                "    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"{root}\"\n    }},\n",
                "    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\" ],\n",
                "    \"Resource\" : \"*\"\n  }} ]\n}}"
            ),
            account = account,
            via = via,
            root = root,
        ),
        _ => {
            let sid = "Allow access through AWS Secrets Manager for all principals in the account that are \
                       authorized to use AWS Secrets Manager";
            let any_region = service.any_region_endpoint(&scope.region);
            format!(
                concat!(
                    "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"auto-secretsmanager-2\",\n  \"Statement\" : [ {{\n",
                    "    \"Sid\" : \"{sid}\",\n",
                    "    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"*\"\n    }},\n",
                    "    \"Action\" : [ \"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", \"kms:CreateGrant\", \"kms:DescribeKey\" ],\n",
                    "    \"Resource\" : \"*\",\n    \"Condition\" : {{\n      \"StringEquals\" : {{\n",
                    "        \"kms:CallerAccount\" : \"{account}\",\n        \"kms:ViaService\" : \"{via}\"\n      }}\n    }}\n",
                    "  }}, {{\n",
                    "    \"Sid\" : \"{sid}\",\n",
                    "    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"*\"\n    }},\n",
                    "    \"Action\" : \"kms:GenerateDataKey*\",\n",
                    "    \"Resource\" : \"*\",\n    \"Condition\" : {{\n",
                    "      \"StringEquals\" : {{\n        \"kms:CallerAccount\" : \"{account}\"\n      }},\n",
                    "      \"StringLike\" : {{\n        \"kms:ViaService\" : \"{any_region}\"\n      }}\n    }}\n",
                    "  }}, {{\n",
                    "    \"Sid\" : \"Allow direct access to key metadata to the account\",\n",
                    "    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"{root}\"\n    }},\n",
                    "    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\", \"kms:RevokeGrant\" ],\n",
                    "    \"Resource\" : \"*\"\n  }} ]\n}}"
                ),
                sid = sid,
                account = account,
                via = via,
                any_region = any_region,
                root = root,
            )
        }
    }
}

impl OnBehalf<'_> {
    /// The caller's AWS managed key of this service (`alias/aws/<service>`) in the request's
    /// account and region, created the first time a service asks for it.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn aws_managed_key(&self) -> Result<KeyDescription, KmsError> {
        self.kms().aws_managed_key(&self.caller().scope(), self.service()).await
    }
}

impl Kms {
    /// `service`'s AWS managed key in `scope`, created if it does not exist yet.
    pub(crate) async fn aws_managed_key(&self, scope: &Scope, service: ViaService) -> Result<KeyDescription, KmsError> {
        let alias = managed_alias(service);
        if let Some(existing) = self.store.get_alias(scope, &alias).await? {
            return self.description(scope, &existing.target).await;
        }
        let now = self.clock.now();
        let period = DEFAULT_ROTATION_PERIOD_DAYS;
        let record = KeyRecord {
            rotation: RotationSettings {
                enabled: true,
                period_days: period,
                next_rotation: Some(now + Duration::days(period.into())),
            },
            manager: KeyManager::Aws,
            ..new_symmetric_record(
                scope,
                KeyId::new_random(),
                managed_description(service).to_owned(),
                managed_key_policy(service, scope),
                now,
            )
        };
        let material = self.new_material(&record, 0, None)?;
        self.store.insert_key(&record, &material, &[]).await?;
        let entry = Alias { name: alias.clone(), target: record.key_id, created_at: now, updated_at: now };
        match self.store.insert_alias(scope, &entry).await {
            Ok(()) => {
                self.cache.invalidate_aliases(scope);
                tracing::info!(key_id = %record.key_id, alias, account = %scope.account, region = %scope.region, "AWS managed key created");
                Ok(KeyDescription {
                    record,
                    current_material: Some(material.material_id),
                    multi_region: None,
                    custom_key_store: None,
                })
            }
            // Another call created it first: use that one, and drop ours.
            Err(StoreError::AlreadyExists) => {
                self.store.delete_key(scope, &record.key_id).await?;
                let existing = self.store.get_alias(scope, &alias).await?.ok_or_else(|| {
                    KmsError::Internal(format!("the alias {alias} vanished while it was being created").into())
                })?;
                self.description(scope, &existing.target).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A key's metadata and current backing key, read without authorization.
    pub(crate) async fn description(&self, scope: &Scope, id: &KeyId) -> Result<KeyDescription, KmsError> {
        let record = self.record(scope, id).await?;
        let current_material = self.store.materials(scope, id).await?.last().map(|m| m.material_id);
        Ok(KeyDescription { record, current_material, multi_region: None, custom_key_store: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, Region};
    use crate::policy::{Policy, PolicyKind};

    #[test]
    fn managed_key_policies_are_aws_documents_that_parse() {
        let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("eu-west-2").unwrap());
        for service in ViaService::ALL {
            let text = managed_key_policy(*service, &scope);
            let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            assert!(Policy::parse(&text, PolicyKind::Resource).is_ok(), "{text}");
            let first = &json["Statement"][0]["Condition"]["StringEquals"];
            assert_eq!(first["kms:CallerAccount"], "111122223333");
            assert_eq!(first["kms:ViaService"], format!("{}.eu-west-2.amazonaws.com", service.name()));
            assert!(PREDEFINED_ALIASES.contains(&managed_alias(*service).as_str()));
        }
        let sm: serde_json::Value =
            serde_json::from_str(&managed_key_policy(ViaService::SECRETS_MANAGER, &scope)).unwrap();
        assert_eq!(sm["Id"], "auto-secretsmanager-2");
        assert_eq!(sm["Statement"][1]["Condition"]["StringLike"]["kms:ViaService"], "secretsmanager.*.amazonaws.com");
        assert_eq!(sm["Statement"][2]["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        let mut sorted = PREDEFINED_ALIASES.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, PREDEFINED_ALIASES, "kept in name order, as ListAliases merges them");
    }
}
