//! What the `Put/Get/Delete/List{User,Group,Role}Policy` actions share: reading the owner
//! and policy members, and writing the answers. Each action's own file names its owner kind.

use trent_core::identity::PolicyOwner;
use trent_core::{Caller, Identities};

use super::errors::to_aws_error;
use super::shapes::{page_end, paging};
use crate::AwsError;
use crate::query::{Params, Xml, url_encode};

/// The owner member (`UserName`, `GroupName`, `RoleName`) and its camel-case name.
pub(crate) fn owner(params: &Params, kind: fn(String) -> PolicyOwner, member: &str) -> Result<PolicyOwner, AwsError> {
    let name = params.required(member, &camel(member))?;
    Ok(kind(name.to_owned()))
}

fn camel(member: &str) -> String {
    let mut c = member.chars();
    c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
}

/// `Put*Policy`.
pub(crate) async fn put(
    ids: &Identities,
    caller: &Caller,
    params: &Params,
    owner: PolicyOwner,
) -> Result<Option<Xml>, AwsError> {
    let name = params.required("PolicyName", "policyName")?;
    let document = params.required("PolicyDocument", "policyDocument")?;
    ids.put_inline_policy(caller, owner, name, document).await.map_err(to_aws_error)?;
    Ok(None)
}

/// `Get*Policy`: the owner's name member, the policy name and the URL-encoded document.
pub(crate) async fn get(
    ids: &Identities,
    caller: &Caller,
    params: &Params,
    owner: PolicyOwner,
    member: &str,
) -> Result<Option<Xml>, AwsError> {
    let name = params.required("PolicyName", "policyName")?;
    let policy = ids.get_inline_policy(caller, owner, name).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    x.element(member, policy.owner.name())
        .element("PolicyName", &policy.name)
        .element("PolicyDocument", &url_encode(&policy.document));
    Ok(Some(x))
}

/// `Delete*Policy`.
pub(crate) async fn delete(
    ids: &Identities,
    caller: &Caller,
    params: &Params,
    owner: PolicyOwner,
) -> Result<Option<Xml>, AwsError> {
    let name = params.required("PolicyName", "policyName")?;
    ids.delete_inline_policy(caller, owner, name).await.map_err(to_aws_error)?;
    Ok(None)
}

/// `List*Policies`: `PolicyNames`, `IsTruncated`, `Marker`.
pub(crate) async fn list(
    ids: &Identities,
    caller: &Caller,
    params: &Params,
    owner: PolicyOwner,
) -> Result<Option<Xml>, AwsError> {
    let (marker, max) = paging(params)?;
    let page = ids.list_inline_policies(caller, owner, marker, max).await.map_err(to_aws_error)?;
    let mut x = Xml::new();
    x.list("PolicyNames", &page.items, |x, n| {
        x.text(n);
    });
    page_end(&mut x, &page);
    Ok(Some(x))
}

#[cfg(test)]
mod tests {
    #[test]
    fn member_names_are_camel_case() {
        assert_eq!(super::camel("UserName"), "userName");
        assert_eq!(super::camel(""), "");
    }
}
