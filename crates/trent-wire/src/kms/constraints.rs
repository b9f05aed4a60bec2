//! The botocore model's constraints on KMS request members: one constant per shape of the
//! model (`KeyIdType` is [`KEY_ID`]) and the enum sets the domain types do not hold. Handlers
//! check their members against these; a unit test holds every constant against the committed
//! model, `tests/models/kms-constraints.json` (written by `scripts/model_constraints.py`), and
//! the server's table test (`trent-server/tests/sdk/bounds.rs`) sends every implemented
//! operation each constraint broken.

use trent_core::kms::KeySpec;

use crate::json::{Bounds, Pattern, Text};

/// `KeyIdType`: a key id, key ARN, alias name or alias ARN.
pub(crate) const KEY_ID: Text = Text::new(1, 2048);
/// `AliasNameType`.
pub(crate) const ALIAS_NAME: Text = Text::new(1, 256).with(&ALIAS_NAME_PATTERN);
/// `PrincipalIdType`: grantee and retiring principals.
pub(crate) const PRINCIPAL_ID: Text = Text::new(1, 256).with(&PRINCIPAL_ID_PATTERN);
/// `ServicePrincipalType`: its length; its pattern, [`SERVICE_PRINCIPAL_PATTERN`], is not a
/// character class and is checked by `grant_shapes::service_principal`.
pub(crate) const SERVICE_PRINCIPAL: Text = Text::new(1, 128);
/// `ServicePrincipalType`'s pattern as the model spells it.
pub(crate) const SERVICE_PRINCIPAL_PATTERN: &str = "^([A-Za-z0-9\\-]+)\\.([A-Za-z0-9\\-]+)(\\.[A-Za-z0-9\\-]+)+$";
/// `GrantConstraintSourceArnType`: its length; its pattern, [`SOURCE_ARN_PATTERN`], is checked
/// by `grant_shapes::source_arn`.
pub(crate) const SOURCE_ARN: Text = Text::new(20, 512);
/// `GrantConstraintSourceArnType`'s pattern as the model spells it.
pub(crate) const SOURCE_ARN_PATTERN: &str = "^arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$";
/// `GrantNameType` (the same characters as an alias name).
pub(crate) const GRANT_NAME: Text = Text::new(1, 256).with(&ALIAS_NAME_PATTERN);
/// `PolicyNameType`.
pub(crate) const POLICY_NAME: Text = Text::new(1, 128).with(&POLICY_NAME_PATTERN);
/// `PolicyType`. The documented key policy quota (32 KB) is smaller; the domain enforces it
/// with `LimitExceededException`, as AWS does.
pub(crate) const POLICY: Text = Text::new(1, 131_072).with(&POLICY_PATTERN);
/// `RegionType`. Its pattern, `^([a-z]+-){2,3}\d+$`, is not a character class: the domain's
/// region parser checks it and answers in the same words.
pub(crate) const REGION: Text = Text::new(1, 32);
/// `DescriptionType`.
pub(crate) const DESCRIPTION: Text = Text::new(0, 8192);
/// `MarkerType`.
pub(crate) const MARKER: Text = Text::new(1, 1024).with(&MARKER_PATTERN);
/// `GrantIdType`.
pub(crate) const GRANT_ID: Text = Text::new(1, 128);
/// `BackingKeyIdType`: a key material id, 64 hexadecimal digits.
pub(crate) const BACKING_KEY_ID: Text = Text::new(64, 64).with(&BACKING_KEY_ID_PATTERN);
/// `KeyMaterialDescriptionType`.
pub(crate) const KEY_MATERIAL_DESCRIPTION: Text = Text::new(0, 256).with(&KEY_MATERIAL_DESCRIPTION_PATTERN);
/// `GrantTokenType`.
pub(crate) const GRANT_TOKEN: Text = Text::new(1, 8192);
/// `GrantTokenList`: most grant tokens in one request.
pub(crate) const GRANT_TOKENS_MAX: usize = 10;
/// `TagKeyType`.
pub(crate) const TAG_KEY: Text = Text::new(1, 128);
/// `TagValueType`.
pub(crate) const TAG_VALUE: Text = Text::new(0, 256);
/// `CustomKeyStoreIdType`.
pub(crate) const CUSTOM_KEY_STORE_ID: Text = Text::new(1, 64);
/// `XksKeyIdType`.
pub(crate) const XKS_KEY_ID: Text = Text::new(1, 128).with(&XKS_KEY_ID_PATTERN);
/// `LimitType`.
pub(crate) const LIMIT: Bounds = Bounds { min: 1, max: 1000 };
/// `NumberOfBytesType`.
pub(crate) const NUMBER_OF_BYTES: Bounds = Bounds { min: 1, max: 1024 };
/// `RotationPeriodInDaysType`.
pub(crate) const ROTATION_PERIOD_IN_DAYS: Bounds = Bounds { min: 90, max: 2560 };
/// `PendingWindowInDaysType` (the domain then holds AWS's 7..=30).
pub(crate) const PENDING_WINDOW_IN_DAYS: Bounds = Bounds { min: 1, max: 365 };
/// `CiphertextType`, in bytes.
pub(crate) const CIPHERTEXT: Bounds = Bounds { min: 1, max: 6144 };
/// `PlaintextType`, in bytes.
pub(crate) const PLAINTEXT: Bounds = Bounds { min: 1, max: 4096 };
/// `PublicKeyType`, in bytes.
pub(crate) const PUBLIC_KEY: Bounds = Bounds { min: 1, max: 8192 };
/// `AttestationDocumentType`, in bytes.
pub(crate) const ATTESTATION_DOCUMENT: Bounds = Bounds { min: 1, max: 262_144 };

/// `CustomerMasterKeySpec`: the deprecated member's values, a subset of `KeySpec`.
pub(crate) const CUSTOMER_MASTER_KEY_SPECS: &[KeySpec] = &[
    KeySpec::Rsa2048,
    KeySpec::Rsa3072,
    KeySpec::Rsa4096,
    KeySpec::EccNistP256,
    KeySpec::EccNistP384,
    KeySpec::EccNistP521,
    KeySpec::EccSecgP256k1,
    KeySpec::SymmetricDefault,
    KeySpec::Hmac224,
    KeySpec::Hmac256,
    KeySpec::Hmac384,
    KeySpec::Hmac512,
    KeySpec::Sm2,
];
/// `IncludeKeyMaterial`.
pub(crate) const INCLUDE_KEY_MATERIAL: &[&str] = &["ALL_KEY_MATERIAL", "ROTATIONS_ONLY"];
/// `DryRunModifierType`.
pub(crate) const DRY_RUN_MODIFIERS: &[&str] = &["IGNORE_CIPHERTEXT"];
/// `KeyEncryptionMechanism`.
pub(crate) const KEY_ENCRYPTION_MECHANISMS: &[&str] = &["RSAES_OAEP_SHA_256"];

/// The model's `RegionType` pattern, which the domain checks (`trent_core::Region::parse`).
#[cfg(test)]
const REGION_PATTERN_SOURCE: &str = "^([a-z]+-){2,3}\\d+$";

static BACKING_KEY_ID_PATTERN: Pattern =
    Pattern { source: "^[a-f0-9]+$", allows: |c| matches!(c, 'a'..='f' | '0'..='9'), empty_matches: false };
/// Java's `\s` is `[ \t\n\x0B\f\r]`.
static KEY_MATERIAL_DESCRIPTION_PATTERN: Pattern = Pattern {
    source: "^[a-zA-Z0-9:/_\\s.-]+$",
    allows: |c| {
        c.is_ascii_alphanumeric()
            || matches!(c, ':' | '/' | '_' | '.' | '-' | ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
    },
    empty_matches: false,
};
static ALIAS_NAME_PATTERN: Pattern = Pattern {
    source: "^[a-zA-Z0-9:/_-]+$",
    allows: |c| c.is_ascii_alphanumeric() || ":/_-".contains(c),
    empty_matches: false,
};

/// `\w` is Java's: ASCII letters, digits and `_`.
static PRINCIPAL_ID_PATTERN: Pattern = Pattern {
    source: "^[\\w+=,.@:/-]+$",
    allows: |c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c),
    empty_matches: false,
};

static POLICY_NAME_PATTERN: Pattern =
    Pattern { source: "[\\w]+", allows: |c| c.is_ascii_alphanumeric() || c == '_', empty_matches: false };

/// Tab, line feed, carriage return, and Basic Latin and Latin-1 from the space on.
static POLICY_PATTERN: Pattern = Pattern {
    source: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    allows: |c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'),
    empty_matches: false,
};

static MARKER_PATTERN: Pattern =
    Pattern { source: "[\\u0020-\\u00FF]*", allows: |c| matches!(c, '\u{20}'..='\u{FF}'), empty_matches: true };

static XKS_KEY_ID_PATTERN: Pattern = Pattern {
    source: "^[a-zA-Z0-9-_.]+$",
    allows: |c| c.is_ascii_alphanumeric() || "-_.".contains(c),
    empty_matches: false,
};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;
    use trent_core::kms::{DataKeySpec, EncryptionAlgorithm, GrantOperation, KeyUsage, Origin};

    use super::*;

    const MODEL: &str = include_str!("../../tests/models/kms-constraints.json");

    /// Every shape the committed model describes, by name, found through every member.
    fn shapes() -> BTreeMap<String, Value> {
        fn walk(desc: &Value, out: &mut BTreeMap<String, Value>) {
            if let Some(name) = desc["shape"].as_str() {
                out.entry(name.to_owned()).or_insert_with(|| desc.clone());
            }
            for nested in ["member", "key", "value"] {
                if desc.get(nested).is_some() {
                    walk(&desc[nested], out);
                }
            }
            if let Some(members) = desc["members"].as_object() {
                members.values().for_each(|m| walk(m, out));
            }
        }
        let model: Value = serde_json::from_str(MODEL).expect("committed model");
        let mut out = BTreeMap::new();
        for op in model["operations"].as_object().expect("operations").values() {
            walk(op, &mut out);
        }
        out
    }

    #[test]
    fn text_shapes_match_the_model() {
        let shapes = shapes();
        let texts = [
            ("KeyIdType", KEY_ID),
            ("AliasNameType", ALIAS_NAME),
            ("PrincipalIdType", PRINCIPAL_ID),
            ("GrantNameType", GRANT_NAME),
            ("PolicyNameType", POLICY_NAME),
            ("PolicyType", POLICY),
            ("DescriptionType", DESCRIPTION),
            ("MarkerType", MARKER),
            ("GrantIdType", GRANT_ID),
            ("GrantTokenType", GRANT_TOKEN),
            ("TagKeyType", TAG_KEY),
            ("TagValueType", TAG_VALUE),
            ("CustomKeyStoreIdType", CUSTOM_KEY_STORE_ID),
            ("XksKeyIdType", XKS_KEY_ID),
            ("BackingKeyIdType", BACKING_KEY_ID),
            ("KeyMaterialDescriptionType", KEY_MATERIAL_DESCRIPTION),
        ];
        for (name, text, pattern) in [
            ("ServicePrincipalType", SERVICE_PRINCIPAL, SERVICE_PRINCIPAL_PATTERN),
            ("GrantConstraintSourceArnType", SOURCE_ARN, SOURCE_ARN_PATTERN),
        ] {
            let shape = &shapes[name];
            assert_eq!((shape["min"].as_u64(), shape["max"].as_u64()), (Some(text.min as u64), Some(text.max as u64)));
            assert_eq!(shape["pattern"].as_str(), Some(pattern), "{name} pattern");
        }
        assert_eq!((shapes["RegionType"]["min"].as_u64(), shapes["RegionType"]["max"].as_u64()), (Some(1), Some(32)));
        assert_eq!(shapes["RegionType"]["pattern"].as_str(), Some(REGION_PATTERN_SOURCE));
        for (name, text) in texts {
            let shape = &shapes[name];
            assert_eq!(shape["min"].as_u64(), Some(text.min as u64), "{name} min");
            assert_eq!(shape["max"].as_u64(), Some(text.max as u64), "{name} max");
            match text.pattern {
                None => assert!(shape.get("pattern").is_none(), "{name} has a pattern in the model"),
                Some(p) => {
                    assert_eq!(shape["pattern"].as_str(), Some(p.source), "{name} pattern");
                    let samples = &shape["pattern_samples"];
                    if let Some(ok) = samples["matching"].as_str() {
                        assert!(p.matches(&ok.repeat(300)), "{name} refuses {ok:?}");
                    }
                    let bad = samples["violating"].as_str().expect("violating sample");
                    assert!(!p.matches(bad), "{name} accepts {bad:?}");
                    assert_eq!(samples["empty_matches"].as_bool(), Some(p.matches("")), "{name} on the empty string");
                }
            }
        }
        assert_eq!(shapes["GrantTokenList"]["max"].as_u64(), Some(GRANT_TOKENS_MAX as u64));
    }

    #[test]
    fn bounds_match_the_model() {
        let shapes = shapes();
        let bounds = [
            ("LimitType", LIMIT),
            ("NumberOfBytesType", NUMBER_OF_BYTES),
            ("RotationPeriodInDaysType", ROTATION_PERIOD_IN_DAYS),
            ("PendingWindowInDaysType", PENDING_WINDOW_IN_DAYS),
            ("CiphertextType", CIPHERTEXT),
            ("PlaintextType", PLAINTEXT),
            ("AttestationDocumentType", ATTESTATION_DOCUMENT),
            ("PublicKeyType", PUBLIC_KEY),
        ];
        for (name, b) in bounds {
            let shape = &shapes[name];
            assert_eq!(
                (shape["min"].as_u64(), shape["max"].as_u64()),
                (Some(b.min.into()), Some(b.max.into())),
                "{name}"
            );
        }
        assert_eq!(PLAINTEXT.max as usize, trent_core::kms::MAX_PLAINTEXT);
        assert_eq!(NUMBER_OF_BYTES.max, trent_core::kms::MAX_RANDOM_BYTES);
        let rotation = trent_core::kms::ROTATION_PERIOD_DAYS;
        assert_eq!((ROTATION_PERIOD_IN_DAYS.min, ROTATION_PERIOD_IN_DAYS.max), (*rotation.start(), *rotation.end()));
    }

    /// The enum sets, in the model's order (AWS's messages list them; Trent lists them so).
    #[test]
    fn enum_sets_match_the_model() {
        let shapes = shapes();
        let set = |name: &str| -> Vec<String> {
            shapes[name]["enum"].as_array().expect(name).iter().map(|v| v.as_str().expect(name).to_owned()).collect()
        };
        fn names<E: Copy>(all: &[E], name: fn(E) -> &'static str) -> Vec<String> {
            all.iter().map(|e| name(*e).to_owned()).collect()
        }
        assert_eq!(names(KeySpec::ALL, KeySpec::as_str), set("KeySpec"));
        assert_eq!(names(CUSTOMER_MASTER_KEY_SPECS, KeySpec::as_str), set("CustomerMasterKeySpec"));
        assert_eq!(names(KeyUsage::ALL, KeyUsage::as_str), set("KeyUsageType"));
        assert_eq!(names(Origin::ALL, Origin::as_str), set("OriginType"));
        assert_eq!(names(DataKeySpec::ALL, DataKeySpec::as_str), set("DataKeySpec"));
        assert_eq!(names(EncryptionAlgorithm::ALL, EncryptionAlgorithm::as_str), set("EncryptionAlgorithmSpec"));
        assert_eq!(names(GrantOperation::ALL, GrantOperation::as_str), set("GrantOperation"));
        assert_eq!(names(INCLUDE_KEY_MATERIAL, |s| s), set("IncludeKeyMaterial"));
        assert_eq!(names(DRY_RUN_MODIFIERS, |s| s), set("DryRunModifierType"));
        assert_eq!(names(KEY_ENCRYPTION_MECHANISMS, |s| s), set("KeyEncryptionMechanism"));
        let owners = crate::kms::list_keys::ResourceOwner::ALL;
        assert_eq!(names(&owners, crate::kms::list_keys::ResourceOwner::as_str), set("ResourceOwnerType"));
    }
}
