//! IAM's XML shapes (`User`, `Role`, `Group`, `AccessKeyMetadata`, `Tag`), its timestamp
//! format, and the request members several actions share (`Tags`, `Marker`/`MaxItems`).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use trent_core::identity::Group;
use trent_core::identity::{AccessKeyMetadata, IamTag, Page, Role, User};

use crate::AwsError;
use crate::query::{Params, Xml, url_encode};

/// ISO 8601 in UTC with second precision (`2024-05-06T07:08:09Z`), as IAM and STS write
/// dates.
pub(crate) fn date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The `Tags` member (`Tags.member.N.Key` / `.Value`).
///
/// # Errors
/// `ValidationError` for a tag without a key, `MalformedQueryString` for a bad index.
pub(crate) fn tags(params: &Params) -> Result<Vec<IamTag>, AwsError> {
    params
        .structs("Tags")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let key = t.get("Key").ok_or_else(|| crate::query::missing(&format!("tags.{}.member.key", i + 1)))?;
            Ok(IamTag { key: (*key).to_owned(), value: t.get("Value").copied().unwrap_or("").to_owned() })
        })
        .collect()
}

/// `Marker` and `MaxItems`.
///
/// # Errors
/// `ValidationError` for a `MaxItems` that is not an integer.
pub(crate) fn paging(params: &Params) -> Result<(Option<&str>, Option<i64>), AwsError> {
    Ok((params.get("Marker"), params.int("MaxItems", "maxItems")?))
}

/// `<IsTruncated>` and, when truncated, `<Marker>`.
pub(crate) fn page_end<T>(x: &mut Xml, page: &Page<T>) {
    x.element("IsTruncated", if page.marker.is_some() { "true" } else { "false" })
        .optional("Marker", page.marker.as_deref());
}

/// `<Tags>` with one member per tag, even when there is none (`ListRoleTags` requires it).
pub(crate) fn tag_members(x: &mut Xml, tags: &[IamTag]) {
    x.list("Tags", tags, |x, t| {
        x.element("Key", &t.key).element("Value", &t.value);
    });
}

/// `<Tags>` when there are tags (`User` and `Role` leave it out otherwise).
fn tag_list(x: &mut Xml, tags: &[IamTag]) {
    if !tags.is_empty() {
        tag_members(x, tags);
    }
}

/// The members of a `User`; `with_tags` for `GetUser`/`CreateUser` (listings leave tags out).
pub(crate) fn user(x: &mut Xml, u: &User, partition: &str, with_tags: bool) {
    x.element("Path", &u.path)
        .element("UserName", &u.name)
        .element("UserId", &u.user_id)
        .element("Arn", &u.arn(partition))
        .element("CreateDate", &date(u.created_at));
    if with_tags {
        tag_list(x, &u.tags);
    }
}

/// The members of a `Role`; the trust policy URL-encoded as IAM returns it; `with_tags` but
/// for `ListRoles` (listings leave tags out).
pub(crate) fn role(x: &mut Xml, r: &Role, partition: &str, with_tags: bool) {
    x.element("Path", &r.path)
        .element("RoleName", &r.name)
        .element("RoleId", &r.role_id)
        .element("Arn", &r.arn(partition))
        .element("CreateDate", &date(r.created_at))
        .element("AssumeRolePolicyDocument", &url_encode(&r.trust_policy))
        .optional("Description", r.description.as_deref())
        .element("MaxSessionDuration", &r.max_session_duration.to_string());
    if with_tags {
        tag_list(x, &r.tags);
    }
}

/// The members of a `Group`.
pub(crate) fn group(x: &mut Xml, g: &Group, partition: &str) {
    x.element("Path", &g.path)
        .element("GroupName", &g.name)
        .element("GroupId", &g.group_id)
        .element("Arn", &g.arn(partition))
        .element("CreateDate", &date(g.created_at));
}

/// The members of an `AccessKeyMetadata`; a root key's `UserName` is the account id.
pub(crate) fn access_key_metadata(x: &mut Xml, k: &AccessKeyMetadata, account: &str) {
    x.element("UserName", k.user_name.as_deref().unwrap_or(account))
        .element("AccessKeyId", &k.access_key_id)
        .element("Status", k.status.as_str())
        .element("CreateDate", &date(k.created_at));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_8601_seconds_in_utc() {
        let t = time::macros::datetime!(2024-05-06 07:08:09.987 +02:00);
        assert_eq!(date(t), "2024-05-06T05:08:09Z");
    }

    #[test]
    fn tags_come_from_flattened_members() {
        let p = Params::parse(b"Tags.member.1.Key=team&Tags.member.1.Value=core&Tags.member.2.Key=solo").unwrap();
        let t = tags(&p).unwrap();
        assert_eq!(
            (t[0].key.as_str(), t[0].value.as_str(), t[1].key.as_str(), t[1].value.as_str()),
            ("team", "core", "solo", "")
        );
        let p = Params::parse(b"Tags.member.1.Value=orphan").unwrap();
        assert_eq!(tags(&p).unwrap_err().code, "ValidationError");
    }
}
