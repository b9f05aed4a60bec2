//! Builders of domain values for the conformance cases. Every field is set to something other
//! than a default so a backend that drops or swaps a column is caught.

use time::{Duration, OffsetDateTime, macros::datetime};
use trent_core::identity::User;
use trent_core::kms::{
    Alias, KeyManager, KeyMaterialRecord, KeyRecord, KeySpec, KeyState, KeyUsage, MultiRegionKeyType, Origin,
    RotationSettings, RotationType, Tag,
};
use trent_core::{AccessKeyRecord, AccessKeyStatus, AccountId, KeyId, Region, Scope};
use trent_crypto::KeyMaterialId;

/// A fixed instant with a nanosecond part, so lossy timestamp storage shows.
pub(crate) const T0: OffsetDateTime = datetime!(2024-05-06 07:08:09.123456789 UTC);

/// `T0` plus `secs` seconds.
pub(crate) fn at(secs: i64) -> OffsetDateTime {
    T0 + Duration::seconds(secs)
}

pub(crate) fn scope(account: &str, region: &str) -> Scope {
    Scope::new(AccountId::parse(account).expect("account id"), Region::parse(region).expect("region"))
}

/// The scope most cases use.
pub(crate) fn home() -> Scope {
    scope("111122223333", "eu-west-1")
}

/// A key id whose text sorts by `n`.
pub(crate) fn kid(n: u8) -> KeyId {
    let mut b = [0x5a; 16];
    b[0] = n;
    KeyId::from_bytes(b)
}

/// An enabled symmetric key at revision 1 with everything optional unset.
pub(crate) fn key(scope: &Scope, id: KeyId) -> KeyRecord {
    KeyRecord {
        scope: scope.clone(),
        key_id: id,
        description: format!("key {id}"),
        usage: KeyUsage::EncryptDecrypt,
        spec: KeySpec::SymmetricDefault,
        origin: Origin::AwsKms,
        state: KeyState::Enabled,
        created_at: T0,
        deletion_date: None,
        pending_window_days: None,
        rotation: RotationSettings { enabled: false, period_days: 365, next_rotation: None },
        policy: r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned(),
        multi_region: None,
        manager: KeyManager::Customer,
        imported: Vec::new(),
        import_count: 0,
        hsm: None,
        revision: 1,
    }
}

/// A key with every optional field set and nothing at its default.
pub(crate) fn full_key(scope: &Scope, id: KeyId) -> KeyRecord {
    KeyRecord {
        description: "Schlüssel — with ünïcode, 'quotes' and \"doubles\"".to_owned(),
        usage: KeyUsage::GenerateVerifyMac,
        spec: KeySpec::Hmac384,
        origin: Origin::External,
        state: KeyState::PendingDeletion,
        created_at: at(-86_400),
        deletion_date: Some(at(7 * 86_400)),
        pending_window_days: Some(7),
        rotation: RotationSettings { enabled: true, period_days: 2560, next_rotation: Some(at(90 * 86_400 + 1)) },
        multi_region: Some(MultiRegionKeyType::Replica),
        manager: KeyManager::Aws,
        imported: Vec::new(),
        import_count: 0,
        hsm: None,
        revision: 42,
        ..key(scope, id)
    }
}

/// Backing key number `seq`; its id and wrapped bytes are derived from `seq` and `fill`.
pub(crate) fn material(seq: u32, fill: u8) -> KeyMaterialRecord {
    let mut wrapped = vec![fill; 60];
    wrapped[0] = 0; // embedded NUL: blobs, not strings
    KeyMaterialRecord {
        material_id: KeyMaterialId([fill ^ (seq as u8); 32]),
        seq,
        created_at: at(i64::from(seq) * 1000),
        rotation_type: match seq {
            0 => None,
            n if n % 2 == 1 => Some(RotationType::OnDemand),
            _ => Some(RotationType::Automatic),
        },
        wrapped,
    }
}

pub(crate) fn alias(name: &str, target: KeyId, created: OffsetDateTime) -> Alias {
    Alias { name: name.to_owned(), target, created_at: created, updated_at: created }
}

pub(crate) fn tag(key: &str, value: &str) -> Tag {
    Tag { key: key.to_owned(), value: value.to_owned() }
}

/// An IAM user of the home account, at the root path, without tags.
pub(crate) fn user(name: &str) -> User {
    User {
        account: home().account,
        name: name.to_owned(),
        path: "/".to_owned(),
        user_id: format!("AIDA{}", name.to_uppercase()),
        created_at: at(2),
        tags: Vec::new(),
    }
}

/// An active access key of `user`.
pub(crate) fn access_key(id: &str, user: &User) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: id.to_owned(),
        principal: user.principal(),
        secret_wrapped: vec![9; 40],
        status: AccessKeyStatus::Active,
        created_at: at(3),
    }
}
