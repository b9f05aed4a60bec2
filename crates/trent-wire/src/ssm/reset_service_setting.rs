//! `ResetServiceSetting`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ResetServiceSetting.html>
//! (Parameter Store's default tier only).

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::{SETTING_ID, SettingShape};
use crate::AwsError;
use crate::json::Violations;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    setting_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    service_setting: SettingShape,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("settingId", req.setting_id, SETTING_ID);
    v.finish()?;
    let setting = s.params.reset_service_setting(caller, &id).await?;
    Ok(Response { service_setting: setting.into() })
}
