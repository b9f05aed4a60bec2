//! Form-urlencoded request parameters and AWS's flattened list, structure and map members.
//!
//! Names and values are percent-decoded (`+` is a space) and must be UTF-8. A name given
//! twice is refused rather than resolved one way or the other, so that a request cannot mean
//! one thing to a proxy and another to Trent. A request has at most [`MAX_PARAMETERS`]
//! parameters (body and query together). Error messages name members, never values.

use std::collections::{BTreeMap, HashMap};

use crate::AwsError;

/// The most parameters one awsQuery request may have, body and query string together: the
/// bound SigV4 puts on a signed query string, so that a `GET` and a `POST` carry the same. The
/// largest IAM and STS calls (tags, policy ARNs, lists of ids) use a few hundred.
pub const MAX_PARAMETERS: usize = crate::sigv4::MAX_QUERY_PARAMETERS;

/// The decoded parameters of one awsQuery request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: HashMap<String, String>,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn decode(component: &[u8]) -> Result<String, AwsError> {
    let mut out = Vec::with_capacity(component.len());
    let mut i = 0;
    while i < component.len() {
        match component[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let byte = component
                    .get(i + 1..i + 3)
                    .and_then(|h| Some(hex(h[0])? << 4 | hex(h[1])?))
                    .ok_or_else(|| malformed("a malformed percent-encoding"))?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| malformed("a parameter that is not UTF-8"))
}

fn malformed(what: &str) -> AwsError {
    AwsError::new("MalformedQueryString", http::StatusCode::BAD_REQUEST, format!("The request has {what}."))
}

/// `1 validation error detected: Value null at 'member' failed to satisfy constraint: Member
/// must not be null`, as AWS reports a missing required member.
pub(crate) fn missing(member: &str) -> AwsError {
    AwsError::new(
        "ValidationError",
        http::StatusCode::BAD_REQUEST,
        format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ),
    )
}

impl Params {
    /// Parses a form-urlencoded body or query string.
    ///
    /// # Errors
    /// `MalformedQueryString` for a bad percent-encoding, non-UTF-8 text, a repeated name or
    /// more than [`MAX_PARAMETERS`] parameters.
    pub fn parse(form: &[u8]) -> Result<Params, AwsError> {
        let mut params = Params::default();
        params.extend(form)?;
        Ok(params)
    }

    /// Adds the parameters of another form (a POST's query string besides its body).
    ///
    /// # Errors
    /// As [`Params::parse`].
    pub fn extend(&mut self, form: &[u8]) -> Result<(), AwsError> {
        for pair in form.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            if self.values.len() >= MAX_PARAMETERS {
                return Err(malformed(&format!("more than {MAX_PARAMETERS} parameters")));
            }
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let name = decode(name)?;
            let value = decode(value)?;
            if self.values.insert(name, value).is_some() {
                return Err(malformed("a parameter given more than once"));
            }
        }
        Ok(())
    }

    /// Every parameter as a flat JSON object of strings, sorted by name (what the audit trail
    /// records as `requestParameters`, after dropping secret members).
    pub fn to_json(&self) -> serde_json::Value {
        let mut names: Vec<&String> = self.values.keys().collect();
        names.sort();
        serde_json::Value::Object(
            names.into_iter().map(|n| (n.clone(), serde_json::Value::String(self.values[n].clone()))).collect(),
        )
    }

    /// The `Action` parameter.
    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    /// `Version`.
    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }

    /// A member's value; an empty value counts as given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A required member (`member` is its camel-case name in messages).
    ///
    /// # Errors
    /// `ValidationError` when absent.
    pub fn required(&self, name: &str, member: &str) -> Result<&str, AwsError> {
        self.get(name).ok_or_else(|| missing(member))
    }

    /// An integer member.
    ///
    /// # Errors
    /// `ValidationError` when it is not an integer.
    pub fn int(&self, name: &str, member: &str) -> Result<Option<i64>, AwsError> {
        self.get(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    AwsError::new(
                        "ValidationError",
                        http::StatusCode::BAD_REQUEST,
                        format!("1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must be an integer"),
                    )
                })
            })
            .transpose()
    }

    /// The entries `NAME.<infix>.N[.FIELD]`, grouped by index in ascending order; each group
    /// maps FIELD (empty for a scalar list) to its value. `NAME=` alone is an empty list.
    fn indexed(&self, name: &str, infix: &str) -> Result<Vec<BTreeMap<&str, &str>>, AwsError> {
        let prefix = format!("{name}.{infix}.");
        let mut groups: BTreeMap<u32, BTreeMap<&str, &str>> = BTreeMap::new();
        for (key, value) in &self.values {
            let Some(rest) = key.strip_prefix(&prefix) else { continue };
            let (index, field) = rest.split_once('.').unwrap_or((rest, ""));
            let index: u32 = index
                .parse()
                .ok()
                .filter(|i| *i >= 1)
                .ok_or_else(|| malformed("a list member with an invalid index"))?;
            groups.entry(index).or_default().insert(field, value.as_str());
        }
        Ok(groups.into_values().collect())
    }

    /// A list of strings: `NAME.member.1`, `NAME.member.2`, ...
    ///
    /// # Errors
    /// `MalformedQueryString` for an index that is not a positive number.
    pub fn list(&self, name: &str) -> Result<Vec<&str>, AwsError> {
        Ok(self.indexed(name, "member")?.into_iter().filter_map(|m| m.get("").copied()).collect())
    }

    /// A list of structures: `NAME.member.N.FIELD`, one map of fields per element.
    ///
    /// # Errors
    /// `MalformedQueryString` for an index that is not a positive number.
    pub fn structs(&self, name: &str) -> Result<Vec<BTreeMap<&str, &str>>, AwsError> {
        self.indexed(name, "member")
    }

    /// A map: `NAME.entry.N.key` and `NAME.entry.N.value`, in index order.
    ///
    /// # Errors
    /// `MalformedQueryString` for an invalid index or an entry without a key.
    pub fn map(&self, name: &str) -> Result<Vec<(&str, &str)>, AwsError> {
        self.indexed(name, "entry")?
            .into_iter()
            .map(|e| {
                let key = e.get("key").copied().ok_or_else(|| malformed("a map entry without a key"))?;
                Ok((key, e.get("value").copied().unwrap_or("")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_percent_and_utf8() {
        let p =
            Params::parse(b"Action=CreateUser&Version=2010-05-08&UserName=a%2Bb+c&Path=%2Fx%2F&Empty=&Flag").unwrap();
        assert_eq!(p.action(), Some("CreateUser"));
        assert_eq!(p.version(), Some("2010-05-08"));
        assert_eq!(p.get("UserName"), Some("a+b c"));
        assert_eq!(p.get("Path"), Some("/x/"));
        assert_eq!(p.get("Empty"), Some(""));
        assert_eq!(p.get("Flag"), Some(""));
        assert_eq!(p.get("Missing"), None);
        let p = Params::parse("Name=%C3%BC%E2%98%BA".as_bytes()).unwrap();
        assert_eq!(p.get("Name"), Some("ü☺"));
    }

    #[test]
    fn refuses_bad_encodings_and_repeats() {
        for bad in [&b"A=%4"[..], b"A=%zz", b"A=%FF", b"A=1&A=2", b"A=1&%41=2"] {
            let e = Params::parse(bad).unwrap_err();
            assert_eq!(e.code, "MalformedQueryString", "{}", String::from_utf8_lossy(bad));
        }
    }

    /// Guards unbounded awsQuery parsing (issue 8, item 4): a 1 MiB body of one-letter
    /// parameters made a map of 250 000 entries.
    #[test]
    fn the_number_of_parameters_is_bounded_across_body_and_query() {
        let form = |n: usize, prefix: &str| (0..n).map(|i| format!("{prefix}{i}=v")).collect::<Vec<_>>().join("&");
        assert_eq!(
            Params::parse(form(MAX_PARAMETERS, "P").as_bytes()).unwrap().to_json().as_object().unwrap().len(),
            1000
        );
        let e = Params::parse(form(MAX_PARAMETERS + 1, "P").as_bytes()).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("MalformedQueryString", "The request has more than 1000 parameters.")
        );
        let mut p = Params::parse(form(600, "B").as_bytes()).unwrap();
        assert_eq!(p.extend(form(401, "Q").as_bytes()).unwrap_err().code, "MalformedQueryString");
    }

    #[test]
    fn flattened_lists_structures_and_maps() {
        let p = Params::parse(
            b"Names.member.2=b&Names.member.1=a&Names.member.10=j\
              &Tags.member.1.Key=team&Tags.member.1.Value=core&Tags.member.2.Key=empty&Tags.member.2.Value=\
              &Attrs.entry.1.key=k&Attrs.entry.1.value=v&Attrs.entry.2.key=k2&Empty=",
        )
        .unwrap();
        assert_eq!(p.list("Names").unwrap(), ["a", "b", "j"], "numeric order, not text order");
        let tags = p.structs("Tags").unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!((tags[0]["Key"], tags[0]["Value"]), ("team", "core"));
        assert_eq!((tags[1]["Key"], tags[1]["Value"]), ("empty", ""));
        assert_eq!(p.map("Attrs").unwrap(), [("k", "v"), ("k2", "")]);
        assert!(p.list("Empty").unwrap().is_empty());
        assert!(p.structs("Absent").unwrap().is_empty());
        for bad in [&b"Names.member.0=a"[..], b"Names.member.x=a", b"Names.member.-1=a"] {
            assert_eq!(Params::parse(bad).unwrap().list("Names").unwrap_err().code, "MalformedQueryString");
        }
        assert!(Params::parse(b"M.entry.1.value=v").unwrap().map("M").is_err());
    }

    #[test]
    fn required_and_integer_members() {
        let p = Params::parse(b"MaxItems=5&Bad=5x").unwrap();
        assert_eq!(p.int("MaxItems", "maxItems").unwrap(), Some(5));
        assert_eq!(p.int("Absent", "absent").unwrap(), None);
        assert_eq!(p.int("Bad", "bad").unwrap_err().code, "ValidationError");
        let e = p.required("UserName", "userName").unwrap_err();
        assert_eq!((e.code, e.status.as_u16()), ("ValidationError", 400));
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
        );
    }
}
