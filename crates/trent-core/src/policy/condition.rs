//! The `Condition` element: operators, their values, and how a request satisfies them.
//!
//! Rules, from IAM "Condition operators" and "Conditions with multiple context keys or
//! values":
//! - Several operators in one `Condition` AND; several keys under one operator AND; several
//!   values for one key OR — and for a negated operator (`StringNotEquals`, `ArnNotLike`,
//!   `NotIpAddress`, ...) NOR: true when the request value matches none of them.
//! - A key missing from the request makes a positive operator false and a negated one TRUE
//!   ("If the policy condition requires that the key is not matched ... and the right key is
//!   not present, the condition is true"), except `...IfExists` (missing → true) and `Null`.
//! - `ForAllValues:` is true when every request value satisfies the operator, and also when
//!   the key is missing or empty; `ForAnyValue:` when at least one does, and false when the
//!   key is missing or empty.
//! - Without a set qualifier, a key with several request values behaves like a single-valued
//!   one compared pairwise: a positive operator holds when any request value matches any
//!   policy value, a negated operator when no pair matches (so `StringNotEquals` is always
//!   exactly `!StringEquals`). AWS says not to use plain operators on multivalued keys and
//!   does not define this case.
//! - Policy variables work in the values of String, ARN and Bool operators only.
//! - Operator names are case-sensitive, as the reference spells them. A set qualifier on
//!   `Null` changes nothing: `Null` tests presence, not values.
//! - The IAM pages disagree on Bool and variables ("Variables and tags" says no, the operator
//!   reference says yes); Trent follows the operator reference.

use std::borrow::Cow;

use super::context::Lookup;
use super::matching::{ArnPattern, arn_components, glob};
use super::values::{Cidr, Decimal, decode_base64, parse_bool, parse_date};
use super::variables::{Syntax, Template, Token};

/// How an operator compares one request value with one policy value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Test {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// `ForAnyValue:` / `ForAllValues:`, or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetQualifier {
    None,
    AnyValue,
    AllValues,
}

/// A parsed operator name such as `ForAllValues:StringNotLikeIfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Operator {
    test: Test,
    negated: bool,
    if_exists: bool,
    set: SetQualifier,
}

impl Operator {
    /// Reads an operator name (case-sensitive, as the reference spells them); `None` for an
    /// unknown name or `NullIfExists` ("You can add IfExists to the end of any condition
    /// operator name except the Null condition").
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (SetQualifier::AnyValue, rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (SetQualifier::AllValues, rest)
        } else {
            (SetQualifier::None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let (test, negated) = base_operator(base)?;
        if test == Test::Null && if_exists {
            return None;
        }
        Some(Operator { test, negated, if_exists, set })
    }
}

fn base_operator(base: &str) -> Option<(Test, bool)> {
    use Cmp::*;
    Some(match base {
        "StringEquals" => (Test::StringEquals, false),
        "StringNotEquals" => (Test::StringEquals, true),
        "StringEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, true),
        "StringLike" => (Test::StringLike, false),
        "StringNotLike" => (Test::StringLike, true),
        "NumericEquals" => (Test::Numeric(Eq), false),
        "NumericNotEquals" => (Test::Numeric(Eq), true),
        "NumericLessThan" => (Test::Numeric(Lt), false),
        "NumericLessThanEquals" => (Test::Numeric(Le), false),
        "NumericGreaterThan" => (Test::Numeric(Gt), false),
        "NumericGreaterThanEquals" => (Test::Numeric(Ge), false),
        "DateEquals" => (Test::Date(Eq), false),
        "DateNotEquals" => (Test::Date(Eq), true),
        "DateLessThan" => (Test::Date(Lt), false),
        "DateLessThanEquals" => (Test::Date(Le), false),
        "DateGreaterThan" => (Test::Date(Gt), false),
        "DateGreaterThanEquals" => (Test::Date(Ge), false),
        "Bool" => (Test::Bool, false),
        "BinaryEquals" => (Test::Binary, false),
        "IpAddress" => (Test::Ip, false),
        "NotIpAddress" => (Test::Ip, true),
        "ArnEquals" | "ArnLike" => (Test::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Test::Arn, true),
        "Null" => (Test::Null, false),
        _ => return None,
    })
}

/// One policy value, compiled for its operator. `None` payloads are values the operator
/// cannot read: they never match.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PolicyValue {
    Text(Template),
    Arn(ArnPattern),
    Number(Option<Decimal>),
    Date(Option<i128>),
    Binary(Option<Vec<u8>>),
    Cidr(Option<Cidr>),
    Null(Option<bool>),
}

/// One `"key": [values]` entry under one operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Condition {
    operator: Operator,
    /// Lower-cased: condition key names are case-insensitive.
    key: String,
    values: Vec<PolicyValue>,
}

/// Outcome of comparing one request value with one policy value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hit {
    Match,
    Miss,
    /// The policy value holds a variable the request cannot fill.
    Unresolved,
}

impl Condition {
    /// Compiles `values` for `operator`; `variables` is true under Version 2012-10-17.
    pub(crate) fn new(operator: Operator, key: &str, values: &[String], variables: bool) -> Condition {
        let text = |wildcards, fold_case| Syntax { wildcards, variables, fold_case };
        let values = values
            .iter()
            .map(|v| match operator.test {
                Test::StringEquals => PolicyValue::Text(Template::parse(v, text(false, false))),
                Test::StringEqualsIgnoreCase => PolicyValue::Text(Template::parse(v, text(false, true))),
                Test::StringLike => PolicyValue::Text(Template::parse(v, text(true, false))),
                Test::Bool => PolicyValue::Text(Template::parse(v, text(false, true))),
                Test::Arn => PolicyValue::Arn(ArnPattern::parse(v, text(true, false))),
                Test::Numeric(_) => PolicyValue::Number(Decimal::parse(v)),
                Test::Date(_) => PolicyValue::Date(parse_date(v)),
                Test::Binary => PolicyValue::Binary(decode_base64(v)),
                Test::Ip => PolicyValue::Cidr(Cidr::parse(v)),
                Test::Null => PolicyValue::Null(parse_bool(v)),
            })
            .collect();
        Condition { operator, key: key.to_lowercase(), values }
    }

    /// The condition key, lower-cased.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// Whether the request satisfies this key's condition.
    pub(crate) fn holds(&self, lookup: &Lookup<'_>) -> bool {
        let op = self.operator;
        let present = lookup.values(&self.key);
        if op.test == Test::Null {
            // "true": the key must be absent; "false": it must be present.
            let absent = present.is_none();
            return self.values.contains(&PolicyValue::Null(Some(absent)));
        }
        let Some(request_values) = present else {
            return op.if_exists
                || match op.set {
                    SetQualifier::AllValues => true,
                    SetQualifier::AnyValue => false,
                    SetQualifier::None => op.negated,
                };
        };
        // One request value against every policy value: OR, or NOR when negated. A value
        // with an unresolvable variable makes a negated test fail rather than pass.
        let single = |request: &str| {
            let request = RequestValue::new(self.operator.test, request);
            let mut hits = self.values.iter().map(|value| self.hit(value, &request, lookup));
            if op.negated { hits.all(|h| h == Hit::Miss) } else { hits.any(|h| h == Hit::Match) }
        };
        match op.set {
            SetQualifier::AllValues => request_values.iter().all(single),
            SetQualifier::AnyValue => request_values.iter().any(single),
            // Pairwise: negated holds when no request value matches any policy value.
            SetQualifier::None if op.negated => request_values.iter().all(single),
            SetQualifier::None => request_values.iter().any(single),
        }
    }

    /// Compares one request value with one policy value, filling in variables.
    fn hit(&self, value: &PolicyValue, request: &RequestValue<'_>, lookup: &Lookup<'_>) -> Hit {
        let matched = match value {
            PolicyValue::Text(template) => {
                let Some(tokens) = template.resolve(lookup) else { return Hit::Unresolved };
                if self.operator.test == Test::Bool {
                    literal(&tokens).and_then(parse_bool).is_some_and(|p| parse_bool(&request.text) == Some(p))
                } else {
                    glob(&tokens, &request.text)
                }
            }
            PolicyValue::Arn(pattern) => {
                let Some(components) = pattern.components() else { return Hit::Miss };
                let parts = arn_components(&request.text);
                let mut matched = parts.is_some();
                for (i, component) in components.iter().enumerate() {
                    let Some(tokens) = component.resolve(lookup) else { return Hit::Unresolved };
                    matched = matched && parts.is_some_and(|p| glob(&tokens, p[i]));
                }
                matched
            }
            PolicyValue::Number(Some(p)) => request.number.as_ref().is_some_and(|r| compare(r.cmp(p), self.cmp())),
            PolicyValue::Date(Some(p)) => request.date.is_some_and(|r| compare(r.cmp(p), self.cmp())),
            PolicyValue::Binary(Some(p)) => request.binary.as_ref() == Some(p),
            PolicyValue::Cidr(Some(cidr)) => cidr.contains(&request.text),
            _ => false,
        };
        if matched { Hit::Match } else { Hit::Miss }
    }

    fn cmp(&self) -> Cmp {
        match self.operator.test {
            Test::Numeric(cmp) | Test::Date(cmp) => cmp,
            _ => Cmp::Eq,
        }
    }
}

/// A request value, read once in the form its operator compares.
struct RequestValue<'r> {
    /// As given, or lower-cased for `...IgnoreCase`.
    text: Cow<'r, str>,
    number: Option<Decimal>,
    date: Option<i128>,
    binary: Option<Vec<u8>>,
}

impl<'r> RequestValue<'r> {
    fn new(test: Test, raw: &'r str) -> RequestValue<'r> {
        let mut value = RequestValue { text: Cow::Borrowed(raw), number: None, date: None, binary: None };
        match test {
            Test::StringEqualsIgnoreCase => value.text = Cow::Owned(raw.to_lowercase()),
            Test::Numeric(_) => value.number = Decimal::parse(raw),
            Test::Date(_) => value.date = parse_date(raw),
            Test::Binary => value.binary = decode_base64(raw),
            _ => {}
        }
        value
    }
}

/// The text of a resolved value without wildcards (Bool values).
fn literal(tokens: &[Token]) -> Option<&str> {
    match tokens {
        [Token::Lit(text)] => Some(text),
        _ => None,
    }
}

/// `request <cmp> policy`.
fn compare(ordering: std::cmp::Ordering, cmp: Cmp) -> bool {
    use std::cmp::Ordering::*;
    match cmp {
        Cmp::Eq => ordering == Equal,
        Cmp::Lt => ordering == Less,
        Cmp::Le => ordering != Greater,
        Cmp::Gt => ordering == Greater,
        Cmp::Ge => ordering != Less,
    }
}
