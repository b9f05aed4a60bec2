//! Tags of parameters: `AddTagsToResource`, `RemoveTagsFromResource`, `ListTagsForResource`
//! with `ResourceType` `Parameter` (the other resource types of Systems Manager are not
//! served: `InvalidResourceType`).

use super::model::ParamTag;
use super::names::{own_name, parameter_arn};
use super::put::check_tags;
use super::{MAX_TAGS, Params, ParamsError};
use crate::identity::Caller;
use crate::ids::Scope;

/// The one resource type served.
const PARAMETER: &str = "Parameter";

impl Params {
    /// The stored parameter a tagging call addresses, after authorizing `action` on it.
    async fn tagged(
        &self,
        caller: &Caller,
        action: &'static str,
        kind: &str,
        id: &str,
    ) -> Result<(Scope, String), ParamsError> {
        if kind != PARAMETER {
            return Err(ParamsError::InvalidResourceType);
        }
        let scope = caller.scope();
        let name = own_name(&scope, id).ok_or(ParamsError::InvalidResourceId)?.to_owned();
        self.authorize(caller, action, &parameter_arn(&scope, &name))?;
        if self.store.latest(&scope, &name).await?.is_none() {
            return Err(ParamsError::InvalidResourceId);
        }
        Ok((scope, name))
    }

    /// `AddTagsToResource`.
    ///
    /// # Errors
    /// `InvalidResourceType`, `InvalidResourceId`, `TooManyTags`, `ReservedTagKey`,
    /// `AccessDenied`.
    pub async fn add_tags(&self, caller: &Caller, kind: &str, id: &str, tags: &[ParamTag]) -> Result<(), ParamsError> {
        let (scope, name) = self.tagged(caller, "ssm:AddTagsToResource", kind, id).await?;
        check_tags(tags)?;
        let existing = self.store.param_tags(&scope, &name).await?;
        let mut keys: Vec<&str> = existing.iter().map(|t| t.key.as_str()).collect();
        for t in tags {
            if !keys.contains(&t.key.as_str()) {
                keys.push(&t.key);
            }
        }
        if keys.len() > MAX_TAGS {
            return Err(ParamsError::TooManyTags);
        }
        Ok(self.store.put_param_tags(&scope, &name, tags).await?)
    }

    /// `RemoveTagsFromResource`.
    ///
    /// # Errors
    /// `InvalidResourceType`, `InvalidResourceId`, `AccessDenied`.
    pub async fn remove_tags(&self, caller: &Caller, kind: &str, id: &str, keys: &[String]) -> Result<(), ParamsError> {
        let (scope, name) = self.tagged(caller, "ssm:RemoveTagsFromResource", kind, id).await?;
        Ok(self.store.remove_param_tags(&scope, &name, keys).await?)
    }

    /// `ListTagsForResource`.
    ///
    /// # Errors
    /// `InvalidResourceType`, `InvalidResourceId`, `AccessDenied`.
    pub async fn list_tags(&self, caller: &Caller, kind: &str, id: &str) -> Result<Vec<ParamTag>, ParamsError> {
        let (scope, name) = self.tagged(caller, "ssm:ListTagsForResource", kind, id).await?;
        Ok(self.store.param_tags(&scope, &name).await?)
    }
}
