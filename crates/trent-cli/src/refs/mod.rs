//! `trent resolve` and `trent exec`: CloudFormation-style dynamic references
//! (`{{resolve:ssm:...}}`, `{{resolve:ssm-secure:...}}`, `{{resolve:secretsmanager:...}}`)
//! rendered in any text file, or handed to a command as environment variables, together with
//! every parameter under a path and a CodeBuild buildspec's `env` maps.
//!
//! Every reference is resolved before anything is written or run: one that does not resolve
//! fails the whole command with a message naming it, and no output file appears (it is
//! staged, see [`crate::outfile`]) and no command starts. Values go only to the output or to
//! the command's environment: never to its argv, a log or an error message.

mod buildspec;
mod fetch;
mod grammar;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;
use zeroize::Zeroizing;

use crate::envelope::connection::Connection;
use crate::outfile::OutFile;
use fetch::{FetchError, Remote, Source, Value};
use grammar::{GrammarError, Reference};

/// The largest file `trent resolve` renders.
const MAX_INPUT: u64 = 16 << 20;
/// The most distinct references one command resolves.
const MAX_REFERENCES: usize = 1_000;

/// `trent resolve`.
#[derive(Args)]
pub(crate) struct ResolveArgs {
    /// The text or template to render (default: stdin).
    file: Option<PathBuf>,
    /// Write the rendered text here (default: stdout); it appears only once every reference has
    /// resolved.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    #[command(flatten)]
    connection: Connection,
}

/// `trent exec`.
#[derive(Args)]
pub(crate) struct ExecArgs {
    /// An environment variable NAME=VALUE whose value may hold references; repeatable.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// Every parameter under this path (recursively, decrypted) as a variable named after the
    /// rest of its name (`/app/prod/db-url` under `/app/prod` is `DB_URL`); repeatable.
    #[arg(long = "path", value_name = "PATH")]
    paths: Vec<String>,
    /// A CodeBuild buildspec whose `env.variables`, `env.parameter-store` and
    /// `env.secrets-manager` become variables.
    #[arg(long, value_name = "FILE")]
    buildspec: Option<PathBuf>,
    #[command(flatten)]
    connection: Connection,
    /// The command and its arguments (after `--`).
    #[arg(required = true, last = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// Why `resolve` or `exec` stopped.
#[derive(Debug)]
pub(crate) enum RefsError {
    Grammar(GrammarError),
    Fetch(FetchError),
    TooManyReferences,
    Input(String, std::io::Error),
    TooLarge(String),
    Buildspec(buildspec::BuildspecError),
    Env(String),
    Connection(String),
}

impl fmt::Display for RefsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Grammar(e) => e.fmt(f),
            Self::Fetch(e) => e.fmt(f),
            Self::TooManyReferences => write!(f, "more than {MAX_REFERENCES} distinct references"),
            Self::Input(what, e) => write!(f, "{what}: {e}"),
            Self::TooLarge(what) => write!(f, "{what}: larger than {} bytes", MAX_INPUT),
            Self::Buildspec(e) => e.fmt(f),
            Self::Env(message) | Self::Connection(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RefsError {}

impl From<GrammarError> for RefsError {
    fn from(e: GrammarError) -> Self {
        Self::Grammar(e)
    }
}

impl From<FetchError> for RefsError {
    fn from(e: FetchError) -> Self {
        Self::Fetch(e)
    }
}

/// Resolves each distinct reference once.
struct Resolved<'s, S> {
    source: &'s S,
    values: BTreeMap<Reference, Value>,
}

impl<'s, S: Source> Resolved<'s, S> {
    fn new(source: &'s S) -> Self {
        Self { source, values: BTreeMap::new() }
    }

    async fn get(&mut self, reference: &Reference) -> Result<&str, RefsError> {
        if !self.values.contains_key(reference) {
            if self.values.len() >= MAX_REFERENCES {
                return Err(RefsError::TooManyReferences);
            }
            let value = fetch::resolve(self.source, reference).await?;
            self.values.insert(reference.clone(), value);
        }
        Ok(self.values[reference].as_str())
    }

    /// `text` with every reference replaced by its value.
    async fn render(&mut self, text: &str) -> Result<Value, RefsError> {
        let found = grammar::scan(text)?;
        let mut out = Zeroizing::new(String::with_capacity(text.len()));
        let mut at = 0;
        for f in &found {
            out.push_str(&text[at..f.start]);
            out.push_str(self.get(&f.reference).await?);
            at = f.end;
        }
        out.push_str(&text[at..]);
        Ok(out)
    }
}

fn remote(connection: &Connection) -> Result<Remote, RefsError> {
    let client = |service| connection.json_client(service).map_err(|e| RefsError::Connection(e.to_string()));
    Ok(Remote { ssm: client(&trent_wire::ssm::SERVICE)?, secrets: client(&trent_wire::secretsmanager::SERVICE)? })
}

/// Reads at most [`MAX_INPUT`] bytes of text from `path` (`None`: stdin).
fn read_text(path: Option<&PathBuf>) -> Result<Zeroizing<String>, RefsError> {
    let what = path.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());
    let reader: Box<dyn Read> = match path {
        Some(p) => Box::new(std::fs::File::open(p).map_err(|e| RefsError::Input(what.clone(), e))?),
        None => Box::new(std::io::stdin()),
    };
    let mut bytes = Zeroizing::new(Vec::new());
    reader.take(MAX_INPUT + 1).read_to_end(&mut bytes).map_err(|e| RefsError::Input(what.clone(), e))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(RefsError::TooLarge(what));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| RefsError::Input(what, std::io::Error::other("not UTF-8 text")))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// `trent resolve [FILE] [-o OUT]`.
pub(crate) async fn resolve(args: ResolveArgs) -> Result<(), RefsError> {
    let text = read_text(args.file.as_ref())?;
    let source = remote(&args.connection)?;
    let rendered = Resolved::new(&source).render(&text).await?;
    match &args.output {
        Some(path) => {
            let what = path.display().to_string();
            let io = |e| RefsError::Input(what.clone(), e);
            let mut out = OutFile::create(path).map_err(io)?;
            out.write_all(rendered.as_bytes()).map_err(io)?;
            out.commit().map_err(io)
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(rendered.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| RefsError::Input("stdout".into(), e))
        }
    }
}

/// The environment `trent exec` adds: buildspec variables first, then `--path`, then `--env`
/// (a later source overrides an earlier one for the same name).
async fn environment(args: &ExecArgs, source: &impl Source) -> Result<BTreeMap<String, Value>, RefsError> {
    let mut resolved = Resolved::new(source);
    let mut env = BTreeMap::new();
    if let Some(path) = &args.buildspec {
        let text = read_text(Some(path))?;
        let spec = buildspec::parse(&text).map_err(RefsError::Buildspec)?;
        for (name, value) in spec.variables {
            env.insert(name, Zeroizing::new(value));
        }
        for (name, reference) in spec.references {
            let value = Zeroizing::new(resolved.get(&reference).await?.to_owned());
            env.insert(name, value);
        }
    }
    for path in &args.paths {
        let mut names = BTreeMap::new();
        for (full, value) in fetch::under_path(source, path).await? {
            let name = variable_name(path, &full)?;
            if let Some(other) = names.insert(name.clone(), full.clone()) {
                return Err(RefsError::Env(format!("{other} and {full} under --path {path} both become {name}")));
            }
            env.insert(name, value);
        }
    }
    for entry in &args.env {
        let Some((name, template)) = entry.split_once('=') else {
            return Err(RefsError::Env(format!("--env {entry:?} is not NAME=VALUE")));
        };
        check_name(name)?;
        env.insert(name.to_owned(), resolved.render(template).await?);
    }
    Ok(env)
}

/// `trent exec ... -- COMMAND [ARGS]`: replaces this process with the command.
pub(crate) async fn exec(args: ExecArgs) -> Result<(), RefsError> {
    let source = remote(&args.connection)?;
    let env = environment(&args, &source).await?;
    let (program, rest) = args.command.split_first().ok_or_else(|| RefsError::Env("no command".into()))?;
    let mut command = std::process::Command::new(program);
    command.args(rest);
    for (name, value) in &env {
        command.env(name, value.as_str());
    }
    use std::os::unix::process::CommandExt as _;
    let e = command.exec();
    Err(RefsError::Input(program.to_string_lossy().into_owned(), e))
}

/// The variable a parameter under `path` becomes: the rest of its name, with `/`, `-` and `.`
/// as `_`, in upper case.
fn variable_name(path: &str, full: &str) -> Result<String, RefsError> {
    let prefix = path.trim_end_matches('/');
    let rest = full.strip_prefix(prefix).unwrap_or(full).trim_start_matches('/');
    let name: String =
        rest.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    check_name(&name).map(|()| name)
}

/// A POSIX environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
fn check_name(name: &str) -> Result<(), RefsError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(RefsError::Env(format!("{name:?} is not a valid environment variable name")))
    }
}

#[cfg(test)]
mod tests;
