//! The `env` of a CodeBuild buildspec (`version: 0.2`): `variables` (plain values),
//! `parameter-store` (variable: parameter name) and `secrets-manager` (variable:
//! `secret-id:json-key:version-stage:version-id`), as CodeBuild's "Build specification
//! reference" defines them. The rest of the file (phases, artifacts...) is not read.
//!
//! The YAML is walked with `yaml-rust2`'s event parser, which keeps its state on the heap, so a
//! deeply nested file cannot exhaust the stack; nesting is bounded anyway.

use std::collections::BTreeSet;
use std::fmt;

use yaml_rust2::parser::{Event, Parser};

use super::grammar::{self, GrammarError, Reference};

/// The deepest nesting read.
const MAX_DEPTH: usize = 64;

/// What a buildspec's `env` holds.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Buildspec {
    /// `env.variables`, in file order.
    pub(crate) variables: Vec<(String, String)>,
    /// `env.parameter-store` and `env.secrets-manager`, in file order.
    pub(crate) references: Vec<(String, Reference)>,
}

/// Why a buildspec was refused, with its line.
#[derive(Debug)]
pub(crate) struct BuildspecError {
    line: usize,
    problem: BuildspecProblem,
}

#[derive(Debug)]
enum BuildspecProblem {
    Syntax(String),
    TooDeep,
    NotScalar(&'static str),
    Duplicate(String),
    Reference(GrammarError),
}

impl fmt::Display for BuildspecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "buildspec line {}: ", self.line)?;
        match &self.problem {
            BuildspecProblem::Syntax(e) => write!(f, "not valid YAML: {e}"),
            BuildspecProblem::TooDeep => write!(f, "nests deeper than {MAX_DEPTH} levels"),
            BuildspecProblem::NotScalar(section) => write!(f, "env.{section} must map names to text"),
            BuildspecProblem::Duplicate(name) => write!(f, "{name} is defined twice in env"),
            BuildspecProblem::Reference(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BuildspecError {}

enum Frame {
    /// A mapping and, between a key and its value, the key.
    Map(Option<String>),
    Seq,
}

/// The `env` section of `text`.
pub(crate) fn parse(text: &str) -> Result<Buildspec, BuildspecError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    // The keys from the root to the collection being read.
    let mut path: Vec<String> = Vec::new();
    let mut spec = Buildspec::default();
    let mut names = BTreeSet::new();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| BuildspecError {
            line: e.marker().line(),
            problem: BuildspecProblem::Syntax(e.info().to_owned()),
        })?;
        let line = mark.line();
        let fail = |problem| BuildspecError { line, problem };
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(BuildspecProblem::TooDeep));
                }
                if let Some(parent) = stack.last_mut() {
                    let key = match parent {
                        Frame::Map(key) => key.take().unwrap_or_default(),
                        Frame::Seq => String::new(),
                    };
                    if let Some(section) = env_section(&path) {
                        return Err(fail(BuildspecProblem::NotScalar(section)));
                    }
                    path.push(key);
                }
                stack.push(if matches!(event, Event::MappingStart(..)) { Frame::Map(None) } else { Frame::Seq });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                if !stack.is_empty() {
                    path.pop();
                }
            }
            Event::Scalar(value, ..) => {
                let Some(Frame::Map(key)) = stack.last_mut() else { continue };
                let Some(name) = key.take() else {
                    *key = Some(value);
                    continue;
                };
                let Some(section) = env_section(&path) else { continue };
                if !names.insert(name.clone()) {
                    return Err(fail(BuildspecProblem::Duplicate(name)));
                }
                let reference = match section {
                    "variables" => {
                        spec.variables.push((name, value));
                        continue;
                    }
                    "parameter-store" => grammar::parse_buildspec_parameter(&value),
                    _ => grammar::parse_buildspec_secret(&value),
                };
                spec.references.push((name, reference.map_err(|e| fail(BuildspecProblem::Reference(e)))?));
            }
            Event::Alias(_) => {
                if let Some(Frame::Map(key)) = stack.last_mut()
                    && key.take().is_none()
                {
                    *key = Some(String::new());
                }
            }
            Event::StreamEnd => return Ok(spec),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

/// The `env` section whose entries are read at `path`, if any.
fn env_section(path: &[String]) -> Option<&'static str> {
    match path {
        [env, section] if env == "env" => match section.as_str() {
            "variables" => Some("variables"),
            "parameter-store" => Some("parameter-store"),
            "secrets-manager" => Some("secrets-manager"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::grammar::{ParameterForm, SecretVersion};
    use super::*;

    #[test]
    fn reads_the_three_env_maps_and_nothing_else() {
        let text = r#"
version: 0.2
env:
  shell: bash
  variables:
    JAVA_HOME: "/usr/lib/jvm/java-17"
    STAGE: prod
  parameter-store:
    LOGIN_URL: /app/prod/login-url
    DB_PASSWORD: /app/prod/db-password
  exported-variables:
    - STAGE
  secrets-manager:
    DB_USER: prod/db:username
    API_KEY: "arn:aws:secretsmanager:us-east-1:111122223333:secret:api-a1b2c3:key::v-1"
phases:
  build:
    commands:
      - echo building
    variables:
      NOT_ENV: x
"#;
        let spec = parse(text).expect("buildspec");
        assert_eq!(
            spec.variables,
            vec![("JAVA_HOME".into(), "/usr/lib/jvm/java-17".into()), ("STAGE".into(), "prod".into())]
        );
        let names: Vec<_> = spec.references.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["LOGIN_URL", "DB_PASSWORD", "DB_USER", "API_KEY"]);
        assert_eq!(
            spec.references[0].1,
            Reference::Parameter { name: "/app/prod/login-url".into(), version: None, form: ParameterForm::Any }
        );
        assert_eq!(
            spec.references[3].1,
            Reference::Secret {
                id: "arn:aws:secretsmanager:us-east-1:111122223333:secret:api-a1b2c3".into(),
                json_key: Some("key".into()),
                version: SecretVersion::Id("v-1".into()),
            }
        );
    }

    #[test]
    fn refuses_what_codebuild_would_not_run() {
        let problem = |text: &str| parse(text).unwrap_err().to_string();
        assert!(problem("env:\n  variables:\n    A: [1, 2]\n").contains("env.variables must map names to text"));
        assert!(
            problem("env:\n  variables:\n    A: x\n  parameter-store:\n    A: /p\n").contains("A is defined twice")
        );
        assert!(
            problem("env:\n  secrets-manager:\n    A: s:k:stage:id\n")
                .contains("both a version stage and a version id")
        );
        assert!(problem("env: [\n").starts_with("buildspec line"));
        let deep = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
        assert!(problem(&deep).contains("nests deeper"));
    }

    #[test]
    fn a_file_without_env_has_no_variables() {
        assert_eq!(parse("version: 0.2\nphases: {}\n").expect("buildspec"), Buildspec::default());
        assert_eq!(parse("").expect("empty"), Buildspec::default());
    }
}
