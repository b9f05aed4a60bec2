//! Turning a request or an answer into CloudTrail's `requestParameters` / `responseElements`:
//! secret members dropped, member names in lowerCamelCase, timestamps as CloudTrail dates.
//!
//! The filter is a `serde` visitor, so it runs in the same pass as JSON parsing: given the raw
//! body ([`filter_json`]) a dropped member is skipped by the parser and never copied anywhere,
//! and given an already parsed [`Value`] ([`filter_value`]) the same code applies. Which
//! members are secret is the service's [`ServiceRules`] table.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::rules::{KMS, ResponseRule, ServiceRules};

/// `requestParameters` of a KMS call from its (already parsed) request body.
pub fn kms_request_parameters(operation: &str, request_body: &Value) -> Option<Value> {
    request_parameters(&KMS, operation, Some(filter_value(&KMS, request_body)))
}

/// `responseElements` of a KMS call from its (already parsed) answer: null for every
/// operation that returns plaintext, ciphertext or key material.
pub fn kms_response_elements(operation: &str, response_body: &Value) -> Option<Value> {
    response_elements(&KMS, operation, Some(filter_value(&KMS, response_body)))
}

/// Applies the operation's request rule to a filtered body: `None` when the operation's
/// parameters are not recorded or nothing remains.
pub fn request_parameters(rules: &ServiceRules, operation: &str, filtered: Option<Value>) -> Option<Value> {
    let rule = rules.operation(operation);
    if !rule.record_request {
        return None;
    }
    let mut object = match filtered {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    for (member, default) in rule.request_defaults {
        object.entry(lower_camel(member)).or_insert_with(|| Value::String((*default).to_owned()));
    }
    (!object.is_empty()).then_some(Value::Object(object))
}

/// Applies the operation's response rule to a filtered answer.
pub fn response_elements(rules: &ServiceRules, operation: &str, filtered: Option<Value>) -> Option<Value> {
    match rules.operation(operation).response {
        ResponseRule::Null => None,
        ResponseRule::Record => filtered.filter(|v| v.as_object().is_some_and(|o| !o.is_empty())),
    }
}

/// Parses a JSON body, dropping secret members as it goes; `None` if it is not JSON.
pub fn filter_json(rules: &ServiceRules, body: &[u8]) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = Filter { rules, keys: Keys::Members }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(value)
}

/// Copies a parsed body without its secret members.
pub fn filter_value(rules: &ServiceRules, body: &Value) -> Value {
    Filter { rules, keys: Keys::Members }.deserialize(body).unwrap_or(Value::Null)
}

/// [`filter_value`] on a value the caller gives up: members are moved, not copied, and null
/// members (absent optional fields of a typed request) are dropped.
pub fn filter_owned(rules: &ServiceRules, body: Value) -> Value {
    scrub(rules, body, Keys::Members)
}

fn scrub(rules: &ServiceRules, value: Value, keys: Keys) -> Value {
    match value {
        Value::Object(members) => {
            let mut out = Map::new();
            for (key, v) in members {
                if let Keys::UserData = keys {
                    out.insert(key, scrub(rules, v, Keys::Members));
                    continue;
                }
                if v.is_null() || rules.is_secret(&key) {
                    continue;
                }
                let inner = if rules.map_members.contains(&key.as_str()) { Keys::UserData } else { Keys::Members };
                let mut v = scrub(rules, v, inner);
                if rules.date_members.contains(&key.as_str())
                    && let Some(date) = v.as_f64().and_then(cloudtrail_date)
                {
                    v = Value::String(date);
                }
                out.insert(lower_camel(&key), v);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| scrub(rules, v, Keys::Members)).collect()),
        other => other,
    }
}

/// CloudTrail's member naming, as Java's `Introspector.decapitalize`: the first letter lower
/// case, unless the name starts with two capitals (`KeyId` → `keyId`, `AWSAccountId` stays).
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_uppercase() => name.to_owned(),
        // ASCII, as member names are: one byte lower-cased, the rest copied.
        (Some(a), _) if a.is_ascii() => {
            let mut out = String::with_capacity(name.len());
            out.push(a.to_ascii_lowercase());
            out.push_str(&name[1..]);
            out
        }
        (Some(a), _) => a.to_lowercase().chain(name[a.len_utf8()..].chars()).collect(),
        (None, _) => String::new(),
    }
}

/// CloudTrail's rendering of timestamps in parameters: `Aug 10, 2022, 10:38:27 PM` (UTC).
pub fn cloudtrail_date(epoch_seconds: f64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(epoch_seconds.floor() as i64).ok()?;
    t.format(time::macros::format_description!(
        "[month repr:short] [day padding:none], [year], [hour repr:12 padding:none]:[minute]:[second] [period]"
    ))
    .ok()
}

#[derive(Clone, Copy)]
enum Keys {
    /// Keys are member names: drop secrets, rename, render dates.
    Members,
    /// Keys are user data (an encryption context): kept verbatim.
    UserData,
}

struct Filter<'r> {
    rules: &'r ServiceRules,
    keys: Keys,
}

impl<'de> DeserializeSeed<'de> for Filter<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Filter<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Filter { rules: self.rules, keys: Keys::Members })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if let Keys::UserData = self.keys {
                let v = map.next_value_seed(Filter { rules: self.rules, keys: Keys::Members })?;
                out.insert(key.into_owned(), v);
                continue;
            }
            if self.rules.is_secret(&key) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let keys = if self.rules.map_members.contains(&&*key) { Keys::UserData } else { Keys::Members };
            let mut v = map.next_value_seed(Filter { rules: self.rules, keys })?;
            if self.rules.date_members.contains(&&*key)
                && let Some(date) = v.as_f64().and_then(cloudtrail_date)
            {
                v = Value::String(date);
            }
            out.insert(lower_camel(&key), v);
        }
        Ok(Value::Object(out))
    }
}
