//! The sentences, their order and their bounds, against AWS's wording.

use super::*;

static WORD: Pattern =
    Pattern { source: "[\\w]+", allows: |c| c.is_ascii_alphanumeric() || c == '_', empty_matches: false };
const NAME: Text = Text::new(1, 8).with(&WORD);
const LIMIT: Bounds = Bounds { min: 1, max: 1000 };
const PLAINTEXT: Bounds = Bounds { min: 1, max: 4096 };

fn message(v: Violations) -> String {
    v.finish().unwrap_err().message
}

#[test]
fn one_violation_has_the_aws_sentence() {
    let mut v = Violations::default();
    v.text("keyId", Some(&"k".repeat(9)), Text::new(1, 8));
    assert_eq!(
        message(v),
        "1 validation error detected: Value 'kkkkkkkkk' at 'keyId' failed to satisfy constraint: \
         Member must have length less than or equal to 8"
    );
}

#[test]
fn several_violations_are_counted_and_joined() {
    let mut v = Violations::default();
    v.text("policyName", Some(""), NAME);
    assert_eq!(v.required::<u8>("keyId", None), None);
    assert_eq!(v.range("limit", Some(0), LIMIT), None);
    assert_eq!(
        message(v),
        "4 validation errors detected: \
         Value '' at 'policyName' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value '' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+; \
         Value null at 'keyId' failed to satisfy constraint: Member must not be null; \
         Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
}

#[test]
fn valid_members_record_nothing() {
    let mut v = Violations::default();
    v.text("policyName", Some("default"), NAME);
    v.text("policyName", None, NAME);
    assert_eq!(v.required_text("keyId", Some("k".into()), NAME), "k");
    assert_eq!(v.range("limit", Some(1000), LIMIT), Some(1000));
    assert_eq!(v.choice("keySpec", Some("B"), &["A", "B"], |s| s), Some("B"));
    assert_eq!(v.choice_list("ops", Some(&["A".to_owned()]), &["A", "B"], |s| s), vec!["A"]);
    v.text_list("grantTokens", Some(&["t".to_owned()]), Some(10), Text::new(1, 8), false);
    v.blob("plaintext", Some(4096), PLAINTEXT);
    assert!(v.finish().is_ok());
}

/// Guards the amplification hole: a huge member must not come back whole in the message.
#[test]
fn repeated_values_are_cut() {
    let mut v = Violations::default();
    let huge = "é".repeat(1 << 20);
    v.text("description", Some(&huge), Text::new(0, 8192));
    let m = message(v);
    assert!(m.contains(&format!("Value '{}...' at 'description'", "é".repeat(ECHO_CHARS))), "{m}");
    assert!(m.len() < 1024);
    let mut v = Violations::default();
    let many: Vec<String> = (0..100_000).map(|i| format!("bad key {i}")).collect();
    v.text_list("tagKeys", Some(&many), None, NAME, true);
    let m = message(v);
    assert!(m.len() < 1024, "{m}");
    assert!(m.starts_with("1 validation error detected: Value '[bad key 0, bad key 1, "), "{m}");
}

/// Guards the amplification hole: thousands of bad members are counted, not all spelled out.
#[test]
fn at_most_ten_violations_are_listed() {
    let mut v = Violations::default();
    for i in 0..5000 {
        v.required::<u8>(&format!("tags.{i}.member.tagKey"), None);
    }
    let m = message(v);
    assert!(m.starts_with("5000 validation errors detected: "), "{m}");
    assert_eq!(m.matches("Value null").count(), MAX_LISTED);
}

#[test]
fn secrets_and_blobs_are_never_repeated() {
    let mut v = Violations::default();
    v.blob("plaintext", Some(5000), PLAINTEXT);
    v.text_list("grantTokens", Some(&vec!["SECRET-TOKEN".to_owned(); 11]), Some(10), Text::new(1, 8), false);
    let m = message(v);
    assert!(!m.contains("SECRET"), "{m}");
    assert_eq!(
        m,
        "3 validation errors detected: \
         Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096; \
         Value at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10; \
         Value at 'grantTokens' failed to satisfy constraint: Member must satisfy constraint: \
         [Member must have length less than or equal to 8, Member must have length greater than or equal to 1]"
    );
}

#[test]
fn enums_list_the_model_order() {
    let mut v = Violations::default();
    assert_eq!(v.choice("keyUsage", Some("X"), &["B", "A"], |s| s), None);
    assert!(v.choice_list("operations", Some(&["A".to_owned(), "Y".to_owned()]), &["A", "B"], |s| s).is_empty());
    assert_eq!(
        message(v),
        "2 validation errors detected: \
         Value 'X' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [B, A]; \
         Value '[A, Y]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: \
         [Member must satisfy enum value set: [A, B]]"
    );
}

#[test]
fn integers_beyond_u32_are_refused_not_wrapped() {
    let mut v = Violations::default();
    assert_eq!(v.range("limit", Some(i64::from(u32::MAX) + 1), LIMIT), None);
    assert_eq!(v.range("limit", Some(-1), LIMIT), None);
    assert_eq!(v.finish().unwrap_err().message.matches("Value '").count(), 2);
}
