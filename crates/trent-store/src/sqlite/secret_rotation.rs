//! The `rotation` column of `secrets` (both backends): a secret's [`RotationState`] as JSON
//! text. Storage's own shape, converted explicitly: the domain type is never serialised as is.

use serde_json::{Map, Value, json};
use trent_core::StoreError;
use trent_core::secrets::{PendingRotation, RotationRulesRecord, RotationState, RotationStep};
use trent_core::store::Fault;

use super::rows::{ts_from_db, ts_to_db};

/// A member of a secret's stored rotation document that is missing or does not decode.
fn corrupt(member: &'static str) -> StoreError {
    StoreError::corrupt("secrets.rotation", Fault::Missing(member))
}

fn step_from_db(v: &Value) -> Result<RotationStep, StoreError> {
    let s = v.as_str().ok_or_else(|| corrupt("step"))?;
    RotationStep::ALL.into_iter().find(|step| step.as_str() == s).ok_or_else(|| corrupt("step"))
}

fn opt_ts(t: Option<time::OffsetDateTime>) -> Result<Value, StoreError> {
    Ok(t.map(ts_to_db).transpose()?.map_or(Value::Null, Value::from))
}

fn get_opt_ts(m: &Map<String, Value>, key: &'static str) -> Result<Option<time::OffsetDateTime>, StoreError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => ts_from_db(v.as_i64().ok_or_else(|| corrupt(key))?).map(Some),
    }
}

fn get_opt_str(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The column's text for `r`.
pub(crate) fn to_db(r: &RotationState) -> Result<String, StoreError> {
    let rules = r.rules.as_ref().map(|rules| {
        json!({
            "after_days": rules.automatically_after_days,
            "schedule": rules.schedule_expression,
            "duration": rules.duration,
        })
    });
    let pending = match &r.pending {
        None => Value::Null,
        Some(p) => json!({
            "token": p.token,
            "next_step": p.next_step.as_str(),
            "started_at": ts_to_db(p.started_at)?,
            "failures": p.failures,
            "failed_step": p.failed_step.map(|s| s.as_str()),
            "retry_at": opt_ts(p.retry_at)?,
        }),
    };
    Ok(json!({
        "enabled": r.enabled,
        "lambda_arn": r.lambda_arn,
        "rules": rules,
        "configured_at": ts_to_db(r.configured_at)?,
        "last_rotated_at": opt_ts(r.last_rotated_at)?,
        "pending": pending,
    })
    .to_string())
}

/// The [`RotationState`] of the column's text.
pub(crate) fn from_db(text: &str) -> Result<RotationState, StoreError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| StoreError::corrupt_because("secrets.rotation", Fault::Undecodable, e))?;
    let m = v.as_object().ok_or_else(|| StoreError::corrupt("secrets.rotation", Fault::Undecodable))?;
    let rules = match m.get("rules") {
        None | Some(Value::Null) => None,
        Some(Value::Object(r)) => Some(RotationRulesRecord {
            automatically_after_days: r.get("after_days").and_then(Value::as_i64),
            schedule_expression: get_opt_str(r, "schedule"),
            duration: get_opt_str(r, "duration"),
        }),
        Some(_) => return Err(corrupt("rules")),
    };
    let pending = match m.get("pending") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => Some(PendingRotation {
            token: get_opt_str(p, "token").ok_or_else(|| corrupt("token"))?,
            next_step: step_from_db(p.get("next_step").unwrap_or(&Value::Null))?,
            started_at: get_opt_ts(p, "started_at")?.ok_or_else(|| corrupt("started_at"))?,
            failures: p.get("failures").and_then(Value::as_u64).and_then(|f| u32::try_from(f).ok()).unwrap_or(0),
            failed_step: match p.get("failed_step") {
                None | Some(Value::Null) => None,
                Some(s) => Some(step_from_db(s)?),
            },
            retry_at: get_opt_ts(p, "retry_at")?,
        }),
        Some(_) => return Err(corrupt("pending")),
    };
    Ok(RotationState {
        enabled: m.get("enabled").and_then(Value::as_bool).ok_or_else(|| corrupt("enabled"))?,
        lambda_arn: get_opt_str(m, "lambda_arn").ok_or_else(|| corrupt("lambda_arn"))?,
        rules,
        configured_at: get_opt_ts(m, "configured_at")?.ok_or_else(|| corrupt("configured_at"))?,
        last_rotated_at: get_opt_ts(m, "last_rotated_at")?,
        pending,
    })
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;

    #[test]
    fn a_rotation_state_survives_the_column() {
        let t = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let mut r = RotationState {
            enabled: true,
            lambda_arn: "arn:aws:lambda:us-east-1:111122223333:function:f".into(),
            rules: Some(RotationRulesRecord {
                automatically_after_days: None,
                schedule_expression: Some("cron(0 4 * * ? *)".into()),
                duration: Some("2h".into()),
            }),
            configured_at: t,
            last_rotated_at: None,
            pending: Some(PendingRotation {
                token: "0123456789abcdef0123456789abcdef".into(),
                next_step: RotationStep::TestSecret,
                started_at: t,
                failures: 2,
                failed_step: Some(RotationStep::SetSecret),
                retry_at: Some(t + time::Duration::days(1)),
            }),
        };
        assert_eq!(from_db(&to_db(&r).unwrap()).unwrap(), r);
        r.pending = None;
        r.rules = None;
        r.last_rotated_at = Some(t);
        assert_eq!(from_db(&to_db(&r).unwrap()).unwrap(), r);
        assert!(from_db("{}").is_err());
        assert!(from_db("nope").is_err());
    }
}
