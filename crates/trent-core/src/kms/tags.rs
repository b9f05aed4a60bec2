//! Tags on keys: `TagResource`, `UntagResource`, `ListResourceTags`, and the tag rules
//! `CreateKey` shares.

use std::collections::HashSet;

use super::KeyAction;
use super::access::KeyCall;
use super::keyref::{self, Aliases};
use super::lifecycle::refuse_pending_deletion;
use super::{Kms, KmsError, Limit, MAX_TAGS_PER_KEY, Tag, TagRule, marker};
use crate::identity::Caller;

/// One page of `ListResourceTags`.
#[derive(Clone, Debug)]
pub struct TagPage {
    /// The tags.
    pub tags: Vec<Tag>,
    /// Marker for the next page, if there is one.
    pub next_marker: Option<String>,
}

fn allowed_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Checks the tag rules beyond the model's lengths (which the wire checks first), in AWS's
/// words where they are known (`TagException`): no key twice in one request, at most
/// [`MAX_TAGS_PER_KEY`] tags in one request, no `aws:` prefix, keys and values of letters,
/// digits, spaces and `_.:/=+-@`.
pub(crate) fn check_tags(tags: &[Tag]) -> Result<(), KmsError> {
    let mut seen = HashSet::with_capacity(tags.len());
    if !tags.iter().all(|t| seen.insert(t.key.as_str())) {
        return Err(KmsError::Tag(TagRule::DuplicateKeys));
    }
    if tags.len() > MAX_TAGS_PER_KEY {
        return Err(KmsError::Tag(TagRule::TooMany));
    }
    for t in tags {
        if t.key.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:")) {
            return Err(KmsError::Tag(TagRule::Reserved));
        }
        if !t.key.chars().all(allowed_tag_char) {
            return Err(KmsError::Tag(TagRule::Key(t.key.clone())));
        }
        if !t.value.chars().all(allowed_tag_char) {
            return Err(KmsError::Tag(TagRule::Value(t.key.clone())));
        }
    }
    Ok(())
}

/// The `aws:RequestTag/*` and `aws:TagKeys` condition keys of a request carrying `tags`.
pub(crate) fn request_tag_keys(tags: &[Tag]) -> Vec<(String, Vec<String>)> {
    let mut keys: Vec<(String, Vec<String>)> =
        tags.iter().map(|t| (format!("aws:RequestTag/{}", t.key), vec![t.value.clone()])).collect();
    if !tags.is_empty() {
        keys.push(("aws:TagKeys".to_owned(), tags.iter().map(|t| t.key.clone()).collect()));
    }
    keys
}

impl Kms {
    /// `TagResource`: adds tags or replaces the values of existing keys.
    ///
    /// # Errors
    /// `Tag` for invalid tags or more than 50 in the request, `LimitExceeded` when the key
    /// would have more than 50, `InvalidState` while pending deletion.
    pub async fn tag_resource(&self, caller: &Caller, key_id: &str, tags: Vec<Tag>) -> Result<(), KmsError> {
        check_tags(&tags)?;
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let call = KeyCall { extra: request_tag_keys(&tags), ..KeyCall::new(KeyAction::TagResource) };
        let key = self.resolve_key(caller, r, call).await?;
        let (scope, id) = (key.record.scope.clone(), key.record.key_id);
        let rec = self.record(&scope, &id).await?;
        refuse_pending_deletion(&rec)?;
        let existing = self.store.list_tags(&scope, &id, None, 1000).await?;
        let existing_keys: HashSet<&str> = existing.iter().map(|t| t.key.as_str()).collect();
        let added = tags.iter().filter(|t| !existing_keys.contains(t.key.as_str())).count();
        if existing.len() + added > MAX_TAGS_PER_KEY {
            return Err(KmsError::LimitExceeded(Limit::TagsPerKey));
        }
        let written = self.store.put_tags(&scope, &id, &tags).await;
        // Invalidated whatever the outcome: a failure may hide a commit whose answer was lost.
        self.cache.invalidate_key(&scope, &id);
        Ok(written?)
    }

    /// `UntagResource`: removes tag keys; keys that are not present are ignored.
    ///
    /// # Errors
    /// `NotFound`, `InvalidState` while pending deletion.
    pub async fn untag_resource(&self, caller: &Caller, key_id: &str, tag_keys: Vec<String>) -> Result<(), KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let call = KeyCall {
            extra: vec![("aws:TagKeys".to_owned(), tag_keys.clone())],
            ..KeyCall::new(KeyAction::UntagResource)
        };
        let key = self.resolve_key(caller, r, call).await?;
        let (scope, id) = (key.record.scope.clone(), key.record.key_id);
        let rec = self.record(&scope, &id).await?;
        refuse_pending_deletion(&rec)?;
        let written = self.store.remove_tags(&scope, &id, &tag_keys).await;
        self.cache.invalidate_key(&scope, &id);
        Ok(written?)
    }

    /// `ListResourceTags`.
    ///
    /// # Errors
    /// `NotFound`, `InvalidMarker`.
    pub async fn list_resource_tags(
        &self,
        caller: &Caller,
        key_id: &str,
        limit: Option<u32>,
        marker: Option<&str>,
    ) -> Result<TagPage, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::ListResourceTags).await?;
        self.record(&scope, &id).await?;
        let limit = marker::limit(limit, 50);
        let after = marker.map(|m| marker::decode("tags", m)).transpose()?;
        let mut tags = self.store.list_tags(&scope, &id, after.as_deref(), limit + 1).await?;
        let more = tags.len() > limit as usize;
        tags.truncate(limit as usize);
        let next_marker = more.then(|| tags.last().map(|t| marker::encode("tags", &t.key))).flatten();
        Ok(TagPage { tags, next_marker })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag { key: k.into(), value: v.into() }
    }

    fn refusal(tags: &[Tag]) -> TagRule {
        match check_tags(tags) {
            Err(KmsError::Tag(rule)) => rule,
            other => panic!("expected a TagException, got {other:?}"),
        }
    }

    #[test]
    fn tag_rules() {
        assert!(check_tags(&[tag("Project", "x-1 @home"), tag("env", "")]).is_ok());
        let fifty: Vec<Tag> = (0..MAX_TAGS_PER_KEY).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert!(check_tags(&fifty).is_ok());
        assert_eq!(refusal(&[tag("aws:x", "v")]), TagRule::Reserved);
        assert_eq!(refusal(&[tag("AWS:x", "v")]), TagRule::Reserved);
        assert_eq!(refusal(&[tag("k", "v"), tag("k", "w")]), TagRule::DuplicateKeys);
        let many: Vec<Tag> = (0..=MAX_TAGS_PER_KEY).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert_eq!(refusal(&many), TagRule::TooMany);
        assert_eq!(refusal(&[tag("k<", "v")]), TagRule::Key("k<".into()));
        assert_eq!(refusal(&[tag("k", "v>")]), TagRule::Value("k".into()));
    }
}
