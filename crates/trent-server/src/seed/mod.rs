//! Seed files: accounts, access keys, KMS keys with fixed material, aliases, secrets and
//! Parameter Store parameters, applied
//! once and idempotently at start (and again after a dev-mode reset).
//!
//! A seed is read into a line-annotated [`tree`], checked against the schema in [`model`]
//! (every error names the file, the line and the field), checked against the store without
//! writing anything, and only then applied: a bad seed leaves no state behind.

mod apply;
mod model;
mod params;
mod tree;

use std::fmt;
use std::path::{Path, PathBuf};

pub use apply::{DEV_ACCESS_KEY, DEV_ACCOUNT, DEV_SECRET, apply, load, parse};
pub use model::Seed;

/// Why a seed file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// The seed file.
    pub file: PathBuf,
    /// The line the problem is on, when known.
    pub line: Option<usize>,
    /// The field, as a path (`keys[2].material`); empty for the whole file.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl SeedError {
    pub(crate) fn new(file: &Path, line: Option<usize>, field: &str, message: &str) -> Self {
        Self { file: file.to_owned(), line, field: field.to_owned(), message: message.to_owned() }
    }
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed file {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ", field {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SeedError {}
