//! `UpdateServiceSetting`: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_UpdateServiceSetting.html>
//! (Parameter Store's default tier only).

use serde::{Deserialize, Serialize};
use trent_core::Caller;

use super::Services;
use super::shapes::SETTING_ID;
use crate::AwsError;
use crate::json::{Text, Violations};

/// `ServiceSettingValue`.
const SETTING_VALUE: Text = Text::new(1, 4096);

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    setting_id: Option<String>,
    setting_value: Option<String>,
}

pub(crate) async fn handle(s: Services<'_>, caller: &Caller, req: Request) -> Result<serde_json::Value, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("settingId", req.setting_id, SETTING_ID);
    let value = v.required_text("settingValue", req.setting_value, SETTING_VALUE);
    v.finish()?;
    s.params.update_service_setting(caller, &id, &value).await?;
    Ok(serde_json::json!({}))
}
