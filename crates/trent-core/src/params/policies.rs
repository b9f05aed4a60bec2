//! Parameter policies (Advanced tier only): `Expiration` deletes the parameter at a
//! timestamp, `ExpirationNotification` announces that deletion `Before` N `Days`/`Hours`,
//! `NoChangeNotification` announces a parameter left unchanged `After` N `Days`/`Hours`.
//! See <https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-policies.html>.
//!
//! This module parses and validates the `Policies` JSON of `PutParameter` and says when each
//! policy falls due; [`Params::run_due_policies`](super::Params::run_due_policies) acts on
//! them. It knows no wire shape: a policy is kept as the JSON text the caller gave, its type
//! and its status.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::ParamsError;
use crate::enums::string_enum;

/// Most policies on one parameter (`PoliciesLimitExceededException`).
pub const MAX_POLICIES: usize = 10;
/// The only policy `Version` AWS defines.
const POLICY_VERSION: &str = "1.0";
/// Longest `Before`/`After` accepted, in hours (100 years): a bound that keeps every due
/// instant representable.
const MAX_HOURS: i64 = 100 * 366 * 24;

string_enum!(
    /// A parameter policy's `Type`.
    PolicyType {
        /// Deletes the parameter at `Timestamp`.
        Expiration = "Expiration",
        /// Announces the expiration `Before` N units.
        ExpirationNotification = "ExpirationNotification",
        /// Announces that the parameter was left unchanged `After` N units.
        NoChangeNotification = "NoChangeNotification",
    }
);

string_enum!(
    /// Where a policy stands (`PolicyStatus` of `ParameterInlinePolicy`).
    PolicyStatus {
        /// Not applied yet.
        Pending = "Pending",
        /// Applied.
        Finished = "Finished",
        /// Could not be applied.
        Failed = "Failed",
        /// Being applied.
        InProgress = "InProgress",
    }
);

/// One policy of a parameter, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterPolicy {
    /// Its type.
    pub kind: PolicyType,
    /// The policy's JSON object, compact, as `DescribeParameters` shows it (`PolicyText`).
    pub text: String,
    /// Whether it was applied.
    pub status: PolicyStatus,
}

/// What a policy does, parsed from its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Expiration(OffsetDateTime),
    ExpirationNotification(Duration),
    NoChangeNotification(Duration),
}

/// Which of AWS's rules a policy broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyProblem {
    /// `Policies` is not a JSON array of objects.
    NotAnArray,
    /// A policy's `Version` is not `1.0`.
    BadVersion,
    /// A policy has no `Attributes` object.
    NoAttributes,
    /// An `Expiration` `Timestamp` that is neither ISO_INSTANT nor ISO_OFFSET_DATE_TIME.
    BadTimestamp,
    /// An `Expiration` `Timestamp` not in the future.
    TimestampPast,
    /// `Before` or `After` not a positive whole number (or too large).
    BadPeriod(&'static str),
    /// `Unit` other than `Days` or `Hours`.
    BadUnit,
    /// Two policies of one type.
    Duplicate(PolicyType),
    /// An `ExpirationNotification` without an `Expiration`.
    NotificationWithoutExpiration,
}

fn invalid(problem: PolicyProblem) -> ParamsError {
    ParamsError::InvalidPolicyAttribute { problem }
}

/// A `Before`/`After` attribute with its `Unit`.
fn period(attrs: &serde_json::Map<String, Value>, key: &'static str) -> Result<Duration, ParamsError> {
    let n = match attrs.get(key) {
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    let n = n.filter(|n| *n > 0).ok_or_else(|| invalid(PolicyProblem::BadPeriod(key)))?;
    let hours = match attrs.get("Unit").and_then(Value::as_str) {
        Some("Days") => n.checked_mul(24),
        Some("Hours") => Some(n),
        _ => return Err(invalid(PolicyProblem::BadUnit)),
    };
    hours.filter(|h| *h <= MAX_HOURS).map(Duration::hours).ok_or_else(|| invalid(PolicyProblem::BadPeriod(key)))
}

fn rule(kind: PolicyType, attrs: &serde_json::Map<String, Value>) -> Result<Rule, ParamsError> {
    Ok(match kind {
        PolicyType::Expiration => {
            let ts = attrs
                .get("Timestamp")
                .and_then(Value::as_str)
                .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
                .ok_or_else(|| invalid(PolicyProblem::BadTimestamp))?;
            Rule::Expiration(ts)
        }
        PolicyType::ExpirationNotification => Rule::ExpirationNotification(period(attrs, "Before")?),
        PolicyType::NoChangeNotification => Rule::NoChangeNotification(period(attrs, "After")?),
    })
}

/// Parses one policy object: its type and what it does.
fn parse_one(value: &Value) -> Result<(PolicyType, Rule), ParamsError> {
    let obj = value.as_object().ok_or_else(|| invalid(PolicyProblem::NotAnArray))?;
    let ty = obj.get("Type").and_then(Value::as_str).unwrap_or_default();
    let kind = PolicyType::parse(ty).ok_or(ParamsError::InvalidPolicyType)?;
    if obj.get("Version").and_then(Value::as_str) != Some(POLICY_VERSION) {
        return Err(invalid(PolicyProblem::BadVersion));
    }
    let attrs = obj.get("Attributes").and_then(Value::as_object).ok_or_else(|| invalid(PolicyProblem::NoAttributes))?;
    Ok((kind, rule(kind, attrs)?))
}

impl ParameterPolicy {
    fn rule(&self) -> Option<Rule> {
        serde_json::from_str::<Value>(&self.text).ok().and_then(|v| parse_one(&v).ok()).map(|(_, r)| r)
    }
}

/// Parses and checks the `Policies` of `PutParameter`: a JSON array of at most
/// [`MAX_POLICIES`] policies, at most one of each type, an `Expiration` in the future, an
/// `ExpirationNotification` only beside an `Expiration`. `[]` removes every policy.
///
/// # Errors
/// `InvalidPolicyType`, `InvalidPolicyAttribute`, `PoliciesLimitExceeded`.
pub fn parse_policies(json: &str, now: OffsetDateTime) -> Result<Vec<ParameterPolicy>, ParamsError> {
    let value: Value = serde_json::from_str(json).map_err(|_| invalid(PolicyProblem::NotAnArray))?;
    let items = match value {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => return Err(invalid(PolicyProblem::NotAnArray)),
    };
    if items.len() > MAX_POLICIES {
        return Err(ParamsError::PoliciesLimitExceeded);
    }
    let mut out: Vec<ParameterPolicy> = Vec::with_capacity(items.len());
    let mut expiration = None;
    for item in &items {
        let (kind, rule) = parse_one(item)?;
        if out.iter().any(|p| p.kind == kind) {
            return Err(invalid(PolicyProblem::Duplicate(kind)));
        }
        if let Rule::Expiration(at) = rule {
            if at <= now {
                return Err(invalid(PolicyProblem::TimestampPast));
            }
            expiration = Some(at);
        }
        let text = serde_json::to_string(item).map_err(|_| invalid(PolicyProblem::NotAnArray))?;
        out.push(ParameterPolicy { kind, text, status: PolicyStatus::Pending });
    }
    if expiration.is_none() && out.iter().any(|p| p.kind == PolicyType::ExpirationNotification) {
        return Err(invalid(PolicyProblem::NotificationWithoutExpiration));
    }
    Ok(out)
}

/// When `policy` of a parameter holding `all` and last changed at `modified_at` falls due;
/// `None` once applied, or for a notification of no expiration.
pub fn due_at(
    policy: &ParameterPolicy,
    all: &[ParameterPolicy],
    modified_at: OffsetDateTime,
) -> Option<OffsetDateTime> {
    if policy.status != PolicyStatus::Pending {
        return None;
    }
    let expiration = || {
        all.iter().find_map(|p| match p.rule() {
            Some(Rule::Expiration(at)) => Some(at),
            _ => None,
        })
    };
    match policy.rule()? {
        Rule::Expiration(at) => Some(at),
        Rule::ExpirationNotification(before) => expiration().and_then(|at| at.checked_sub(before)),
        Rule::NoChangeNotification(after) => modified_at.checked_add(after),
    }
}

/// The earliest instant one of `policies` falls due, for the scheduler's index.
pub fn next_due(policies: &[ParameterPolicy], modified_at: OffsetDateTime) -> Option<OffsetDateTime> {
    policies.iter().filter_map(|p| due_at(p, policies, modified_at)).min()
}

/// The policies a new version carries: the ones given, or the previous version's with the
/// `NoChangeNotification` pending again (the parameter just changed). The expiration stays
/// where it was: updating a parameter does not move it.
pub(crate) fn carried(given: Option<Vec<ParameterPolicy>>, prev: &[ParameterPolicy]) -> Vec<ParameterPolicy> {
    given.unwrap_or_else(|| {
        prev.iter()
            .cloned()
            .map(|mut p| {
                if p.kind == PolicyType::NoChangeNotification {
                    p.status = PolicyStatus::Pending;
                }
                p
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
    }

    #[test]
    fn aws_examples_parse_and_fall_due() {
        let json = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-12-02T21:34:33.000Z"}},
            {"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Days"}},
            {"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"20","Unit":"Hours"}}]"#;
        let p = parse_policies(json, now()).unwrap();
        assert_eq!(p.iter().map(|p| p.kind).collect::<Vec<_>>(), PolicyType::ALL);
        let exp = OffsetDateTime::parse("2030-12-02T21:34:33Z", &Rfc3339).unwrap();
        assert_eq!(due_at(&p[0], &p, now()), Some(exp));
        assert_eq!(due_at(&p[1], &p, now()), Some(exp - Duration::days(15)));
        assert_eq!(due_at(&p[2], &p, now()), Some(now() + Duration::hours(20)));
        assert_eq!(next_due(&p, now()), Some(now() + Duration::hours(20)));
        let offset =
            r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-11-01T22:13:48.87+10:30"}}]"#;
        assert!(parse_policies(offset, now()).is_ok(), "ISO_OFFSET_DATE_TIME is accepted");
        assert!(parse_policies("[]", now()).unwrap().is_empty());
    }

    #[test]
    fn bad_policies_are_refused() {
        let cases = [
            (r#"[{"Type":"Rotate","Version":"1.0","Attributes":{}}]"#, "type"),
            (r#"[{"Type":"Expiration","Version":"2.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}]"#, "attr"),
            (r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2001-01-01T00:00:00Z"}}]"#, "attr"),
            (r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"tomorrow"}}]"#, "attr"),
            (r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"0","Unit":"Days"}}]"#, "attr"),
            (r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"3","Unit":"Weeks"}}]"#, "attr"),
            (
                r#"[{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"3","Unit":"Days"}}]"#,
                "attr",
            ),
            ("not json", "attr"),
            ("42", "attr"),
        ];
        for (json, want) in cases {
            let got = parse_policies(json, now());
            let ok = match want {
                "type" => matches!(got, Err(ParamsError::InvalidPolicyType)),
                _ => matches!(got, Err(ParamsError::InvalidPolicyAttribute { .. })),
            };
            assert!(ok, "{json}: {got:?}");
        }
        let one = r#"{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Days"}}"#;
        let eleven = format!("[{}]", [one; 11].join(","));
        assert!(matches!(parse_policies(&eleven, now()), Err(ParamsError::PoliciesLimitExceeded)));
        let twice = format!("[{one},{one}]");
        assert!(matches!(parse_policies(&twice, now()), Err(ParamsError::InvalidPolicyAttribute { .. })));
    }

    #[test]
    fn an_update_keeps_the_expiration_and_restarts_no_change() {
        let json = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-12-02T21:34:33Z"}},
            {"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Days"}}]"#;
        let mut p = parse_policies(json, now()).unwrap();
        p[1].status = PolicyStatus::Finished;
        let kept = carried(None, &p);
        assert_eq!(kept[0], p[0]);
        assert_eq!(kept[1].status, PolicyStatus::Pending);
        assert!(carried(Some(Vec::new()), &p).is_empty());
    }
}
