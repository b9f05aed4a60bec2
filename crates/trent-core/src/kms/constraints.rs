//! Grant constraints (`EncryptionContextEquals`, `EncryptionContextSubset`): what each grant
//! operation makes of them, whether a request satisfies them, whether one constraint is at
//! least as strict as another, and their bounds.
//!
//! AWS ("Grants in AWS KMS", "Using grant constraints", `GrantConstraints` and `CreateGrant`
//! in the API reference): a constraint applies to the operations that take an encryption
//! context; "Grants with grant constraints can include the DescribeKey and RetireGrant
//! operations, but the constraint doesn't apply to these operations. If a grant with a grant
//! constraint includes the CreateGrant operation, the constraint requires that any grants
//! created with the CreateGrant permission have an equally strict or stricter encryption
//! context constraint." Operations without an encryption context (those of asymmetric and
//! HMAC keys) cannot be in a constrained grant. "Each constraint value can include up to 8
//! encryption context pairs. The encryption context value in each constraint cannot exceed
//! 384 characters."

use std::collections::BTreeMap;

use trent_crypto::EncryptionContext;

use super::error::validation;
use super::{Constraint, GrantConstraints, GrantInput, GrantOperation, Invalid, KmsError};

/// Most encryption-context pairs in one constraint.
pub const MAX_CONSTRAINT_PAIRS: usize = 8;
/// Longest key or value of a constraint's pair, in characters.
pub const MAX_CONSTRAINT_ENTRY_CHARS: usize = 384;
/// Longest grant name, in characters (`GrantNameType`).
pub const MAX_GRANT_NAME: usize = 256;

/// What a grant's constraint means for one of its operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintRule {
    /// The request's encryption context must satisfy the constraint.
    RequestContext,
    /// The grant a `CreateGrant` creates must carry a constraint at least as strict.
    ChildGrant,
    /// The constraint does not apply (`DescribeKey`, `RetireGrant`).
    NotApplied,
    /// The operation takes no encryption context: a constrained grant cannot include it.
    Excluded,
}

impl GrantOperation {
    /// What a constraint of a grant that includes this operation means for it.
    pub fn constraint_rule(self) -> ConstraintRule {
        match self {
            Self::Decrypt
            | Self::Encrypt
            | Self::GenerateDataKey
            | Self::GenerateDataKeyWithoutPlaintext
            | Self::ReEncryptFrom
            | Self::ReEncryptTo
            | Self::GenerateDataKeyPair
            | Self::GenerateDataKeyPairWithoutPlaintext => ConstraintRule::RequestContext,
            Self::CreateGrant => ConstraintRule::ChildGrant,
            Self::DescribeKey | Self::RetireGrant => ConstraintRule::NotApplied,
            Self::Sign
            | Self::Verify
            | Self::GetPublicKey
            | Self::GenerateMac
            | Self::VerifyMac
            | Self::DeriveSharedSecret
            | Self::Encapsulate
            | Self::Decapsulate => ConstraintRule::Excluded,
        }
    }
}

/// Whether a request with encryption context `context` (none: the empty context) satisfies
/// `constraints`.
pub fn constraints_hold(constraints: Option<&GrantConstraints>, context: Option<&EncryptionContext>) -> bool {
    let Some(c) = constraints else { return true };
    let empty = EncryptionContext::new();
    let ctx = context.unwrap_or(&empty);
    c.encryption_context_equals.as_ref().is_none_or(|equals| equals == ctx)
        && c.encryption_context_subset.as_ref().is_none_or(|subset| contains_all(ctx, subset))
}

fn contains_all(map: &BTreeMap<String, String>, pairs: &BTreeMap<String, String>) -> bool {
    pairs.iter().all(|(k, v)| map.get(k) == Some(v))
}

/// Whether every request that `child` lets through also satisfies `parent`: the child grant's
/// constraint is "equally strict or stricter". A child may add pairs to a subset, turn a
/// subset into an equals that contains it, or keep an equals; nothing else.
pub fn at_least_as_strict(child: Option<&GrantConstraints>, parent: Option<&GrantConstraints>) -> bool {
    let Some(parent) = parent else { return true };
    let (child_equals, child_subset) = match child {
        Some(c) => (c.encryption_context_equals.as_ref(), c.encryption_context_subset.as_ref()),
        None => (None, None),
    };
    if let Some(only) = child_equals {
        // The child allows (at most) this one context.
        return constraints_hold(Some(parent), Some(only));
    }
    // The child allows every context that contains its subset (or every context): only a
    // parent subset that the child's subset contains allows them all.
    parent.encryption_context_equals.is_none()
        && parent
            .encryption_context_subset
            .as_ref()
            .is_none_or(|p| contains_all(child_subset.unwrap_or(&BTreeMap::new()), p))
}

/// Checks a `CreateGrant`'s constraints against AWS's rules: one kind of constraint, within
/// AWS's bounds, and only on operations it can apply to.
///
/// # Errors
/// `Validation` naming the member and the rule broken.
pub(crate) fn check_constraints(operations: &[GrantOperation], c: &GrantConstraints) -> Result<(), KmsError> {
    for (member, map) in [
        ("constraints.encryptionContextSubset", &c.encryption_context_subset),
        ("constraints.encryptionContextEquals", &c.encryption_context_equals),
    ] {
        let Some(map) = map else { continue };
        if map.len() > MAX_CONSTRAINT_PAIRS {
            return Err(validation::unechoed(member, Constraint::LengthAtMost(MAX_CONSTRAINT_PAIRS)));
        }
        let too_long = |s: &String| s.chars().count() > MAX_CONSTRAINT_ENTRY_CHARS;
        for (side, long) in [("keys", map.keys().any(too_long)), ("value", map.values().any(too_long))] {
            if long {
                return Err(validation::unechoed(
                    member,
                    Constraint::MapEntries { side, max: MAX_CONSTRAINT_ENTRY_CHARS },
                ));
            }
        }
    }
    if c.encryption_context_equals.is_some() && c.encryption_context_subset.is_some() {
        return Err(KmsError::Validation(Invalid::Grant(GrantInput::BothConstraints)));
    }
    if operations.iter().any(|o| o.constraint_rule() == ConstraintRule::Excluded) {
        return Err(KmsError::Validation(Invalid::Grant(GrantInput::ConstraintsNotApplicable)));
    }
    Ok(())
}

/// Checks a grant `Name` against `GrantNameType`: 1..=256 characters of `[a-zA-Z0-9:/_-]`.
///
/// # Errors
/// `Validation` naming `name`.
pub(crate) fn check_grant_name(name: &str) -> Result<(), KmsError> {
    if name.is_empty() || name.chars().count() > MAX_GRANT_NAME {
        return Err(validation::length("name", name, 1, MAX_GRANT_NAME));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b":/_-".contains(&b)) {
        return Err(validation::pattern("name", name, "^[a-zA-Z0-9:/_-]+$"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::{Shown, Violation};

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn subset(pairs: &[(&str, &str)]) -> GrantConstraints {
        GrantConstraints { encryption_context_subset: Some(ctx(pairs)), ..Default::default() }
    }

    fn equals(pairs: &[(&str, &str)]) -> GrantConstraints {
        GrantConstraints { encryption_context_equals: Some(ctx(pairs)), ..Default::default() }
    }

    #[test]
    fn constraints_follow_aws_rules() {
        let s = subset(&[("a", "1")]);
        assert!(constraints_hold(Some(&s), Some(&ctx(&[("a", "1"), ("b", "2")]))));
        assert!(!constraints_hold(Some(&s), Some(&ctx(&[("a", "2")]))));
        assert!(!constraints_hold(Some(&s), None));
        let e = equals(&[("a", "1")]);
        assert!(constraints_hold(Some(&e), Some(&ctx(&[("a", "1")]))));
        assert!(!constraints_hold(Some(&e), Some(&ctx(&[("a", "1"), ("b", "2")]))));
        assert!(constraints_hold(Some(&equals(&[])), None));
        assert!(constraints_hold(None, None));
    }

    /// Regression: a child grant created through a constrained parent could drop or widen
    /// the parent's constraint.
    #[test]
    fn a_child_constraint_is_at_least_as_strict_as_its_parent() {
        let it = [("Department", "IT")];
        let it_test = [("Department", "IT"), ("Purpose", "Test")];
        // The developer guide's examples: add pairs to a subset; turn a subset into an equals.
        assert!(at_least_as_strict(Some(&subset(&it_test)), Some(&subset(&it))));
        assert!(at_least_as_strict(Some(&equals(&it)), Some(&subset(&it))));
        assert!(at_least_as_strict(Some(&equals(&it_test)), Some(&subset(&it))));
        assert!(at_least_as_strict(Some(&equals(&it)), Some(&equals(&it))));
        assert!(at_least_as_strict(Some(&subset(&it)), None));
        assert!(at_least_as_strict(None, None));
        // ... but not remove pairs, change values, turn an equals into a subset, or drop it.
        assert!(!at_least_as_strict(Some(&subset(&it)), Some(&subset(&it_test))));
        assert!(!at_least_as_strict(Some(&subset(&[("Department", "HR")])), Some(&subset(&it))));
        assert!(!at_least_as_strict(Some(&subset(&it)), Some(&equals(&it))));
        assert!(!at_least_as_strict(Some(&equals(&it_test)), Some(&equals(&it))));
        assert!(!at_least_as_strict(None, Some(&subset(&it))));
        assert!(!at_least_as_strict(Some(&GrantConstraints::default()), Some(&equals(&it))));
        // A vacuous parent subset allows every context: anything is as strict.
        assert!(at_least_as_strict(None, Some(&subset(&[]))));
    }

    fn violation(r: Result<(), KmsError>) -> Violation {
        match r {
            Err(KmsError::Validation(Invalid::Member(v))) => v,
            other => panic!("expected a violation, got {other:?}"),
        }
    }

    /// Regression: constraints had no bounds on their size.
    #[test]
    fn constraints_are_bounded_as_aws_documents() {
        let ops = [GrantOperation::Decrypt];
        let eight: Vec<(String, String)> = (0..8).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        let at_limit =
            GrantConstraints { encryption_context_subset: Some(eight.into_iter().collect()), ..Default::default() };
        assert!(check_constraints(&ops, &at_limit).is_ok());
        let nine: BTreeMap<_, _> = (0..9).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        let nine = GrantConstraints { encryption_context_equals: Some(nine), ..Default::default() };
        assert_eq!(
            violation(check_constraints(&ops, &nine)),
            Violation {
                field: "constraints.encryptionContextEquals",
                value: Shown::Hidden,
                constraint: Constraint::LengthAtMost(8)
            }
        );
        let long = "v".repeat(MAX_CONSTRAINT_ENTRY_CHARS + 1);
        assert_eq!(
            violation(check_constraints(&ops, &subset(&[("k", &long)]))),
            Violation {
                field: "constraints.encryptionContextSubset",
                value: Shown::Hidden,
                constraint: Constraint::MapEntries { side: "value", max: MAX_CONSTRAINT_ENTRY_CHARS }
            },
            "the value is not echoed"
        );
        let keys = violation(check_constraints(&ops, &subset(&[(&long, "v")])));
        assert_eq!(keys.constraint, Constraint::MapEntries { side: "keys", max: MAX_CONSTRAINT_ENTRY_CHARS });
        assert!(check_constraints(&ops, &subset(&[(&long[1..], &long[1..])])).is_ok());
    }

    /// Regression: a constrained grant could not include `DescribeKey`, which AWS allows.
    #[test]
    fn constrained_grants_take_describe_key_retire_grant_and_create_grant_but_not_sign() {
        let c = subset(&[("a", "1")]);
        use GrantOperation::*;
        assert!(check_constraints(&[Decrypt, DescribeKey, RetireGrant, CreateGrant], &c).is_ok());
        assert!(check_constraints(&[Decrypt, Sign], &c).is_err());
    }

    #[test]
    fn grant_names_follow_the_model() {
        assert!(check_grant_name("ok:/_-1").is_ok());
        assert_eq!(
            violation(check_grant_name("")),
            Violation { field: "name", value: Shown::Value(String::new()), constraint: Constraint::LengthAtLeast(1) }
        );
        let long = "n".repeat(MAX_GRANT_NAME + 1);
        assert_eq!(violation(check_grant_name(&long)).constraint, Constraint::LengthAtMost(256));
        assert!(check_grant_name(&long[1..]).is_ok());
        assert_eq!(violation(check_grant_name("a b")).constraint, Constraint::Pattern("^[a-zA-Z0-9:/_-]+$"));
    }
}
