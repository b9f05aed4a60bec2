//! CloudFormation's dynamic references (`{{resolve:SERVICE:...}}`), as its user guide defines
//! them ("Using dynamic references to specify template values"):
//!
//! * `{{resolve:ssm:NAME[:VERSION]}}`: a `String` or `StringList` parameter;
//! * `{{resolve:ssm-secure:NAME[:VERSION]}}`: a `SecureString` parameter, decrypted;
//! * `{{resolve:secretsmanager:SECRET-ID[:SecretString[:JSON-KEY[:VERSION-STAGE[:VERSION-ID]]]]}}`:
//!   a secret's `SecretString`, or one top-level key of it when it is a JSON object.
//!
//! A parameter `NAME` or `SECRET-ID` may be an ARN (a parameter or secret shared from another
//! account); an ARN's own colons belong to it. Empty trailing segments mean "not given"; the
//! second segment of a secret reference is the literal `SecretString` or empty; at most one of
//! `VERSION-STAGE` and `VERSION-ID` (neither: `AWSCURRENT`). The parser knows nothing of the
//! services: it only turns text into [`Reference`]s, with every segment bounded.

use std::fmt;

/// What opens a reference in a text.
pub(crate) const OPEN: &str = "{{resolve:";
/// What closes it.
pub(crate) const CLOSE: &str = "}}";

/// The longest reference, between its braces, that the parser reads: more than the longest
/// secret ARN (2048) with every other segment at its longest.
pub(crate) const MAX_REFERENCE_LEN: usize = 4096;
/// Parameter names: at most 2048 characters, of `a-zA-Z0-9_.-/` (the SSM model's limits).
const MAX_PARAMETER_NAME: usize = 2048;
/// Secret ids (name or ARN): at most 2048 characters (the Secrets Manager model).
const MAX_SECRET_ID: usize = 2048;
/// Version stages and JSON keys: at most 256 characters.
const MAX_SEGMENT: usize = 256;
/// The fields of a parameter ARN (`arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`).
const PARAMETER_ARN_FIELDS: usize = 6;
/// The fields of a secret ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX`).
const SECRET_ARN_FIELDS: usize = 7;

/// One dynamic reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Reference {
    /// A parameter.
    Parameter {
        /// The name or ARN.
        name: String,
        /// A version; the latest when `None`.
        version: Option<u64>,
        /// Which types the form reads.
        form: ParameterForm,
    },
    /// A secret's `SecretString`.
    Secret {
        /// The name, ARN or partial ARN.
        id: String,
        /// One top-level key of the JSON object the string holds.
        json_key: Option<String>,
        /// Which version: a stage or an id (neither: `AWSCURRENT`).
        version: SecretVersion,
    },
}

/// Which parameter types a reference reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ParameterForm {
    /// `ssm`: `String` and `StringList`.
    Plain,
    /// `ssm-secure`: `SecureString`, decrypted.
    Secure,
    /// A buildspec's `env.parameter-store`: any type, `SecureString` decrypted.
    Any,
}

/// Which version of a secret a reference names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SecretVersion {
    /// `AWSCURRENT`.
    Current,
    /// A staging label.
    Stage(String),
    /// A version id.
    Id(String),
}

/// Why a reference does not parse: the reference as written travels with it so that the
/// message names it (a reference holds names, never values).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct GrammarError {
    /// The reference as written, without its braces (at most [`MAX_REFERENCE_LEN`] bytes of it).
    pub(crate) reference: String,
    pub(crate) problem: Problem,
}

/// What is wrong with a reference.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// `{{resolve:` without a closing `}}`.
    Unterminated,
    /// Longer than [`MAX_REFERENCE_LEN`].
    TooLong,
    /// A service other than `ssm`, `ssm-secure` and `secretsmanager`.
    UnknownService,
    /// No parameter name or secret id.
    MissingName,
    /// A parameter name too long or with a character outside `a-zA-Z0-9_.-/`.
    BadParameterName,
    /// A secret id over 2048 characters.
    BadSecretId,
    /// A version that is not a positive integer.
    BadVersion,
    /// The second segment of a secret reference is neither `SecretString` nor empty.
    NotSecretString,
    /// Both a version stage and a version id.
    StageAndId,
    /// A JSON key, stage or id over 256 characters.
    SegmentTooLong,
    /// More segments than the form has.
    TooManySegments,
}

impl fmt::Display for GrammarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.problem {
            Problem::Unterminated => "has no closing }}",
            Problem::TooLong => "is longer than 4096 characters",
            Problem::UnknownService => "names a service other than ssm, ssm-secure and secretsmanager",
            Problem::MissingName => "names no parameter or secret",
            Problem::BadParameterName => {
                "has a parameter name that is longer than 2048 characters or has a character outside a-zA-Z0-9_.-/"
            }
            Problem::BadSecretId => "has a secret id longer than 2048 characters",
            Problem::BadVersion => "has a version that is not a positive integer",
            Problem::NotSecretString => "must have SecretString (or nothing) after the secret id",
            Problem::StageAndId => "gives both a version stage and a version id",
            Problem::SegmentTooLong => "has a JSON key, version stage or version id longer than 256 characters",
            Problem::TooManySegments => "has more segments than its form allows",
        };
        write!(f, "{{{{resolve:{}}}}} {why}", self.reference)
    }
}

impl std::error::Error for GrammarError {}

/// One reference found in a text: its byte range (braces included) and what it names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) reference: Reference,
}

/// Every reference in `text`, in order; the first malformed one is an error.
pub(crate) fn scan(text: &str) -> Result<Vec<Found>, GrammarError> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(OPEN) {
        let start = from + at;
        let inner_start = start + OPEN.len();
        let Some(len) = text[inner_start..].find(CLOSE) else {
            let shown = clip(&text[inner_start..]);
            return Err(GrammarError { reference: shown.to_owned(), problem: Problem::Unterminated });
        };
        let inner = &text[inner_start..inner_start + len];
        let reference = parse(inner)?;
        let end = inner_start + len + CLOSE.len();
        found.push(Found { start, end, reference });
        from = end;
    }
    Ok(found)
}

/// Parses what is between `{{resolve:` and `}}`.
pub(crate) fn parse(inner: &str) -> Result<Reference, GrammarError> {
    let fail = |problem| GrammarError { reference: clip(inner).to_owned(), problem };
    if inner.len() > MAX_REFERENCE_LEN {
        return Err(fail(Problem::TooLong));
    }
    let (service, rest) = inner.split_once(':').unwrap_or((inner, ""));
    match service {
        "ssm" => parse_parameter(rest, ParameterForm::Plain).map_err(fail),
        "ssm-secure" => parse_parameter(rest, ParameterForm::Secure).map_err(fail),
        "secretsmanager" => parse_secret(rest).map_err(fail),
        _ => Err(fail(Problem::UnknownService)),
    }
}

/// A CodeBuild buildspec's `env.parameter-store` value: `NAME[:VERSION]`, any type.
pub(crate) fn parse_buildspec_parameter(text: &str) -> Result<Reference, GrammarError> {
    let fail = |problem| GrammarError { reference: format!("ssm:{}", clip(text)), problem };
    if text.len() > MAX_REFERENCE_LEN {
        return Err(fail(Problem::TooLong));
    }
    parse_parameter(text, ParameterForm::Any).map_err(fail)
}

fn parse_parameter(rest: &str, form: ParameterForm) -> Result<Reference, Problem> {
    let (name, tail) = split_id(rest, PARAMETER_ARN_FIELDS);
    if name.is_empty() {
        return Err(Problem::MissingName);
    }
    let bare = name.rsplit_once(":parameter").map_or(name, |(_, n)| n);
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/');
    if name.len() > MAX_PARAMETER_NAME || !bare.chars().all(allowed) {
        return Err(Problem::BadParameterName);
    }
    let mut segments = tail.map(|t| t.split(':').collect::<Vec<_>>()).unwrap_or_default();
    trim_empty_tail(&mut segments);
    let version = match segments.as_slice() {
        [] => None,
        [v] => Some(positive(v)?),
        _ => return Err(Problem::TooManySegments),
    };
    Ok(Reference::Parameter { name: name.to_owned(), version, form })
}

fn parse_secret(rest: &str) -> Result<Reference, Problem> {
    let (id, tail) = split_id(rest, SECRET_ARN_FIELDS);
    let segments = tail.map(|t| t.split(':').collect::<Vec<_>>()).unwrap_or_default();
    if segments.first().is_some_and(|s| !s.is_empty() && *s != "SecretString") {
        return Err(Problem::NotSecretString);
    }
    secret_reference(id, segments.get(1..).unwrap_or_default())
}

/// A CodeBuild buildspec's `env.secrets-manager` value:
/// `SECRET-ID[:JSON-KEY[:VERSION-STAGE[:VERSION-ID]]]` (CloudFormation's form without its
/// `SecretString` segment).
pub(crate) fn parse_buildspec_secret(text: &str) -> Result<Reference, GrammarError> {
    let fail = |problem| GrammarError { reference: format!("secretsmanager:{}", clip(text)), problem };
    if text.len() > MAX_REFERENCE_LEN {
        return Err(fail(Problem::TooLong));
    }
    let (id, tail) = split_id(text, SECRET_ARN_FIELDS);
    let segments = tail.map(|t| t.split(':').collect::<Vec<_>>()).unwrap_or_default();
    secret_reference(id, &segments).map_err(fail)
}

/// A secret reference from its id and the segments after `SecretString`: JSON key, version
/// stage, version id.
fn secret_reference(id: &str, segments: &[&str]) -> Result<Reference, Problem> {
    if id.is_empty() {
        return Err(Problem::MissingName);
    }
    if id.len() > MAX_SECRET_ID {
        return Err(Problem::BadSecretId);
    }
    let mut segments = segments.to_vec();
    trim_empty_tail(&mut segments);
    if segments.len() > 3 {
        return Err(Problem::TooManySegments);
    }
    let segment = |i: usize| segments.get(i).copied().filter(|s| !s.is_empty());
    if segments.iter().any(|s| s.len() > MAX_SEGMENT) {
        return Err(Problem::SegmentTooLong);
    }
    let version = match (segment(1), segment(2)) {
        (Some(_), Some(_)) => return Err(Problem::StageAndId),
        (Some(stage), None) => SecretVersion::Stage(stage.to_owned()),
        (None, Some(id)) => SecretVersion::Id(id.to_owned()),
        (None, None) => SecretVersion::Current,
    };
    Ok(Reference::Secret { id: id.to_owned(), json_key: segment(0).map(str::to_owned), version })
}

/// Splits a name or ARN (an ARN keeps its first `arn_fields` colon-separated fields) from the
/// segments after it.
fn split_id(rest: &str, arn_fields: usize) -> (&str, Option<&str>) {
    let fields = if rest.starts_with("arn:") { arn_fields } else { 1 };
    match rest.match_indices(':').nth(fields - 1) {
        Some((at, _)) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    }
}

fn trim_empty_tail(segments: &mut Vec<&str>) {
    while segments.last().is_some_and(|s| s.is_empty()) {
        segments.pop();
    }
}

fn positive(text: &str) -> Result<u64, Problem> {
    match text.parse::<u64>() {
        Ok(v) if v > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(v),
        _ => Err(Problem::BadVersion),
    }
}

/// At most [`MAX_REFERENCE_LEN`] bytes of `text`, cut at a character boundary.
fn clip(text: &str) -> &str {
    if text.len() <= MAX_REFERENCE_LEN {
        return text;
    }
    let mut end = MAX_REFERENCE_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, version: Option<u64>, secure: bool) -> Reference {
        let form = if secure { ParameterForm::Secure } else { ParameterForm::Plain };
        Reference::Parameter { name: name.into(), version, form }
    }

    fn secret(id: &str, json_key: Option<&str>, version: SecretVersion) -> Reference {
        Reference::Secret { id: id.into(), json_key: json_key.map(Into::into), version }
    }

    #[test]
    fn parameter_forms() {
        assert_eq!(parse("ssm:/app/db/url"), Ok(param("/app/db/url", None, false)));
        assert_eq!(parse("ssm:/app/db/url:3"), Ok(param("/app/db/url", Some(3), false)));
        assert_eq!(parse("ssm-secure:db.password:12"), Ok(param("db.password", Some(12), true)));
        assert_eq!(parse("ssm:plain:"), Ok(param("plain", None, false)), "an empty version is no version");
        let arn = "arn:aws:ssm:us-east-1:111122223333:parameter/shared/x";
        assert_eq!(parse(&format!("ssm:{arn}")), Ok(param(arn, None, false)));
        assert_eq!(parse(&format!("ssm:{arn}:7")), Ok(param(arn, Some(7), false)));
    }

    #[test]
    fn secret_forms() {
        use SecretVersion::*;
        assert_eq!(parse("secretsmanager:MySecret"), Ok(secret("MySecret", None, Current)));
        assert_eq!(parse("secretsmanager:MySecret:SecretString"), Ok(secret("MySecret", None, Current)));
        assert_eq!(
            parse("secretsmanager:MySecret:SecretString:password"),
            Ok(secret("MySecret", Some("password"), Current))
        );
        assert_eq!(parse("secretsmanager:MySecret::password"), Ok(secret("MySecret", Some("password"), Current)));
        assert_eq!(
            parse("secretsmanager:MySecret:SecretString:password:AWSPREVIOUS"),
            Ok(secret("MySecret", Some("password"), Stage("AWSPREVIOUS".into())))
        );
        assert_eq!(
            parse("secretsmanager:MySecret:SecretString::AWSPENDING"),
            Ok(secret("MySecret", None, Stage("AWSPENDING".into())))
        );
        assert_eq!(
            parse("secretsmanager:MySecret:SecretString:::EXAMPLE1-90ab-cdef-fedc-ba987SECRET1"),
            Ok(secret("MySecret", None, Id("EXAMPLE1-90ab-cdef-fedc-ba987SECRET1".into())))
        );
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:MySecret-a1b2c3";
        assert_eq!(parse(&format!("secretsmanager:{arn}")), Ok(secret(arn, None, Current)));
        assert_eq!(
            parse(&format!("secretsmanager:{arn}:SecretString:username")),
            Ok(secret(arn, Some("username"), Current))
        );
    }

    #[test]
    fn malformed_references_are_refused_by_name() {
        let problem = |inner: &str| parse(inner).map_err(|e| e.problem);
        assert_eq!(problem("s3:bucket/key"), Err(Problem::UnknownService));
        assert_eq!(problem("ssm"), Err(Problem::MissingName));
        assert_eq!(problem("ssm:"), Err(Problem::MissingName));
        assert_eq!(problem("ssm:a b"), Err(Problem::BadParameterName));
        assert_eq!(problem("ssm:x:0"), Err(Problem::BadVersion));
        assert_eq!(problem("ssm:x:+1"), Err(Problem::BadVersion));
        assert_eq!(problem("ssm:x:one"), Err(Problem::BadVersion));
        assert_eq!(problem("ssm:x:1:2"), Err(Problem::TooManySegments));
        assert_eq!(problem("secretsmanager:"), Err(Problem::MissingName));
        assert_eq!(problem("secretsmanager:s:SecretBinary"), Err(Problem::NotSecretString));
        assert_eq!(problem("secretsmanager:s:SecretString:k:AWSCURRENT:v1"), Err(Problem::StageAndId));
        assert_eq!(problem("secretsmanager:s:SecretString:k:st:id:more"), Err(Problem::TooManySegments));
        assert_eq!(problem(&format!("secretsmanager:s::{}", "k".repeat(257))), Err(Problem::SegmentTooLong));
        assert_eq!(problem(&format!("secretsmanager:{}", "s".repeat(2049))), Err(Problem::BadSecretId));
        assert_eq!(problem(&format!("ssm:{}", "p".repeat(2049))), Err(Problem::BadParameterName));
        assert_eq!(problem(&"x".repeat(MAX_REFERENCE_LEN + 1)), Err(Problem::TooLong));
    }

    #[test]
    fn buildspec_secret_forms() {
        use SecretVersion::*;
        assert_eq!(parse_buildspec_secret("db"), Ok(secret("db", None, Current)));
        assert_eq!(parse_buildspec_secret("db:password"), Ok(secret("db", Some("password"), Current)));
        assert_eq!(
            parse_buildspec_secret("db:password:AWSPREVIOUS"),
            Ok(secret("db", Some("password"), Stage("AWSPREVIOUS".into())))
        );
        assert_eq!(parse_buildspec_secret("db:::v-1"), Ok(secret("db", None, Id("v-1".into()))));
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-a1b2c3";
        assert_eq!(parse_buildspec_secret(&format!("{arn}:username")), Ok(secret(arn, Some("username"), Current)));
        assert_eq!(parse_buildspec_secret("db:k:s:i").map_err(|e| e.problem), Err(Problem::StageAndId));
        assert_eq!(parse_buildspec_secret(":k").map_err(|e| e.problem), Err(Problem::MissingName));
    }

    #[test]
    fn the_message_names_the_reference() {
        let e = parse("ssm:x:zero").unwrap_err();
        assert_eq!(e.to_string(), "{{resolve:ssm:x:zero}} has a version that is not a positive integer");
    }

    #[test]
    fn scan_finds_every_reference_in_order() {
        let text = "url={{resolve:ssm:/a/url}} pw={{resolve:secretsmanager:db:SecretString:password}}!";
        let found = scan(text).expect("scan");
        assert_eq!(found.len(), 2);
        assert_eq!(&text[found[0].start..found[0].end], "{{resolve:ssm:/a/url}}");
        assert_eq!(found[1].reference, secret("db", Some("password"), SecretVersion::Current));
        assert_eq!(&text[found[1].end..], "!");
        assert_eq!(scan("no references {{here}}"), Ok(Vec::new()));
    }

    #[test]
    fn scan_refuses_an_unterminated_reference() {
        let e = scan("a {{resolve:ssm:/x and more").unwrap_err();
        assert_eq!(e.problem, Problem::Unterminated);
        assert!(e.to_string().starts_with("{{resolve:ssm:/x and more"));
    }

    #[test]
    fn a_long_unterminated_tail_is_clipped_at_a_character_boundary() {
        let text = format!("{{{{resolve:{}", "é".repeat(MAX_REFERENCE_LEN));
        let e = scan(&text).unwrap_err();
        assert!(e.reference.len() <= MAX_REFERENCE_LEN);
    }
}
