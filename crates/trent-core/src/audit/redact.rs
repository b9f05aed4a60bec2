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

use super::event::{RESOURCE_TYPE_KMS_ALIAS, RESOURCE_TYPE_KMS_KEY, Resource};
use super::rules::{KMS, ResponseRule, ServiceRules};
use crate::identity::Caller;
use crate::ids::Arn;

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

/// CloudTrail's member naming, as Java's `Introspector.decapitalize`: the first letter lower
/// case, unless the name starts with two capitals (`KeyId` → `keyId`, `AWSAccountId` stays).
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_uppercase() => name.to_owned(),
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

/// The `resources` of a KMS call: the keys and aliases its filtered request and answer name.
/// Key ids and key ARNs become `AWS::KMS::Key` resources (a bare key id in the caller's scope).
/// An alias is a resource of its own for the alias operations (`aliasName`); an alias used as a
/// `keyId` appears only when the call never resolved it to a key (a failed call), as in
/// CloudTrail, which names the key an alias stood for. Duplicates are dropped.
pub fn kms_resources(caller: &Caller, request: Option<&Value>, response: Option<&Value>) -> Vec<Resource> {
    let scope = caller.scope();
    let str_member = |v: Option<&Value>, m: &str| v.and_then(|v| v.get(m)).and_then(Value::as_str).map(str::to_owned);
    // (name, whether it is only a fallback)
    let mut names: Vec<(String, bool)> = Vec::new();
    names.extend(["keyId", "sourceKeyId"].iter().filter_map(|m| str_member(response, m)).map(|n| (n, false)));
    let metadata = response.and_then(|r| r.get("keyMetadata"));
    names.extend(str_member(metadata, "arn").map(|n| (n, false)));
    for member in ["keyId", "targetKeyId", "sourceKeyId", "destinationKeyId"] {
        names.extend(str_member(request, member).map(|n| (n, true)));
    }
    names.extend(str_member(request, "aliasName").map(|n| (n, false)));

    let classify = |name: &str| -> Option<(&'static str, String)> {
        match Arn::parse(name).filter(|a| a.service == "kms") {
            Some(arn) if arn.resource.starts_with("alias/") => Some((RESOURCE_TYPE_KMS_ALIAS, name.to_owned())),
            Some(arn) if arn.resource.starts_with("key/") => Some((RESOURCE_TYPE_KMS_KEY, name.to_owned())),
            Some(_) => None,
            None if name.starts_with("alias/") => Some((RESOURCE_TYPE_KMS_ALIAS, scope.arn("kms", name))),
            None => name
                .parse::<crate::ids::KeyId>()
                .ok()
                .map(|_| (RESOURCE_TYPE_KMS_KEY, scope.arn("kms", &format!("key/{name}")))),
        }
    };
    let mut out: Vec<Resource> = Vec::new();
    let mut deferred: Vec<Resource> = Vec::new();
    for (name, from_key_member) in names {
        let Some((kind, arn)) = classify(&name) else { continue };
        let resource = Resource { account_id: scope.account.to_string(), resource_type: kind.to_owned(), arn };
        let target = if from_key_member && kind == RESOURCE_TYPE_KMS_ALIAS { &mut deferred } else { &mut out };
        if !target.contains(&resource) {
            target.push(resource);
        }
    }
    if !out.iter().any(|r| r.resource_type == RESOURCE_TYPE_KMS_KEY) {
        for r in deferred {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}
