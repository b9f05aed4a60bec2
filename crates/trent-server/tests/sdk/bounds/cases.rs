//! Broken members derived from the committed model alone: for one member's description
//! (`kms-constraints.json`), every value that breaks exactly one of its constraints (one past
//! `max`, below `min`, against the pattern, outside the enum, a list one item too long, a bad
//! list item, a bad or missing member of a nested structure), with the violations AWS reports
//! for it. A member the model gains is broken here without anyone writing a case; a kind of
//! constraint this file cannot break yet is an error, never a silent pass.

use serde_json::{Map, Value, json};

/// Characters of a value a message repeats before `...`: Trent's documented cap (trent-wire's
/// `ECHO_CHARS`), where AWS repeats the whole value.
const ECHO_CHARS: usize = 256;

/// Members Trent never repeats in a message although the model does not mark them sensitive:
/// grant tokens, which Trent keeps out of answers and records as secrets.
const NOT_REPEATED: &[&str] = &["GrantTokens", "GrantToken"];

/// One request member set to a value that breaks the model.
#[derive(Debug)]
pub(super) struct Case {
    /// What is broken, for failure reports.
    pub(super) what: String,
    /// The top-level member to set.
    pub(super) member: String,
    /// Its new value; `None` removes it.
    pub(super) value: Option<Value>,
    /// The violations AWS reports, in order.
    pub(super) expected: Vec<String>,
}

impl Case {
    /// The whole `ValidationException` message.
    pub(super) fn message(&self) -> String {
        let n = self.expected.len();
        let plural = if n == 1 { "error" } else { "errors" };
        format!("{n} validation {plural} detected: {}", self.expected.join("; "))
    }
}

/// AWS's spelling of a member in messages: `KeyId` is `keyId`.
pub(super) fn camel(member: &str) -> String {
    let mut chars = member.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// A case for a missing required member.
pub(super) fn missing(member: &str) -> Case {
    let path = camel(member);
    Case {
        what: format!("{member} missing"),
        member: member.to_owned(),
        value: None,
        expected: vec![format!("Value null at '{path}' failed to satisfy constraint: Member must not be null")],
    }
}

/// Every case for top-level `member` described by `desc`.
pub(super) fn member_cases(member: &str, desc: &Value) -> Result<Vec<Case>, String> {
    let secret = NOT_REPEATED.contains(&member) || desc["sensitive"] == true;
    let mut out = Vec::new();
    let wrap = |v: Value| v;
    shape_cases(&camel(member), desc, secret, &wrap, &mut out)?;
    Ok(out
        .into_iter()
        .map(|(what, value, expected)| Case { what, member: member.to_owned(), value: Some(value), expected })
        .collect())
}

type Broken = (String, Value, Vec<String>);

/// The broken values of the shape `desc` at `path`, each put in place by `wrap`.
fn shape_cases(
    path: &str,
    desc: &Value,
    secret: bool,
    wrap: &dyn Fn(Value) -> Value,
    out: &mut Vec<Broken>,
) -> Result<(), String> {
    let kind = desc["type"].as_str().ok_or_else(|| format!("{path}: no type"))?;
    match kind {
        "string" => string_cases(path, desc, secret, wrap, out),
        "integer" | "long" => {
            if let Some(max) = desc["max"].as_i64() {
                let v = max + 1;
                let rule = format!("have value less than or equal to {max}");
                out.push((format!("{path} = {v}"), wrap(json!(v)), vec![sentence(path, Some(&v.to_string()), &rule)]));
            }
            if let Some(min) = desc["min"].as_i64() {
                let v = min - 1;
                let rule = format!("have value greater than or equal to {min}");
                out.push((format!("{path} = {v}"), wrap(json!(v)), vec![sentence(path, Some(&v.to_string()), &rule)]));
            }
            Ok(())
        }
        "blob" => {
            if let Some(max) = desc["max"].as_u64() {
                let rule = format!("have length less than or equal to {max}");
                let value = crate::common::base64(&vec![7u8; max as usize + 1]);
                out.push((
                    format!("{path} of {} bytes", max + 1),
                    wrap(json!(value)),
                    vec![sentence(path, None, &rule)],
                ));
            }
            if let Some(min) = desc["min"].as_u64().filter(|m| *m > 0) {
                let rule = format!("have length greater than or equal to {min}");
                let value = crate::common::base64(&vec![7u8; min as usize - 1]);
                out.push((
                    format!("{path} of {} bytes", min - 1),
                    wrap(json!(value)),
                    vec![sentence(path, None, &rule)],
                ));
            }
            Ok(())
        }
        "list" => list_cases(path, desc, secret, wrap, out),
        "structure" => {
            let members = desc["members"].as_object().cloned().unwrap_or_default();
            for (sub, sub_desc) in &members {
                let base = valid(desc)?;
                let place = |v: Value| {
                    let mut s = base.clone();
                    s[sub.as_str()] = v;
                    wrap(s)
                };
                let sub_secret = secret || sub_desc["sensitive"] == true;
                shape_cases(&format!("{path}.{}", camel(sub)), sub_desc, sub_secret, &place, out)?;
            }
            Ok(())
        }
        "map" if desc.get("key").is_some() || desc.get("value").is_some() => {
            Err(format!("{path}: constraints on map keys or values have no cases yet"))
        }
        _ => Ok(()),
    }
}

fn string_cases(
    path: &str,
    desc: &Value,
    secret: bool,
    wrap: &dyn Fn(Value) -> Value,
    out: &mut Vec<Broken>,
) -> Result<(), String> {
    let shown = |v: &str| (!secret).then(|| v.to_owned());
    if let Some(set) = desc["enum"].as_array() {
        let rule = format!("satisfy enum value set: {}", enum_set(set));
        let v = "NOT_A_VALUE";
        out.push((format!("{path} = {v}"), wrap(json!(v)), vec![sentence(path, shown(v).as_deref(), &rule)]));
    }
    let pattern = desc.get("pattern").and_then(Value::as_str);
    let samples = &desc["pattern_samples"];
    let filler = match pattern {
        None => Some("a"),
        Some(_) => samples["matching"].as_str(),
    };
    if let Some(max) = desc["max"].as_u64() {
        let filler = filler.ok_or_else(|| format!("{path}: no character repeats to any length under its pattern"))?;
        let v = filler.repeat(max as usize + 1);
        let rule = format!("have length less than or equal to {max}");
        out.push((
            format!("{path} of {} characters", max + 1),
            wrap(json!(v)),
            vec![sentence(path, shown(&v).as_deref(), &rule)],
        ));
    }
    if let Some(min) = desc["min"].as_u64().filter(|m| *m > 0) {
        let filler = filler.ok_or_else(|| format!("{path}: no character repeats to any length under its pattern"))?;
        let v = filler.repeat(min as usize - 1);
        let mut expected =
            vec![sentence(path, shown(&v).as_deref(), &format!("have length greater than or equal to {min}"))];
        if let Some(p) = pattern
            && v.is_empty()
            && samples["empty_matches"] == false
        {
            expected.push(sentence(path, shown(&v).as_deref(), &format!("satisfy regular expression pattern: {p}")));
        }
        out.push((format!("{path} of {} characters", min - 1), wrap(json!(v)), expected));
    }
    if let Some(p) = pattern {
        let v = samples["violating"].as_str().ok_or_else(|| format!("{path}: no violating sample"))?;
        let min = desc["min"].as_u64().unwrap_or(0);
        if min > 1 {
            return Err(format!("{path}: a one-character violating sample is also too short"));
        }
        let rule = format!("satisfy regular expression pattern: {p}");
        out.push((format!("{path} = {v:?}"), wrap(json!(v)), vec![sentence(path, shown(v).as_deref(), &rule)]));
    }
    Ok(())
}

fn list_cases(
    path: &str,
    desc: &Value,
    secret: bool,
    wrap: &dyn Fn(Value) -> Value,
    out: &mut Vec<Broken>,
) -> Result<(), String> {
    let member = &desc["member"];
    if let Some(max) = desc["max"].as_u64() {
        let item = match member.is_null() {
            true => json!("a"),
            false => valid(member)?,
        };
        let items = vec![item; max as usize + 1];
        let rule = format!("have length less than or equal to {max}");
        let shown = (!secret).then(|| list_text(&items));
        out.push((
            format!("{path} of {} items", max + 1),
            wrap(json!(items)),
            vec![sentence(path, shown.as_deref(), &rule)],
        ));
    }
    if member.is_null() {
        return Ok(());
    }
    match member["type"].as_str() {
        Some("string") => {
            // Every bad single member, reported once for the list with the member's rules.
            let mut bad = Vec::new();
            let capture = |v: Value| v;
            string_cases(path, member, secret, &capture, &mut bad)?;
            let rules = member_rules(member);
            for (what, value, _) in bad {
                let items = json!([value]);
                let shown = (!secret).then(|| list_text(items.as_array().map(Vec::as_slice).unwrap_or_default()));
                let s = format!(
                    "{}failed to satisfy constraint: Member must satisfy constraint: [{}]",
                    value_part(path, shown.as_deref()),
                    rules.join(", ")
                );
                out.push((format!("{what} as a list item"), wrap(items), vec![s]));
            }
            Ok(())
        }
        Some("structure") => {
            let base = valid(member)?;
            let item_path = format!("{path}.1.member");
            let members = member["members"].as_object().cloned().unwrap_or_default();
            for (sub, sub_desc) in &members {
                let place = |v: Value| {
                    let mut s = base.clone();
                    s[sub.as_str()] = v;
                    wrap(json!([s]))
                };
                let sub_secret = secret || sub_desc["sensitive"] == true;
                shape_cases(&format!("{item_path}.{}", camel(sub)), sub_desc, sub_secret, &place, out)?;
            }
            for required in member["required"].as_array().cloned().unwrap_or_default() {
                let sub = required.as_str().unwrap_or_default();
                let mut s = base.clone();
                if let Some(object) = s.as_object_mut() {
                    object.remove(sub);
                }
                let at = format!("{item_path}.{}", camel(sub));
                let expected = format!("Value null at '{at}' failed to satisfy constraint: Member must not be null");
                out.push((format!("{at} missing"), wrap(json!([s])), vec![expected]));
            }
            Ok(())
        }
        Some(other) if constrained(member) => Err(format!("{path}: lists of {other} have no cases yet")),
        _ => Ok(()),
    }
}

fn constrained(desc: &Value) -> bool {
    ["min", "max", "pattern", "enum", "members", "member", "required"].iter().any(|k| desc.get(k).is_some())
}

/// The rules of a list's member shape, as AWS lists them: max, min, pattern; or the enum set.
fn member_rules(member: &Value) -> Vec<String> {
    if let Some(set) = member["enum"].as_array() {
        return vec![format!("Member must satisfy enum value set: {}", enum_set(set))];
    }
    let mut rules = Vec::new();
    if let Some(max) = member["max"].as_u64() {
        rules.push(format!("Member must have length less than or equal to {max}"));
    }
    if let Some(min) = member["min"].as_u64() {
        rules.push(format!("Member must have length greater than or equal to {min}"));
    }
    if let Some(p) = member["pattern"].as_str() {
        rules.push(format!("Member must satisfy regular expression pattern: {p}"));
    }
    rules
}

/// A value that satisfies every constraint of `desc`.
fn valid(desc: &Value) -> Result<Value, String> {
    Ok(match desc["type"].as_str() {
        Some("string") => match desc["enum"].as_array() {
            Some(set) => set.first().cloned().ok_or("empty enum")?,
            None => {
                let filler = match desc.get("pattern") {
                    None => "a",
                    Some(_) => desc["pattern_samples"]["matching"].as_str().ok_or("no matching sample")?,
                };
                json!(filler.repeat(desc["min"].as_u64().unwrap_or(0).max(1) as usize))
            }
        },
        Some("integer" | "long") => json!(desc["min"].as_i64().unwrap_or(1)),
        Some("blob") => json!(crate::common::base64(&[7u8])),
        Some("boolean") => json!(false),
        Some("list") => json!([]),
        Some("map") => json!({}),
        Some("structure") => {
            let mut object = Map::new();
            for required in desc["required"].as_array().cloned().unwrap_or_default() {
                let name = required.as_str().ok_or("bad required list")?;
                object.insert(name.to_owned(), valid(&desc["members"][name])?);
            }
            Value::Object(object)
        }
        other => return Err(format!("no valid value of type {other:?}")),
    })
}

/// `Value 'v' at 'path' ` (`Value at 'path' ` when the value is not repeated).
fn value_part(path: &str, shown: Option<&str>) -> String {
    match shown {
        Some(v) => format!("Value '{}' at '{path}' ", echo(v)),
        None => format!("Value at '{path}' "),
    }
}

fn sentence(path: &str, shown: Option<&str>, rule: &str) -> String {
    format!("{}failed to satisfy constraint: Member must {rule}", value_part(path, shown))
}

/// What a message repeats of a value: at most [`ECHO_CHARS`] characters, then `...`.
fn echo(v: &str) -> String {
    match v.char_indices().nth(ECHO_CHARS) {
        Some((cut, _)) => format!("{}...", &v[..cut]),
        None => v.to_owned(),
    }
}

/// A list as Java prints it.
fn list_text(items: &[Value]) -> String {
    let texts: Vec<String> = items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect();
    format!("[{}]", texts.join(", "))
}

fn enum_set(set: &[Value]) -> String {
    let names: Vec<&str> = set.iter().filter_map(Value::as_str).collect();
    format!("[{}]", names.join(", "))
}
