//! The text rules of Parameter Store: parameter names and hierarchies, the reserved
//! prefixes, paths, labels, version selectors (`name:3`, `name:prod`) and parameter ARNs
//! ("Requirements and constraints for parameter names", "Working with parameter labels",
//! AWS Systems Manager User Guide).

use super::error::ParamsError;
use crate::ids::Scope;

/// Longest parameter name a caller may give, in characters (the model's 2,048 includes
/// 1,037 characters Systems Manager reserves for itself).
pub const MAX_NAME_CHARS: usize = 1011;
/// Most levels of a hierarchy (`/a/b/c` has three).
pub const MAX_HIERARCHY_LEVELS: usize = 15;
/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// The prefix of the names that reference Secrets Manager secrets.
pub const SECRETS_MANAGER_REFERENCE: &str = "/aws/reference/secretsmanager/";

/// Whether `c` may appear in a name segment.
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Whether `name` (with or without its leading slash) starts with `aws` or `ssm`, in any case.
pub fn is_reserved(name: &str) -> bool {
    let bare = name.strip_prefix('/').unwrap_or(name);
    let head = bare.get(..3).map(str::to_ascii_lowercase);
    matches!(head.as_deref(), Some("aws" | "ssm"))
}

/// Checks a name for a new parameter: the characters, the leading slash of a hierarchy, no
/// empty level, the length, the depth and the reserved prefixes.
///
/// # Errors
/// [`ParamsError::InvalidName`], [`ParamsError::ReservedName`] or
/// [`ParamsError::HierarchyTooDeep`].
pub fn check_name(name: &str) -> Result<(), ParamsError> {
    let invalid = || ParamsError::InvalidName { name: name.to_owned() };
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid());
    }
    let levels: Vec<&str> = match name.strip_prefix('/') {
        Some(rest) => rest.split('/').collect(),
        None if name.contains('/') => return Err(invalid()),
        None => vec![name],
    };
    if levels.iter().any(|l| l.is_empty() || !l.chars().all(name_char)) {
        return Err(invalid());
    }
    if is_reserved(name) {
        return Err(ParamsError::ReservedName { name: name.to_owned() });
    }
    if levels.len() > MAX_HIERARCHY_LEVELS {
        return Err(ParamsError::HierarchyTooDeep { name: name.to_owned() });
    }
    Ok(())
}

/// Whether `name` could name a stored parameter (a read of anything else finds nothing).
pub fn could_exist(name: &str) -> bool {
    check_name(name).is_ok()
}

/// A `GetParametersByPath` path without its trailing slash (`/` stays `/`).
///
/// # Errors
/// [`ParamsError::InvalidPath`] for a path that does not start with `/`, has an empty level
/// or a character no name may hold; [`ParamsError::HierarchyTooDeep`] past 15 levels.
pub fn normalize_path(path: &str) -> Result<&str, ParamsError> {
    let invalid = || ParamsError::InvalidPath { path: path.to_owned() };
    let Some(rest) = path.strip_prefix('/') else { return Err(invalid()) };
    if rest.is_empty() {
        return Ok("/");
    }
    let trimmed = rest.strip_suffix('/').unwrap_or(rest);
    let levels: Vec<&str> = trimmed.split('/').collect();
    if levels.iter().any(|l| l.is_empty() || !l.chars().all(name_char)) {
        return Err(invalid());
    }
    if levels.len() > MAX_HIERARCHY_LEVELS {
        return Err(ParamsError::HierarchyTooDeep { name: path.to_owned() });
    }
    Ok(&path[..trimmed.len() + 1])
}

/// The path a parameter sits directly in: `/a/b` for `/a/b/c`, `/` for `/a`, `None` for a
/// name outside any hierarchy.
pub fn parent(name: &str) -> Option<&str> {
    let cut = name.rfind('/')?;
    Some(if cut == 0 { "/" } else { &name[..cut] })
}

/// The parameter's ARN: `arn:aws:ssm:REGION:ACCOUNT:parameter/a/b` (one slash, whether or
/// not the name starts with one).
pub fn parameter_arn(scope: &Scope, name: &str) -> String {
    scope.arn("ssm", &format!("parameter/{}", name.strip_prefix('/').unwrap_or(name)))
}

/// The resource ARN of a path, as `GetParametersByPath` is authorized on it.
pub fn path_arn(scope: &Scope, path: &str) -> String {
    parameter_arn(scope, path.trim_end_matches('/'))
}

/// A name as a request may give it: the name itself, or the ARN of a parameter of the
/// caller's own account and region (`None` for another scope's ARN, which is never found).
pub fn own_name<'a>(scope: &Scope, given: &'a str) -> Option<&'a str> {
    if !given.starts_with("arn:") {
        return Some(given);
    }
    let prefix = scope.arn("ssm", "parameter");
    let rest = given.strip_prefix(&prefix)?;
    let name = rest.strip_prefix('/')?;
    // `parameter/a/b` names `/a/b`; `parameter/name` names `name`.
    if name.contains('/') { given.get(given.len() - name.len() - 1..) } else { Some(name) }
}

/// What a `name:selector` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selector<'a> {
    /// The newest version.
    Latest,
    /// A version number.
    Version(u64),
    /// The version a label points to.
    Label(&'a str),
}

/// Splits `name:selector` (names hold no `:`): a number is a version, anything else a label.
pub fn split_selector(given: &str) -> (&str, Selector<'_>) {
    if given.starts_with("arn:") {
        // `arn:aws:ssm:r:a:parameter/x:3`: the selector follows the resource part.
        return match given.rfind(':') {
            Some(i) if given[..i].contains("parameter") => (&given[..i], selector(&given[i + 1..])),
            _ => (given, Selector::Latest),
        };
    }
    match given.split_once(':') {
        Some((name, sel)) => (name, selector(sel)),
        None => (given, Selector::Latest),
    }
}

fn selector(s: &str) -> Selector<'_> {
    match s.parse::<u64>() {
        Ok(v) if !s.starts_with('+') => Selector::Version(v),
        _ => Selector::Label(s),
    }
}

/// Whether a label may be attached: 1..=100 letters, digits, `.`, `-`, `_`, not starting
/// with a digit, `aws` or `ssm` (in any case).
pub fn label_is_valid(label: &str) -> bool {
    let n = label.chars().count();
    (1..=MAX_LABEL_CHARS).contains(&n)
        && label.chars().all(name_char)
        && !label.starts_with(|c: char| c.is_ascii_digit())
        && !is_reserved(label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, Region};

    fn scope() -> Scope {
        Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap())
    }

    #[test]
    fn names_follow_aws_rules() {
        for ok in ["a", "/a", "/a/b/c", "My.Param-1_x", "/x/y.z"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "/a//b", "/a/", "/a b", "x:1", "/é", "/a/b*"] {
            assert!(matches!(check_name(bad), Err(ParamsError::InvalidName { .. })), "{bad}");
        }
        for reserved in ["aws", "/aws/x", "AWSx", "/SSM/a", "ssm-thing"] {
            assert!(matches!(check_name(reserved), Err(ParamsError::ReservedName { .. })), "{reserved}");
        }
        let deep15 = "/l".repeat(15);
        assert!(check_name(&deep15).is_ok());
        let deep16 = "/l".repeat(16);
        assert!(matches!(check_name(&deep16), Err(ParamsError::HierarchyTooDeep { .. })));
        assert!(check_name(&"a".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(check_name(&"a".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn paths_parents_and_arns() {
        assert_eq!(normalize_path("/").unwrap(), "/");
        assert_eq!(normalize_path("/a/b/").unwrap(), "/a/b");
        assert_eq!(normalize_path("/a/b").unwrap(), "/a/b");
        assert!(normalize_path("a").is_err() && normalize_path("/a//b").is_err());
        assert_eq!(parent("/a/b/c"), Some("/a/b"));
        assert_eq!(parent("/a"), Some("/"));
        assert_eq!(parent("a"), None);
        assert_eq!(parameter_arn(&scope(), "/a/b"), "arn:aws:ssm:us-east-1:111122223333:parameter/a/b");
        assert_eq!(parameter_arn(&scope(), "n"), "arn:aws:ssm:us-east-1:111122223333:parameter/n");
        assert_eq!(own_name(&scope(), "arn:aws:ssm:us-east-1:111122223333:parameter/a/b"), Some("/a/b"));
        assert_eq!(own_name(&scope(), "arn:aws:ssm:us-east-1:111122223333:parameter/n"), Some("n"));
        assert_eq!(own_name(&scope(), "arn:aws:ssm:us-east-1:444455556666:parameter/n"), None);
    }

    #[test]
    fn selectors_and_labels() {
        assert_eq!(split_selector("/a:3"), ("/a", Selector::Version(3)));
        assert_eq!(split_selector("/a:prod"), ("/a", Selector::Label("prod")));
        assert_eq!(split_selector("/a"), ("/a", Selector::Latest));
        assert_eq!(
            split_selector("arn:aws:ssm:us-east-1:111122223333:parameter/a:2"),
            ("arn:aws:ssm:us-east-1:111122223333:parameter/a", Selector::Version(2))
        );
        assert!(label_is_valid("prod") && label_is_valid("Blue_1.x-y"));
        for bad in ["", "1st", "aws-x", "SSMx", "a b", "a/b", &"l".repeat(101)] {
            assert!(!label_is_valid(bad), "{bad}");
        }
    }
}
