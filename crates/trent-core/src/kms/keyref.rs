//! Resolving the `KeyId` parameter: key id, key ARN, alias name or alias ARN.

use super::{Kms, KmsError, Missing};
use crate::identity::Caller;
use crate::ids::{AccountId, Arn, KeyId, Region, Scope};

/// What a `KeyId` parameter names, before any lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyRef {
    Key(Scope, KeyId),
    Alias(Scope, String),
}

/// Whether an operation accepts aliases where it takes a key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aliases {
    Allowed,
    Refused,
}

/// Parses `input` relative to the caller's account and region.
pub(crate) fn parse(caller: &Caller, input: &str, aliases: Aliases) -> Result<KeyRef, KmsError> {
    let invalid_key_id = || KmsError::NotFound(Missing::KeyId(input.to_owned()));
    if input.starts_with("arn:") {
        let arn = Arn::parse(input).ok_or_else(|| KmsError::InvalidArn(format!("Invalid arn {input}")))?;
        if arn.service != "kms" {
            return Err(KmsError::InvalidArn(format!("Invalid arn {input}")));
        }
        let account =
            AccountId::parse(arn.account).map_err(|_| KmsError::InvalidArn(format!("Invalid arn {input}")))?;
        let region = Region::parse(arn.region).map_err(|_| KmsError::InvalidArn(format!("Invalid arn {input}")))?;
        if region != caller.region || arn.partition != region.partition() {
            return Err(KmsError::NotFound(Missing::ArnRegion(arn.region.to_owned())));
        }
        let scope = Scope::new(account, region);
        if let Some(id) = arn.resource.strip_prefix("key/") {
            let key_id = id.parse::<KeyId>().map_err(|_| KmsError::NotFound(Missing::Key(input.to_owned())))?;
            return Ok(KeyRef::Key(scope, key_id));
        }
        if arn.resource.starts_with("alias/") && aliases == Aliases::Allowed {
            return Ok(KeyRef::Alias(scope, arn.resource.to_owned()));
        }
        return Err(KmsError::InvalidArn(format!("Invalid arn {input}")));
    }
    if input.starts_with("alias/") {
        return match aliases {
            Aliases::Allowed => Ok(KeyRef::Alias(caller.scope(), input.to_owned())),
            Aliases::Refused => Err(invalid_key_id()),
        };
    }
    input.parse::<KeyId>().map(|id| KeyRef::Key(caller.scope(), id)).map_err(|_| invalid_key_id())
}

impl Kms {
    /// Resolves an alias (through the cache) to the key it names.
    pub(crate) async fn resolve(&self, r: KeyRef) -> Result<(Scope, KeyId), KmsError> {
        match r {
            KeyRef::Key(scope, id) => Ok((scope, id)),
            KeyRef::Alias(scope, name) => {
                if let Some(id) = self.cache.alias(&scope, &name) {
                    return Ok((scope, id));
                }
                let epoch = self.cache.epoch();
                let Some(alias) = self.store.get_alias(&scope, &name).await? else {
                    return Err(KmsError::NotFound(Missing::Alias { scope, name }));
                };
                self.cache.insert_alias(&scope, &name, alias.target, epoch);
                Ok((scope, alias.target))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{Principal, PrincipalKind};

    fn caller() -> Caller {
        let account = AccountId::parse("111122223333").unwrap();
        Caller {
            principal: Principal {
                account: account.clone(),
                kind: PrincipalKind::Root,
                unique_id: account.to_string(),
            },
            access_key_id: "AKIA".into(),
            region: Region::parse("us-east-1").unwrap(),
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            identity: std::sync::Arc::new(crate::identity::CallerIdentity::root(&account)),
            via_service: None,
            meter: Default::default(),
            on_behalf_log: None,
        }
    }

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn every_accepted_form_parses() {
        let c = caller();
        let key = KeyRef::Key(c.scope(), ID.parse().unwrap());
        assert_eq!(parse(&c, ID, Aliases::Refused).unwrap(), key);
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{ID}");
        assert_eq!(parse(&c, &arn, Aliases::Refused).unwrap(), key);
        assert_eq!(parse(&c, "alias/x", Aliases::Allowed).unwrap(), KeyRef::Alias(c.scope(), "alias/x".into()));
        let alias_arn = "arn:aws:kms:us-east-1:111122223333:alias/x";
        assert_eq!(parse(&c, alias_arn, Aliases::Allowed).unwrap(), KeyRef::Alias(c.scope(), "alias/x".into()));
    }

    #[test]
    fn bad_forms_answer_like_aws() {
        let c = caller();
        assert!(matches!(parse(&c, "nope", Aliases::Allowed), Err(KmsError::NotFound(_))));
        assert!(matches!(parse(&c, "alias/x", Aliases::Refused), Err(KmsError::NotFound(_))));
        assert!(matches!(parse(&c, "arn:aws:s3:::bucket", Aliases::Allowed), Err(KmsError::InvalidArn(_))));
        assert!(matches!(parse(&c, "arn:aws:kms:us-east-1:1:key/x", Aliases::Allowed), Err(KmsError::InvalidArn(_))));
        let other_region = format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}");
        assert!(matches!(parse(&c, &other_region, Aliases::Allowed), Err(KmsError::NotFound(_))));
    }
}
