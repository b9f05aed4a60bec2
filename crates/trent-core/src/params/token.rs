//! `NextToken`s: an opaque encoding of where a listing stopped (the last name, or the last
//! version of a history). A token this server did not issue is `InvalidNextToken`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::ParamsError;

const NAME: &str = "n1.";
const VERSION: &str = "v1.";

/// A token that resumes a listing after `name`.
pub(crate) fn after_name(name: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{NAME}{name}"))
}

/// A token that resumes a history after `version`.
pub(crate) fn after_version(version: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{VERSION}{version}"))
}

fn decode(token: &str) -> Result<String, ParamsError> {
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| ParamsError::InvalidNextToken)?;
    String::from_utf8(bytes).map_err(|_| ParamsError::InvalidNextToken)
}

/// The name a listing token resumes after.
///
/// # Errors
/// [`ParamsError::InvalidNextToken`].
pub(crate) fn name_of(token: &str) -> Result<String, ParamsError> {
    decode(token)?.strip_prefix(NAME).map(str::to_owned).ok_or(ParamsError::InvalidNextToken)
}

/// The version a history token resumes after.
///
/// # Errors
/// [`ParamsError::InvalidNextToken`].
pub(crate) fn version_of(token: &str) -> Result<u64, ParamsError> {
    decode(token)?.strip_prefix(VERSION).and_then(|v| v.parse().ok()).ok_or(ParamsError::InvalidNextToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_foreign_text() {
        assert_eq!(name_of(&after_name("/a/b")).unwrap(), "/a/b");
        assert_eq!(version_of(&after_version(42)).unwrap(), 42);
        assert!(name_of(&after_version(1)).is_err());
        assert!(version_of(&after_name("x")).is_err());
        assert!(name_of("!!!").is_err());
    }
}
