//! Tags of roles: `TagRole`, `UntagRole`, `ListRoleTags`.
//!
//! IAM's tag rules: at most [`TAGS_PER_ROLE`] tags on a role, keys 1..=128 and values
//! 0..=256 characters of the model's pattern, keys unique regardless of case, no key starting
//! with `aws:`. A tag whose key a role has already (in any case) replaces it. A role's tags
//! are its sessions' `aws:PrincipalTag/*` (below their session tags), so a change drops the
//! role's cached sessions on every node ([`Identities::change_role`]). IAM policies of this
//! server see no `aws:ResourceTag/*` (users' tags are not resource tags here either): the
//! requests' own tags are `aws:RequestTag/*` and `aws:TagKeys`, as for `CreateRole`.

use super::users::{Page, max_items, with_request_tags};
use super::{Caller, IamTag, Identities, IdentityError, Quota, validate};

/// IAM's quota of tags per role.
pub const TAGS_PER_ROLE: usize = 50;

/// `tags` with `new` merged in: a tag of the same key (regardless of case) replaced, in its
/// place and with the new spelling, others appended in order.
fn merged(mut tags: Vec<IamTag>, new: &[IamTag]) -> Vec<IamTag> {
    for tag in new {
        match tags.iter_mut().find(|t| t.key.eq_ignore_ascii_case(&tag.key)) {
            Some(existing) => *existing = tag.clone(),
            None => tags.push(tag.clone()),
        }
    }
    tags
}

impl Identities {
    /// `TagRole`: adds `tags` to the role, replacing those of the same keys.
    ///
    /// # Errors
    /// `ValidationError`, `InvalidInput` (a repeated or reserved key), `AccessDenied`,
    /// `NoSuchEntity`, `LimitExceeded` (more than [`TAGS_PER_ROLE`] tags),
    /// `ConcurrentModification`.
    pub async fn tag_role(&self, caller: &Caller, name: &str, tags: Vec<IamTag>) -> Result<(), IdentityError> {
        validate::tags(&tags)?;
        let context = with_request_tags(caller.condition_context(self.clock.now()), &tags);
        let role = self.authorized_role_with(caller, name, "iam:TagRole", &context).await?;
        self.change_role(caller, role, |r| {
            let all = merged(std::mem::take(&mut r.tags), &tags);
            if all.len() > TAGS_PER_ROLE {
                return Err(IdentityError::LimitExceeded(Quota::TagsPerRole));
            }
            r.tags = all;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `UntagRole`: removes the tags of `keys` (regardless of case); a key the role has no tag
    /// of is not an error.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`, `ConcurrentModification`.
    pub async fn untag_role(&self, caller: &Caller, name: &str, keys: Vec<String>) -> Result<(), IdentityError> {
        validate::tag_keys(&keys)?;
        let mut context = caller.condition_context(self.clock.now());
        if !keys.is_empty() {
            context.insert_all("aws:TagKeys", keys.iter().cloned());
        }
        let role = self.authorized_role_with(caller, name, "iam:UntagRole", &context).await?;
        self.change_role(caller, role, |r| {
            r.tags.retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `ListRoleTags`: the role's tags ordered by key (regardless of case); the marker is the
    /// last key of the previous page.
    ///
    /// # Errors
    /// `ValidationError`, `AccessDenied`, `NoSuchEntity`.
    pub async fn list_role_tags(
        &self,
        caller: &Caller,
        name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<Page<IamTag>, IdentityError> {
        let limit = max_items(max)?;
        let role = self.authorized_role(caller, name, "iam:ListRoleTags").await?;
        let after = marker.map(str::to_lowercase);
        let mut tags: Vec<(String, IamTag)> = role
            .tags
            .into_iter()
            .map(|t| (t.key.to_lowercase(), t))
            .filter(|(k, _)| after.as_ref().is_none_or(|m| k > m))
            .collect();
        tags.sort_by(|a, b| a.0.cmp(&b.0));
        let tags: Vec<IamTag> = tags.into_iter().map(|(_, t)| t).take(limit as usize + 1).collect();
        Ok(Page::first(tags, limit, |t| t.key.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> IamTag {
        IamTag { key: key.into(), value: value.into() }
    }

    #[test]
    fn a_merged_tag_replaces_the_same_key_in_any_case_in_its_place() {
        let old = vec![tag("team", "core"), tag("env", "dev")];
        let new = [tag("ENV", "prod"), tag("owner", "ops")];
        assert_eq!(merged(old, &new), [tag("team", "core"), tag("ENV", "prod"), tag("owner", "ops")]);
    }
}
