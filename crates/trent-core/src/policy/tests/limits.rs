//! Maximal documents: the largest key policy AWS accepts (32 KB), filled in each shape that
//! makes a policy engine work hardest — as many statements, condition values or condition
//! keys as fit — parses and evaluates correctly, and what lies past the engine's own bounds
//! (nesting, size) is refused before the JSON parser builds anything. Time is never asserted
//! here; the parser is linear by construction (hash sets for repeated keys and `Sid`s, one
//! pass for nesting), and evaluation is linear in the statements and, per condition, in the
//! policy values times the request values.

use super::{KEY, context, evaluate, policy, user};
use crate::kms::MAX_POLICY_BYTES;
use crate::policy::parse::MAX_NESTING;
use crate::policy::{MAX_DOCUMENT_BYTES, Policy, PolicyErrorKind, PolicyKind};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// A key policy of exactly [`MAX_POLICY_BYTES`]: `wrap(id, items)` is the document around
/// the comma-separated `items`, as many of `item(0..)` as fit, padded with an `Id` of
/// `id`. Returns the document and the number of items.
fn maximal(wrap: impl Fn(&str, &str) -> String, item: impl Fn(usize) -> String) -> (String, usize) {
    // Measured around one item, so that a separator the document adds before its first
    // item (if any) counts.
    let first = item(0);
    let overhead = wrap("", &first).len() - first.len();
    let mut items: Vec<String> = Vec::new();
    let mut len = overhead;
    loop {
        let next = item(items.len());
        let added = next.len() + usize::from(!items.is_empty());
        if len + added > MAX_POLICY_BYTES {
            break;
        }
        len += added;
        items.push(next);
    }
    let document = wrap(&"p".repeat(MAX_POLICY_BYTES - len), &items.join(","));
    assert_eq!(document.len(), MAX_POLICY_BYTES);
    (document, items.len())
}

fn allowed(policy: &Policy, action: &str, pairs: &[(&str, &[&str])]) -> bool {
    evaluate(policy, &user("alice"), action, KEY, &context(pairs)).is_allowed()
}

#[test]
fn as_many_statements_as_fit() {
    let wrap = |id: &str, items: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Id":"{id}","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:*","Resource":"*"}}{}{items}]}}"#,
            if items.is_empty() { "" } else { "," }
        )
    };
    let deny = |i: usize| {
        format!(
            r#"{{"Sid":"s{i}","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{{"StringEquals":{{"kms:EncryptionContext:k{i}":"v"}}}}}}"#
        )
    };
    let (document, n) = maximal(wrap, deny);
    let p = policy(PolicyKind::Resource, &document);
    assert_eq!(p.statement_ids().count(), n + 1);
    assert!(n > 150, "{n} statements");
    let last = format!("k{}", n - 1);
    assert!(allowed(&p, "kms:Encrypt", &[]));
    assert!(allowed(&p, "kms:Decrypt", &[]));
    assert!(!allowed(&p, "kms:Decrypt", &[(&format!("kms:EncryptionContext:{last}"), &["v"])]), "the last Deny bites");
}

#[test]
fn as_many_condition_values_as_fit() {
    let wrap = |id: &str, items: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Id":"{id}","Statement":{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:Encrypt","Resource":"*","Condition":{{"StringLike":{{"kms:EncryptionContext:k":[{items}]}}}}}}}}"#
        )
    };
    let (document, n) = maximal(wrap, |i| format!(r#""v{i}*""#));
    let p = policy(PolicyKind::Resource, &document);
    assert!(n > 3000, "{n} values");
    let key = "kms:EncryptionContext:k";
    assert!(allowed(&p, "kms:Encrypt", &[(key, &[&format!("v{}-last", n - 1)])]));
    assert!(!allowed(&p, "kms:Encrypt", &[(key, &["w"])]));
    let many: Vec<String> = (0..2000).map(|i| format!("w{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(!allowed(&p, "kms:Encrypt", &[(key, &many)]), "thousands of request values against thousands of patterns");
}

#[test]
fn as_many_condition_keys_as_fit_and_a_repeated_one_is_found() {
    let wrap = |id: &str, items: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Id":"{id}","Statement":{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:Encrypt","Resource":"*","Condition":{{"StringEquals":{{{items}}}}}}}}}"#
        )
    };
    let entry = |i: usize| format!(r#""kms:EncryptionContext:k{i}":"v""#);
    let (document, n) = maximal(wrap, entry);
    let p = policy(PolicyKind::Resource, &document);
    assert!(n > 800, "{n} keys");
    let keys: Vec<String> = (0..n).map(|i| format!("kms:EncryptionContext:k{i}")).collect();
    let all: Vec<(&str, &[&str])> = keys.iter().map(|k| (k.as_str(), &["v"][..])).collect();
    assert!(allowed(&p, "kms:Encrypt", &all));
    assert!(!allowed(&p, "kms:Encrypt", &all[1..]), "every key of the block must hold");
    // The same block with its last key repeating the first: refused, as the grammar says.
    let repeated = document.replace(&format!(r#""kms:EncryptionContext:k{}":"v""#, n - 1), &entry(0));
    let e = Policy::parse(&repeated, PolicyKind::Resource).expect_err("a repeated key");
    assert!(matches!(e.kind(), PolicyErrorKind::Syntax(note) if note.contains("duplicate key")), "{e:?}");
}

#[test]
fn nesting_past_any_valid_document_is_refused_before_parsing() {
    // Six levels, the most a valid document has: document, Statement, statement, Condition,
    // operator block, list of values.
    let six = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:k":["[{\"a\":1}]"]}}}]}"#;
    assert!(Policy::parse(six, PolicyKind::Resource).is_ok(), "brackets inside strings do not count");
    let seven = six.replace(r#"["[{\"a\":1}]"]"#, r#"[["v"]]"#);
    let deep = "[".repeat(100_000);
    for document in [seven.as_str(), deep.as_str()] {
        let e = Policy::parse(document, PolicyKind::Resource).expect_err("too deep");
        let note = format!("nested more than {MAX_NESTING} deep");
        assert!(matches!(e.kind(), PolicyErrorKind::Syntax(n) if n.contains(&note)), "{e:?}");
    }
}

#[test]
fn documents_past_the_engine_bound_are_refused_unread() {
    let valid = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}"#;
    let padded = format!("{valid}{}", " ".repeat(MAX_DOCUMENT_BYTES - valid.len()));
    assert!(Policy::parse(&padded, PolicyKind::Resource).is_ok(), "exactly the bound");
    let over = format!("{padded} ");
    let e = Policy::parse(&over, PolicyKind::Resource).expect_err("past the bound");
    assert!(matches!(e.kind(), PolicyErrorKind::Syntax(n) if n.contains("more than 131072")), "{e:?}");
}
