//! `ParameterFilters` (and `DescribeParameters`' older `Filters`): keys, options and values
//! checked once into [`Check`]s, then matched against parameters.
//!
//! `DescribeParameters` takes `Name` (`Equals`, `BeginsWith`, `Contains`), `Path`
//! (`OneLevel`, `Recursive`), `Type`, `KeyId`, `Tier`, `DataType` and `tag:KEY` (`Equals`,
//! `BeginsWith`); `GetParametersByPath` takes `Type`, `KeyId` (`Equals`, `BeginsWith`) and
//! `Label` (`Equals`) ("ParameterStringFilter", AWS Systems Manager API Reference).

use super::ParamsError;
use super::model::{DataType, ParamTag, ParameterType, ParameterVersion, Tier};
use super::names::{normalize_path, parent};

/// One `ParameterStringFilter` as the request gives it.
#[derive(Clone, Debug, Default)]
pub struct StringFilter {
    /// `Name`, `Type`, `KeyId`, `Path`, `Label`, `Tier`, `DataType` or `tag:KEY`.
    pub key: String,
    /// `Equals`, `BeginsWith`, `Contains`, `Recursive` or `OneLevel`.
    pub option: Option<String>,
    /// The values, any of which may match.
    pub values: Vec<String>,
}

/// One `ParametersFilter` (`DescribeParameters`' older `Filters`).
#[derive(Clone, Debug, Default)]
pub struct LegacyFilter {
    /// `Name`, `Type` or `KeyId`.
    pub key: String,
    /// The values, any of which may match.
    pub values: Vec<String>,
}

/// The operation the filters are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum For {
    Describe,
    ByPath,
}

/// How a text filter compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Equals,
    BeginsWith,
    Contains,
}

impl Op {
    fn matches(self, text: &str, value: &str) -> bool {
        match self {
            Op::Equals => text == value,
            Op::BeginsWith => text.starts_with(value),
            Op::Contains => text.contains(value),
        }
    }
}

/// A checked filter.
#[derive(Clone, Debug)]
pub(crate) enum Check {
    Name(Op, Vec<String>),
    Path { recursive: bool, paths: Vec<String> },
    Type(Vec<ParameterType>),
    KeyId(Op, Vec<String>),
    Tier(Vec<Tier>),
    DataType(Vec<DataType>),
    Label(Vec<String>),
    Tag { key: String, op: Op, values: Vec<String> },
}

const EQUALS: &[&str] = &["Equals", "BeginsWith"];
const NAME_OPTIONS: &[&str] = &["Equals", "BeginsWith", "Contains"];
const PATH_OPTIONS: &[&str] = &["Recursive", "OneLevel"];
const LABEL_OPTIONS: &[&str] = &["Equals"];

fn option(given: Option<&str>, valid: &'static [&'static str]) -> Result<&'static str, ParamsError> {
    let Some(given) = given else { return Ok(valid[0]) };
    valid
        .iter()
        .copied()
        .find(|v| *v == given)
        .ok_or_else(|| ParamsError::InvalidFilterOption { option: given.to_owned(), valid })
}

fn op(name: &str) -> Op {
    match name {
        "BeginsWith" => Op::BeginsWith,
        "Contains" => Op::Contains,
        _ => Op::Equals,
    }
}

fn values(f: &StringFilter) -> Result<Vec<String>, ParamsError> {
    if f.values.is_empty() {
        return Err(ParamsError::InvalidFilterValue { value: String::new() });
    }
    Ok(f.values.clone())
}

fn parsed<T>(f: &StringFilter, parse: fn(&str) -> Option<T>) -> Result<Vec<T>, ParamsError> {
    values(f)?.iter().map(|v| parse(v).ok_or_else(|| ParamsError::InvalidFilterValue { value: v.clone() })).collect()
}

/// Checks `filters` for `op`.
///
/// # Errors
/// `InvalidFilterKey`, `InvalidFilterOption`, `InvalidFilterValue`.
pub(crate) fn compile(filters: &[StringFilter], operation: For) -> Result<Vec<Check>, ParamsError> {
    let describe = operation == For::Describe;
    filters
        .iter()
        .map(|f| {
            let o = f.option.as_deref();
            let key = f.key.as_str();
            Ok(match key {
                "Type" => {
                    option(o, LABEL_OPTIONS)?;
                    Check::Type(parsed(f, ParameterType::parse)?)
                }
                "KeyId" => Check::KeyId(op(option(o, EQUALS)?), values(f)?),
                "Label" if !describe => {
                    option(o, LABEL_OPTIONS)?;
                    Check::Label(values(f)?)
                }
                "Name" if describe => Check::Name(op(option(o, NAME_OPTIONS)?), values(f)?),
                "Path" if describe => {
                    let recursive = option(o.or(Some("OneLevel")), PATH_OPTIONS)? == "Recursive";
                    let paths = values(f)?
                        .iter()
                        .map(|p| {
                            normalize_path(p)
                                .map(str::to_owned)
                                .map_err(|_| ParamsError::InvalidFilterValue { value: p.clone() })
                        })
                        .collect::<Result<_, _>>()?;
                    Check::Path { recursive, paths }
                }
                "Tier" if describe => {
                    option(o, LABEL_OPTIONS)?;
                    Check::Tier(parsed(f, Tier::parse)?)
                }
                "DataType" if describe => {
                    option(o, LABEL_OPTIONS)?;
                    Check::DataType(parsed(f, DataType::parse)?)
                }
                _ if describe && key.starts_with("tag:") && key.len() > 4 => {
                    Check::Tag { key: key[4..].to_owned(), op: op(option(o, EQUALS)?), values: f.values.clone() }
                }
                _ => return Err(ParamsError::InvalidFilterKey { key: key.to_owned() }),
            })
        })
        .collect()
}

/// The older `Filters` as `ParameterFilters`: `Name` begins with, `Type` and `KeyId` equal.
///
/// # Errors
/// `InvalidFilterKey` for another key.
pub(crate) fn from_legacy(filters: &[LegacyFilter]) -> Result<Vec<StringFilter>, ParamsError> {
    filters
        .iter()
        .map(|f| {
            let option = match f.key.as_str() {
                "Name" => "BeginsWith",
                "Type" | "KeyId" => "Equals",
                other => return Err(ParamsError::InvalidFilterKey { key: other.to_owned() }),
            };
            Ok(StringFilter { key: f.key.clone(), option: Some(option.to_owned()), values: f.values.clone() })
        })
        .collect()
}

/// Whether the checks need the parameter's tags.
pub(crate) fn needs_tags(checks: &[Check]) -> bool {
    checks.iter().any(|c| matches!(c, Check::Tag { .. }))
}

/// Whether `p` (with its `tags`, when a check needs them) passes every check but `Label`,
/// which the caller resolves against the store.
pub(crate) fn passes(checks: &[Check], p: &ParameterVersion, tags: &[ParamTag]) -> bool {
    checks.iter().all(|c| match c {
        Check::Name(op, values) => values.iter().any(|v| op.matches(&p.name, v)),
        Check::Path { recursive: false, paths } => paths.iter().any(|v| parent(&p.name) == Some(v.as_str())),
        Check::Path { recursive: true, paths } => paths.iter().any(|v| {
            let prefix = if v == "/" { "/".to_owned() } else { format!("{v}/") };
            p.name.starts_with(&prefix)
        }),
        Check::Type(types) => types.contains(&p.kind),
        Check::KeyId(op, values) => p.key_id.as_deref().is_some_and(|k| values.iter().any(|v| op.matches(k, v))),
        Check::Tier(tiers) => tiers.contains(&p.tier),
        Check::DataType(types) => types.contains(&p.data_type),
        Check::Label(_) => true,
        Check::Tag { key, op, values } => {
            tags.iter().any(|t| t.key == *key && (values.is_empty() || values.iter().any(|v| op.matches(&t.value, v))))
        }
    })
}

/// The labels a `Label` check asks for, if there is one.
pub(crate) fn labels(checks: &[Check]) -> Option<&[String]> {
    checks.iter().find_map(|c| match c {
        Check::Label(l) => Some(l.as_slice()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(key: &str, option: Option<&str>, values: &[&str]) -> StringFilter {
        StringFilter {
            key: key.into(),
            option: option.map(Into::into),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn keys_and_options_per_operation() {
        assert!(compile(&[f("Name", Some("Contains"), &["x"])], For::Describe).is_ok());
        assert!(matches!(compile(&[f("Name", None, &["x"])], For::ByPath), Err(ParamsError::InvalidFilterKey { .. })));
        assert!(matches!(
            compile(&[f("Label", None, &["x"])], For::Describe),
            Err(ParamsError::InvalidFilterKey { .. })
        ));
        assert!(compile(&[f("Label", Some("Equals"), &["x"])], For::ByPath).is_ok());
        assert!(matches!(
            compile(&[f("Label", Some("BeginsWith"), &["x"])], For::ByPath),
            Err(ParamsError::InvalidFilterOption { .. })
        ));
        assert!(matches!(
            compile(&[f("Type", None, &["Bogus"])], For::Describe),
            Err(ParamsError::InvalidFilterValue { .. })
        ));
        assert!(matches!(
            compile(&[f("Path", Some("Contains"), &["/a"])], For::Describe),
            Err(ParamsError::InvalidFilterOption { .. })
        ));
        assert!(compile(&[f("tag:env", None, &[])], For::Describe).is_ok());
        assert!(from_legacy(&[LegacyFilter { key: "Tier".into(), values: vec![] }]).is_err());
    }
}
