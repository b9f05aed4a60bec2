//! From a JSON document to a validated, precompiled [`Policy`].
//!
//! The grammar is IAM's ("Grammar of the IAM JSON policy language" and the element
//! references): a document has `Version` (`2012-10-17` or `2008-10-17`, absent meaning the
//! 2008 language without policy variables), an optional `Id`, and `Statement` (one object or
//! an array). A statement has an optional `Sid`, `Effect` (`Allow` or `Deny`, case-sensitive),
//! exactly one of `Action`/`NotAction`, exactly one of `Resource`/`NotResource` where the
//! policy kind requires it, `Principal`/`NotPrincipal` where the kind requires it, and an
//! optional `Condition`. Element names are case-sensitive; an unknown or repeated element is
//! a syntax error. Which kind needs what:
//!
//! | kind     | Principal / NotPrincipal                          | Resource / NotResource        |
//! |----------|---------------------------------------------------|-------------------------------|
//! | Identity | forbidden ("should not specify a principal")      | required                      |
//! | Session  | forbidden                                         | required                      |
//! | Resource | required ("Missing required field Principal")     | required                      |
//! | Trust    | required                                          | forbidden ("Has prohibited field Resource") |
//!
//! In IAM-managed kinds (identity, trust, session) a `Sid` must be unique in the document and
//! made of ASCII letters and digits; resource policies such as KMS key policies allow any text
//! ("Enable IAM User Permissions") and repeated `Sid`s (AWS's own managed key policies have them).

use std::collections::HashSet;

use super::condition::{Condition, Operator};
use super::context::Reads;
use super::error::{PolicyError, PolicyErrorKind, syntax};
use super::json::{Json, nests_deeper_than};
use super::matching::compile_action;
use super::principal::{PrincipalClause, parse_principal};
use super::variables::{Syntax, Template};
use super::{Policy, PolicyKind};

/// The two versions of the policy language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    /// `2008-10-17`, or no `Version`: `${...}` is literal text.
    V2008,
    /// `2012-10-17`: policy variables.
    V2012,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// A list of patterns, or all but those patterns (`NotAction`, `NotResource`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Clause {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<Template>,
}

/// One statement, compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) principal: PrincipalClause,
    pub(crate) action: Clause,
    /// `None` for trust policies, which name no resource.
    pub(crate) resource: Option<Clause>,
    pub(crate) conditions: Vec<Condition>,
}

/// The largest document the engine reads at all, in bytes: no AWS model allows a larger
/// policy (KMS `PolicyType`, 131,072 characters of Latin-1). Each service enforces its own,
/// smaller quota before this (KMS key policies 32 KB).
pub const MAX_DOCUMENT_BYTES: usize = 131_072;

/// The deepest nesting of objects and arrays in a valid document: the document, the
/// `Statement` array, a statement, its `Condition`, an operator's block, a list of values.
pub(crate) const MAX_NESTING: usize = 6;

const DOCUMENT_FIELDS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_FIELDS: [&str; 9] =
    ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

/// Parses and validates `document` as a policy of `kind`, in time linear in its length:
/// a document past [`MAX_DOCUMENT_BYTES`] or nested deeper than [`MAX_NESTING`] is refused
/// before it is parsed, repeated keys and `Sid`s are found with hash sets.
pub(crate) fn parse(document: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(syntax(format!("a document of {} bytes, more than {MAX_DOCUMENT_BYTES}", document.len())));
    }
    if nests_deeper_than(document, MAX_NESTING) {
        return Err(syntax(format!("objects and arrays nested more than {MAX_NESTING} deep")));
    }
    let json = Json::parse(document).map_err(|e| syntax(format!("not JSON: {e}")))?;
    let fields = object(&json, "policy", &DOCUMENT_FIELDS)?;
    let version = match get(fields, "Version") {
        None => Version::V2008,
        Some(Json::String(v)) if v == "2012-10-17" => Version::V2012,
        Some(Json::String(v)) if v == "2008-10-17" => Version::V2008,
        Some(other) => return Err(syntax(format!("unsupported Version {other:?}"))),
    };
    let id = match get(fields, "Id") {
        None => None,
        Some(Json::String(id)) => Some(id.clone()),
        Some(other) => return Err(syntax(format!("Id is a {}", other.type_name()))),
    };
    let raw_statements = match get(fields, "Statement") {
        None => return Err(PolicyErrorKind::MissingStatement.into()),
        Some(Json::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(single @ Json::Object(_)) => vec![single],
        Some(other) => return Err(syntax(format!("Statement is a {}", other.type_name()))),
    };
    let mut statements: Vec<Statement> = Vec::with_capacity(raw_statements.len());
    let mut sids: HashSet<String> = HashSet::new();
    for raw in raw_statements {
        let statement = parse_statement(raw, kind, version)?;
        // Key policies may repeat a Sid: AWS's own key policy of `alias/aws/secretsmanager`
        // has two statements named "Allow access through AWS Secrets Manager for all principals
        // in the account that are authorized to use AWS Secrets Manager".
        if let Some(sid) = &statement.sid
            && kind != PolicyKind::Resource
            && !sids.insert(sid.clone())
        {
            return Err(PolicyErrorKind::DuplicateSid(sid.clone()).into());
        }
        statements.push(statement);
    }
    // A policy variable can name any key: a document that may hold one reads them all.
    let variables = version == Version::V2012 && document.contains("${");
    let reads = Reads::of(variables, statements.iter().flat_map(|s| s.conditions.iter().map(Condition::key)));
    Ok(Policy { kind, version, id, statements, reads })
}

/// The fields of a JSON object, every name checked against `allowed`.
fn object<'j>(json: &'j Json, what: &str, allowed: &[&str]) -> Result<&'j [(String, Json)], PolicyError> {
    let Json::Object(fields) = json else {
        return Err(syntax(format!("{what} is a {}", json.type_name())));
    };
    if let Some((name, _)) = fields.iter().find(|(name, _)| !allowed.contains(&name.as_str())) {
        return Err(syntax(format!("unknown field {name} in {what}")));
    }
    Ok(fields)
}

fn get<'j>(fields: &'j [(String, Json)], name: &str) -> Option<&'j Json> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// The one present of an element and its `Not` twin, with whether it was the twin.
fn one_of<'j>(
    fields: &'j [(String, Json)],
    name: &str,
    not_name: &str,
) -> Result<Option<(&'j Json, bool)>, PolicyError> {
    match (get(fields, name), get(fields, not_name)) {
        (Some(_), Some(_)) => Err(syntax(format!("both {name} and {not_name}"))),
        (Some(v), None) => Ok(Some((v, false))),
        (None, Some(v)) => Ok(Some((v, true))),
        (None, None) => Ok(None),
    }
}

fn parse_statement(json: &Json, kind: PolicyKind, version: Version) -> Result<Statement, PolicyError> {
    let fields = object(json, "statement", &STATEMENT_FIELDS)?;
    let sid = match get(fields, "Sid") {
        None => None,
        Some(Json::String(sid)) => {
            let iam_managed = !matches!(kind, PolicyKind::Resource);
            if iam_managed && !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(PolicyErrorKind::InvalidSid(sid.clone()).into());
            }
            Some(sid.clone())
        }
        Some(other) => return Err(syntax(format!("Sid is a {}", other.type_name()))),
    };
    let effect = match get(fields, "Effect") {
        None => return Err(PolicyErrorKind::MissingEffect.into()),
        Some(Json::String(e)) if e == "Allow" => Effect::Allow,
        Some(Json::String(e)) if e == "Deny" => Effect::Deny,
        Some(Json::String(e)) => return Err(PolicyErrorKind::InvalidEffect(e.clone()).into()),
        Some(other) => return Err(syntax(format!("Effect is a {}", other.type_name()))),
    };
    let principal = match (kind, one_of(fields, "Principal", "NotPrincipal")?) {
        (PolicyKind::Identity | PolicyKind::Session, None) => PrincipalClause::Implicit,
        (PolicyKind::Identity | PolicyKind::Session, Some(_)) => {
            return Err(PolicyErrorKind::PrincipalNotAllowed.into());
        }
        (PolicyKind::Resource | PolicyKind::Trust, None) => return Err(PolicyErrorKind::MissingPrincipal.into()),
        (PolicyKind::Resource | PolicyKind::Trust, Some((value, false))) => {
            PrincipalClause::Is(parse_principal(value)?)
        }
        (PolicyKind::Resource | PolicyKind::Trust, Some((value, true))) => {
            PrincipalClause::IsNot(parse_principal(value)?)
        }
    };
    let action = match one_of(fields, "Action", "NotAction")? {
        None => return Err(PolicyErrorKind::MissingActions.into()),
        Some((value, negated)) => parse_actions(value, negated)?,
    };
    let resource = match (kind, one_of(fields, "Resource", "NotResource")?) {
        (PolicyKind::Trust, None) => None,
        (PolicyKind::Trust, Some((_, negated))) => {
            return Err(PolicyErrorKind::ProhibitedField(if negated { "NotResource" } else { "Resource" }).into());
        }
        (_, None) => return Err(PolicyErrorKind::MissingResources.into()),
        (_, Some((value, negated))) => Some(parse_resources(value, negated, version)?),
    };
    let conditions = match get(fields, "Condition") {
        None => Vec::new(),
        Some(value) => parse_conditions(value, version)?,
    };
    Ok(Statement { sid, effect, principal, action, resource, conditions })
}

fn parse_actions(value: &Json, negated: bool) -> Result<Clause, PolicyError> {
    let names = value.string_list().ok_or_else(|| syntax(format!("Action is a {}", value.type_name())))?;
    if names.is_empty() {
        return Err(PolicyErrorKind::MissingActions.into());
    }
    let patterns = names
        .into_iter()
        .map(|name| {
            let vendored =
                name.split_once(':').is_some_and(|(vendor, action)| !vendor.is_empty() && !action.is_empty());
            if name == "*" || vendored {
                Ok(compile_action(name))
            } else {
                Err(PolicyErrorKind::MissingVendor(name.to_owned()).into())
            }
        })
        .collect::<Result<_, PolicyError>>()?;
    Ok(Clause { negated, patterns })
}

/// Resources: `*` or an ARN. Variables may appear only "after the fifth colon": the part
/// before it is compiled without them.
fn parse_resources(value: &Json, negated: bool, version: Version) -> Result<Clause, PolicyError> {
    let names = value.string_list().ok_or_else(|| syntax(format!("Resource is a {}", value.type_name())))?;
    if names.is_empty() {
        return Err(PolicyErrorKind::MissingResources.into());
    }
    let patterns = names
        .into_iter()
        .map(|name| {
            if name != "*" && !name.starts_with("arn:") {
                return Err(PolicyErrorKind::InvalidResource(name.to_owned()).into());
            }
            let plain = Syntax { wildcards: true, variables: false, fold_case: false };
            let with_vars = Syntax { variables: version == Version::V2012, ..plain };
            let split = name.match_indices(':').nth(4).map_or(name.len(), |(i, _)| i + 1);
            let mut tokens = Template::parse(&name[..split], plain).tokens().to_vec();
            tokens.extend_from_slice(Template::parse(&name[split..], with_vars).tokens());
            Ok(Template::from_tokens(tokens, false))
        })
        .collect::<Result<_, PolicyError>>()?;
    Ok(Clause { negated, patterns })
}

/// `{"Operator": {"key": value-or-values, ...}, ...}`.
fn parse_conditions(value: &Json, version: Version) -> Result<Vec<Condition>, PolicyError> {
    let Json::Object(operators) = value else {
        return Err(syntax(format!("Condition is a {}", value.type_name())));
    };
    let mut conditions = Vec::new();
    for (name, block) in operators {
        let operator = Operator::parse(name).ok_or_else(|| PolicyErrorKind::InvalidConditionOperator(name.clone()))?;
        let Json::Object(keys) = block else {
            return Err(syntax(format!("condition {name} is a {}", block.type_name())));
        };
        for (key, values) in keys {
            let vendored = key.split_once(':').is_some_and(|(vendor, rest)| !vendor.is_empty() && !rest.is_empty());
            if !vendored {
                return Err(PolicyErrorKind::MissingVendor(key.clone()).into());
            }
            let values = match values {
                Json::Array(items) => items.iter().map(Json::scalar_text).collect::<Option<Vec<_>>>(),
                scalar => scalar.scalar_text().map(|text| vec![text]),
            }
            .ok_or_else(|| syntax(format!("condition value of {key} is not a string, number or Boolean")))?;
            conditions.push(Condition::new(operator, key, &values, version == Version::V2012));
        }
    }
    Ok(conditions)
}
