//! The Trent services that call other services on a caller's behalf, as AWS's integrated
//! services do: Secrets Manager and Parameter Store encrypt with KMS for the caller who
//! stores a secret.
//!
//! Such a request is the caller's own (its identity, its policies, its quota) with one fact
//! more: the service it came through, which KMS offers as the condition key
//! `kms:ViaService` (`secretsmanager.us-east-1.amazonaws.com`) and CloudTrail records as
//! `invokedBy`. Only code of this server builds a [`ViaService`] (the names are constants), and
//! authentication never does: a client cannot claim to be a service.

use crate::ids::Region;

/// A Trent service acting on a caller's behalf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViaService {
    /// The service's endpoint prefix (`secretsmanager`, `ssm`).
    name: &'static str,
}

impl ViaService {
    /// AWS Secrets Manager.
    pub const SECRETS_MANAGER: ViaService = ViaService { name: "secretsmanager" };
    /// AWS Systems Manager Parameter Store.
    pub const SSM: ViaService = ViaService { name: "ssm" };
    /// Every service that may act on a caller's behalf.
    pub const ALL: &'static [ViaService] = &[Self::SECRETS_MANAGER, Self::SSM];

    /// The service's endpoint prefix, as in `alias/aws/<name>` and `<name>.amazonaws.com`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The service named `name`, if it is one of [`ViaService::ALL`].
    pub fn parse(name: &str) -> Option<ViaService> {
        Self::ALL.iter().copied().find(|s| s.name == name)
    }

    /// The value of `kms:ViaService` for a request in `region`: the service's regional
    /// endpoint, `secretsmanager.us-east-1.amazonaws.com` (`.amazonaws.com.cn` in China).
    pub fn endpoint(self, region: &Region) -> String {
        format!("{}.{}.{}", self.name, region.as_str(), dns_suffix(region))
    }

    /// The service's endpoints in every region of `region`'s partition, as a `StringLike`
    /// pattern: `secretsmanager.*.amazonaws.com`.
    pub fn any_region_endpoint(self, region: &Region) -> String {
        format!("{}.*.{}", self.name, dns_suffix(region))
    }

    /// The service's principal, CloudTrail's `invokedBy`: `secretsmanager.amazonaws.com`.
    pub fn principal(self) -> String {
        format!("{}.amazonaws.com", self.name)
    }
}

/// The DNS suffix of a region's partition.
fn dns_suffix(region: &Region) -> &'static str {
    match region.partition() {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_principals_are_aws_spellings() {
        let us = Region::parse("us-east-1").unwrap();
        let cn = Region::parse("cn-north-1").unwrap();
        assert_eq!(ViaService::SECRETS_MANAGER.endpoint(&us), "secretsmanager.us-east-1.amazonaws.com");
        assert_eq!(ViaService::SSM.endpoint(&cn), "ssm.cn-north-1.amazonaws.com.cn");
        assert_eq!(ViaService::SSM.principal(), "ssm.amazonaws.com");
        assert_eq!(ViaService::parse("secretsmanager"), Some(ViaService::SECRETS_MANAGER));
        assert_eq!(ViaService::parse("s3"), None);
    }
}
