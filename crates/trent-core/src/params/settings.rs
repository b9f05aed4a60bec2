//! Parameter Store's service setting: the default tier of new parameters
//! (`/ssm/parameter-store/default-parameter-tier`), read with `GetServiceSetting`, changed
//! with `UpdateServiceSetting` and put back with `ResetServiceSetting`.

use time::OffsetDateTime;

use super::model::{StoredSetting, Tier};
use super::{Params, ParamsError};
use crate::identity::Caller;
use crate::ids::Scope;

/// The id of the default-tier setting.
pub const DEFAULT_TIER_SETTING: &str = "/ssm/parameter-store/default-parameter-tier";

/// Who "changed" a setting nobody changed.
const SYSTEM: &str = "System";

/// A service setting as `GetServiceSetting` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSetting {
    /// The setting's id.
    pub id: String,
    /// Its value.
    pub value: String,
    /// When the account changed it (`None` for a default).
    pub modified_at: Option<OffsetDateTime>,
    /// Who changed it (`System` for a default).
    pub modified_by: String,
    /// The setting's ARN.
    pub arn: String,
    /// `Default` or `Customized`.
    pub status: &'static str,
}

/// The setting's id from an id or an ARN of the caller's scope.
fn setting_id(scope: &Scope, given: &str) -> Result<&'static str, ParamsError> {
    let bare = match given.strip_prefix(&scope.arn("ssm", "servicesetting")) {
        Some(rest) => rest,
        None => given,
    };
    if bare == DEFAULT_TIER_SETTING {
        Ok(DEFAULT_TIER_SETTING)
    } else {
        Err(ParamsError::SettingNotFound { id: given.to_owned() })
    }
}

fn setting_arn(scope: &Scope, id: &str) -> String {
    scope.arn("ssm", &format!("servicesetting{id}"))
}

impl Params {
    /// The tier a parameter gets when its request names none.
    pub(crate) async fn default_tier(&self, scope: &Scope) -> Result<Tier, ParamsError> {
        let stored = self.store.setting(scope, DEFAULT_TIER_SETTING).await?;
        Ok(stored.and_then(|s| Tier::parse(&s.value)).unwrap_or(Tier::Standard))
    }

    async fn read_setting(&self, scope: &Scope, id: &'static str) -> Result<ServiceSetting, ParamsError> {
        let arn = setting_arn(scope, id);
        Ok(match self.store.setting(scope, id).await? {
            Some(s) => ServiceSetting {
                id: id.to_owned(),
                value: s.value,
                modified_at: Some(s.modified_at),
                modified_by: s.modified_by,
                arn,
                status: "Customized",
            },
            None => ServiceSetting {
                id: id.to_owned(),
                value: Tier::Standard.as_str().to_owned(),
                modified_at: None,
                modified_by: SYSTEM.to_owned(),
                arn,
                status: "Default",
            },
        })
    }

    /// `GetServiceSetting`.
    ///
    /// # Errors
    /// `SettingNotFound` for any other setting, `AccessDenied`, storage errors.
    pub async fn get_service_setting(&self, caller: &Caller, id: &str) -> Result<ServiceSetting, ParamsError> {
        let scope = caller.scope();
        let id = setting_id(&scope, id)?;
        self.authorize(caller, "ssm:GetServiceSetting", &setting_arn(&scope, id))?;
        self.read_setting(&scope, id).await
    }

    /// `UpdateServiceSetting`: `Standard`, `Advanced` or `Intelligent-Tiering`.
    ///
    /// # Errors
    /// `SettingNotFound`, `InvalidSettingValue`, `AccessDenied`, storage errors.
    pub async fn update_service_setting(&self, caller: &Caller, id: &str, value: &str) -> Result<(), ParamsError> {
        let scope = caller.scope();
        let id = setting_id(&scope, id)?;
        self.authorize(caller, "ssm:UpdateServiceSetting", &setting_arn(&scope, id))?;
        let tier = Tier::parse(value).ok_or_else(|| ParamsError::InvalidSettingValue { value: value.to_owned() })?;
        let setting = StoredSetting {
            id: id.to_owned(),
            value: tier.as_str().to_owned(),
            modified_at: self.clock.now(),
            modified_by: caller.arn(),
        };
        Ok(self.store.put_setting(&scope, &setting).await?)
    }

    /// `ResetServiceSetting`: back to `Standard`; returns the setting as it now is.
    ///
    /// # Errors
    /// `SettingNotFound`, `AccessDenied`, storage errors.
    pub async fn reset_service_setting(&self, caller: &Caller, id: &str) -> Result<ServiceSetting, ParamsError> {
        let scope = caller.scope();
        let id = setting_id(&scope, id)?;
        self.authorize(caller, "ssm:ResetServiceSetting", &setting_arn(&scope, id))?;
        self.store.delete_setting(&scope, id).await?;
        self.read_setting(&scope, id).await
    }
}
