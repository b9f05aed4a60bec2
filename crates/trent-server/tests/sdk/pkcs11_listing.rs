//! Reading `pkcs11-tool --list-objects` output (OpenSC): the attributes of one secret key
//! object, for the tests that check a key was made inside a token as it should be. Shared with
//! the `trent-cli` tests through `#[path]`.

/// The `Access:` words of the secret key object labelled `label` in `listing` (for instance
/// `sensitive`, `always sensitive`, `never extractable`, `local`); `None` when no secret key
/// object has that label.
pub(crate) fn secret_key_access(listing: &str, label: &str) -> Option<Vec<String>> {
    let mut in_block = false;
    for line in listing.lines() {
        if line.starts_with("Secret Key Object") {
            in_block = false;
        }
        if let Some(l) = line.trim().strip_prefix("label:") {
            in_block = l.trim() == label;
        }
        if in_block && let Some(access) = line.trim().strip_prefix("Access:") {
            return Some(access.split(',').map(|w| w.trim().to_owned()).collect());
        }
    }
    None
}

/// Whether `access` (from [`secret_key_access`]) says the key is sensitive and can never be
/// extracted, and not that it is extractable now.
pub(crate) fn sensitive_and_never_extractable(access: &[String]) -> bool {
    let has = |w: &str| access.iter().any(|a| a == w);
    has("sensitive") && has("never extractable") && !has("extractable")
}

#[test]
fn a_listing_is_read_per_object() {
    let listing = "Secret Key Object; AES length 32\n  label:      other\n  Access:     extractable, local\n\
                   Secret Key Object; AES length 32\n  label:      arn:aws:kms:us-east-1:1:key/k\n  ID:         01\n  \
                   Access:     sensitive, always sensitive, never extractable, local\n";
    let access = secret_key_access(listing, "arn:aws:kms:us-east-1:1:key/k").unwrap();
    assert!(sensitive_and_never_extractable(&access), "{access:?}");
    assert!(!sensitive_and_never_extractable(&secret_key_access(listing, "other").unwrap()));
    assert_eq!(secret_key_access(listing, "missing"), None);
}
