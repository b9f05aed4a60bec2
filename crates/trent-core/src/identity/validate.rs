//! The constraints of the IAM and STS models on names, paths, documents and tags, checked in
//! the domain (so that `trent admin` and the wire are held to the same rules). A broken one
//! is a typed [`Violation`](super::Violation); `trent-wire` words AWS's `ValidationError`.
//!
//! Patterns are the botocore model's: names `[\w+=,.@-]+` (ASCII word characters), paths
//! `/` or `/.../` over `!`..`~`, documents over tab, LF, CR and U+0020..U+00FF.

use super::{Constraint, Field, IamTag, IdentityError, Invalid, Shown, Unusable};

/// The model's name pattern.
const NAME_PATTERN: &str = r"[\w+=,.@-]+";
/// The model's tag pattern, of keys (`+`) and values (`*`).
const TAG_KEY_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
const TAG_VALUE_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";

/// `value` of the member `field` breaks `constraint` (the sentence shows the value).
pub(crate) fn constraint(field: impl Into<Field>, value: &str, constraint: Constraint) -> IdentityError {
    IdentityError::Validation(Invalid::member(field, Shown::Value(value.to_owned()), constraint))
}

/// The member `field` breaks `constraint` (the sentence does not show the value).
fn hidden(field: &'static str, constraint: Constraint) -> IdentityError {
    IdentityError::Validation(Invalid::member(field, Shown::Hidden, constraint))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// A user, group, role or policy name: 1..=`max` characters of `[\w+=,.@-]`.
///
/// # Errors
/// [`IdentityError::Validation`] naming `member`.
pub(crate) fn name(member: &'static str, value: &str, max: usize) -> Result<(), IdentityError> {
    if value.is_empty() {
        return Err(constraint(member, value, Constraint::LengthAtLeast(1)));
    }
    if value.chars().count() > max {
        return Err(constraint(member, value, Constraint::LengthAtMost(max)));
    }
    if !value.chars().all(is_name_char) {
        return Err(constraint(member, value, Constraint::Pattern(NAME_PATTERN)));
    }
    Ok(())
}

/// A `RoleSessionName`: 2..=64 characters of `[\w+=,.@-]`.
///
/// # Errors
/// [`IdentityError::Validation`].
pub(crate) fn session_name(value: &str) -> Result<(), IdentityError> {
    bounded("roleSessionName", value, 64, is_name_char, r"[\w+=,.@-]*")
}

/// An `AssumeRole` `ExternalId`: 2..=1224 characters of `[\w+=,./@:-]`.
///
/// # Errors
/// [`IdentityError::Validation`].
pub(crate) fn external_id(value: &str) -> Result<(), IdentityError> {
    bounded("externalId", value, 1224, |c| is_name_char(c) || "/:".contains(c), r"[\w+=,./@:-]*")
}

/// An `AssumeRole` `SourceIdentity`: 2..=256 characters of `[\w+=,.@-]` (which also keeps out
/// the `aws:` prefix AWS reserves).
///
/// # Errors
/// [`IdentityError::Validation`].
pub(crate) fn source_identity(value: &str) -> Result<(), IdentityError> {
    bounded("sourceIdentity", value, 256, is_name_char, r"[\w+=,.@-]*")
}

/// 2..=`max` characters, each `allowed`, as the model's `pattern` says.
fn bounded(
    member: &'static str,
    value: &str,
    max: usize,
    allowed: fn(char) -> bool,
    pattern: &'static str,
) -> Result<(), IdentityError> {
    let count = value.chars().count();
    if count < 2 {
        return Err(constraint(member, value, Constraint::LengthAtLeast(2)));
    }
    if count > max {
        return Err(constraint(member, value, Constraint::LengthAtMost(max)));
    }
    if !value.chars().all(allowed) {
        return Err(constraint(member, value, Constraint::Pattern(pattern)));
    }
    Ok(())
}

/// A path: `/`, or `/` + characters `!`..`~` + `/`, at most 512 characters.
///
/// # Errors
/// [`IdentityError::Validation`].
pub(crate) fn path(value: &str) -> Result<(), IdentityError> {
    let ok = value == "/"
        || (value.len() >= 3
            && value.starts_with('/')
            && value.ends_with('/')
            && value.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if value.len() > 512 {
        return Err(constraint("path", value, Constraint::LengthAtMost(512)));
    }
    if !ok {
        return Err(constraint("path", value, Constraint::Pattern(r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)")));
    }
    Ok(())
}

/// A path prefix: `/` followed by characters `!`..DEL, at most 512 characters.
///
/// # Errors
/// [`IdentityError::Validation`].
pub(crate) fn path_prefix(value: &str) -> Result<(), IdentityError> {
    if value.len() > 512 {
        return Err(constraint("pathPrefix", value, Constraint::LengthAtMost(512)));
    }
    if !value.starts_with('/') || !value.bytes().all(|b| (0x21..=0x7f).contains(&b)) {
        return Err(constraint("pathPrefix", value, Constraint::Pattern(r"\u002F[\u0021-\u007F]*")));
    }
    Ok(())
}

/// A policy document: 1..=`max` characters of tab, LF, CR and U+0020..U+00FF.
///
/// # Errors
/// [`IdentityError::Validation`] naming `member`.
pub(crate) fn document(member: &'static str, value: &str, max: usize) -> Result<(), IdentityError> {
    if value.is_empty() {
        return Err(constraint(member, "", Constraint::LengthAtLeast(1)));
    }
    if value.chars().count() > max {
        return Err(hidden(member, Constraint::LengthAtMost(max)));
    }
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}');
    if !value.chars().all(allowed) {
        return Err(hidden(member, Constraint::Pattern(r"[\u0009\u000A\u000D\u0020-\u00FF]+")));
    }
    Ok(())
}

/// The number of characters of a document that count towards IAM's size quotas: AWS "doesn't
/// count white space characters" (IAM and STS quotas).
pub(crate) fn counted_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// A role description: at most 1000 characters of tab, LF, CR, U+0020..U+007E, U+00A1..U+00FF.
///
/// # Errors
/// [`IdentityError::Validation`].
pub(crate) fn description(value: &str) -> Result<(), IdentityError> {
    if value.chars().count() > 1000 {
        return Err(constraint("description", value, Constraint::LengthAtMost(1000)));
    }
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}');
    if !value.chars().all(allowed) {
        return Err(constraint(
            "description",
            value,
            Constraint::Pattern(r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"),
        ));
    }
    Ok(())
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// A tag list: at most 50 tags, keys 1..=128 and values 0..=256 characters of
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, keys unique regardless of case and none starting with `aws:`.
///
/// # Errors
/// [`IdentityError::Validation`], or [`IdentityError::InvalidInput`] for a repeated or
/// reserved key.
pub(crate) fn tags(tags: &[IamTag]) -> Result<(), IdentityError> {
    if tags.len() > 50 {
        return Err(hidden("tags", Constraint::LengthAtMost(50)));
    }
    for (i, tag) in tags.iter().enumerate() {
        let (key_member, value_member) = (Field::TagKey(i + 1), Field::TagValue(i + 1));
        let key_len = tag.key.chars().count();
        if key_len == 0 || key_len > 128 {
            return Err(constraint(key_member, &tag.key, Constraint::LengthBetween(1, 128)));
        }
        if !tag.key.chars().all(is_tag_char) {
            return Err(constraint(key_member, &tag.key, Constraint::Pattern(TAG_KEY_PATTERN)));
        }
        if tag.value.chars().count() > 256 {
            return Err(constraint(value_member, &tag.value, Constraint::LengthAtMost(256)));
        }
        if !tag.value.chars().all(is_tag_char) {
            return Err(constraint(value_member, &tag.value, Constraint::Pattern(TAG_VALUE_PATTERN)));
        }
        if is_reserved_tag_key(&tag.key) {
            return Err(IdentityError::InvalidInput(Unusable::ReservedTagKey(tag.key.clone())));
        }
        if tags[..i].iter().any(|t| t.key.eq_ignore_ascii_case(&tag.key)) {
            return Err(IdentityError::InvalidInput(Unusable::DuplicateTagKey(tag.key.clone())));
        }
    }
    Ok(())
}

/// Whether a tag key starts with `aws:` in any case, the prefix AWS keeps for its own tags.
fn is_reserved_tag_key(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// An `UntagRole` key list: at most 50 keys, each 1..=128 characters of
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`.
///
/// # Errors
/// [`IdentityError::Validation`].
pub(crate) fn tag_keys(keys: &[String]) -> Result<(), IdentityError> {
    if keys.len() > 50 {
        return Err(hidden("tagKeys", Constraint::LengthAtMost(50)));
    }
    for (i, key) in keys.iter().enumerate() {
        let member = Field::TagKeysMember(i + 1);
        let len = key.chars().count();
        if len == 0 || len > 128 {
            return Err(constraint(member, key, Constraint::LengthBetween(1, 128)));
        }
        if !key.chars().all(is_tag_char) {
            return Err(constraint(member, key, Constraint::Pattern(TAG_KEY_PATTERN)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_model_pattern_and_lengths() {
        for ok in ["a", "Alice_1", "svc+x=y,z.w@example-1", &"n".repeat(64)] {
            assert!(name("userName", ok, 64).is_ok(), "{ok}");
        }
        for bad in ["", "with space", "slash/", "ünï", &"n".repeat(65)] {
            assert!(matches!(name("userName", bad, 64), Err(IdentityError::Validation(_))), "{bad}");
        }
        let Err(IdentityError::Validation(invalid)) = name("userName", "a b", 64) else { panic!() };
        assert_eq!(
            invalid,
            Invalid::member("userName", Shown::Value("a b".into()), Constraint::Pattern(r"[\w+=,.@-]+"))
        );
    }

    #[test]
    fn paths_start_and_end_with_a_slash() {
        for ok in ["/", "/a/", "/division_abc/sub-1/"] {
            assert!(path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "//", "a/", "/a", "//x", "/a b/"] {
            assert!(path(bad).is_err(), "{bad}");
        }
        assert!(path_prefix("/").is_ok() && path_prefix("/a/b").is_ok());
        assert!(path_prefix("a").is_err() && path_prefix("/a b").is_err());
    }

    #[test]
    fn session_names_need_two_characters() {
        assert!(session_name("ab").is_ok());
        assert!(session_name("a").is_err());
        assert!(session_name(&"s".repeat(65)).is_err());
        assert!(session_name("has space").is_err());
    }

    #[test]
    fn documents_sizes_and_tags() {
        assert!(document("policyDocument", "{}", 10).is_ok());
        assert!(document("policyDocument", "", 10).is_err());
        assert!(document("policyDocument", "{\"a\":\"\u{263a}\"}", 100).is_err());
        assert!(document("policyDocument", "0123456789x", 10).is_err());
        assert_eq!(counted_size("{ \"a\" :\n\t1 }"), 7);
        let tag = |k: &str, v: &str| IamTag { key: k.into(), value: v.into() };
        assert!(tags(&[tag("team", "core"), tag("cost-center", "")]).is_ok());
        assert!(matches!(tags(&[tag("a", "1"), tag("A", "2")]), Err(IdentityError::InvalidInput(_))));
        assert!(tags(&[tag("", "1")]).is_err());
        assert!(tags(&[tag("k", "bad*value")]).is_err());
        assert!(tags(&vec![tag("k", "v"); 51]).is_err());
        for reserved in ["aws:team", "AWS:x", "Aws:"] {
            assert!(matches!(tags(&[tag(reserved, "v")]), Err(IdentityError::InvalidInput(_))), "{reserved}");
        }
        assert!(tags(&[tag("aws", "v"), tag("awsx:y", "v"), tag("my:aws:z", "v")]).is_ok());
        let keys = |k: &[&str]| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(tag_keys(&keys(&["team", "cost center"])).is_ok());
        assert!(tag_keys(&keys(&["ok", ""])).is_err());
        assert!(tag_keys(&keys(&["bad*key"])).is_err());
        assert!(tag_keys(&vec!["k".to_owned(); 51]).is_err());
    }
}
