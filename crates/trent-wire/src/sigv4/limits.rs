//! The bounds that keep verifying a request proportional to the request's own size.
//!
//! A signature lists the headers it covers, and every listed name costs the verifier that
//! header's values once more in the canonical request. So the list is bounded in length, may
//! name a header only once (names compare case-insensitively, as header lookups do) and only
//! headers the request carries. The query string is bounded in parameters, the credential
//! scope's parts and the session token in length. A request that passes these checks has a
//! canonical request no longer than [`canonical_len_bound`] of it, a small multiple of its own
//! method, path, query and headers; nothing is reserved before the checks have passed.
//!
//! This module knows the limits and their messages, not how a canonical request is written.

use http::HeaderMap;

use super::SignedRequest;
use super::error::{self, AuthError};

/// The most header names one signature may list (`SignedHeaders`). The AWS SDKs sign fewer
/// than twenty; a longer list can only serve to make verification expensive.
pub const MAX_SIGNED_HEADERS: usize = 64;

/// The most parameters a signed request's query string may have. An awsQuery call (IAM, STS)
/// sent as a `GET` carries all its members in the query; the largest use a few hundred.
pub const MAX_QUERY_PARAMETERS: usize = 1000;

/// The longest access key id, region or service name a credential scope may carry. AWS access
/// key ids are at most 128 characters; region and service names are far shorter.
pub const MAX_CREDENTIAL_PART_LEN: usize = 128;

/// The longest session token (`X-Amz-Security-Token`) accepted. Trent's tokens are 256
/// characters; AWS's grow with session tags and policies but stay well below this.
pub const MAX_SECURITY_TOKEN_LEN: usize = 8192;

/// Checks the list of signed header names against the request: at most
/// [`MAX_SIGNED_HEADERS`], none more than once, every one present. (A list longer than the
/// request's distinct headers necessarily repeats a name or names an absent header.)
///
/// # Errors
/// [`AuthError::InvalidSignature`] naming the first violation: the request cannot carry a
/// valid signature under this list.
pub(super) fn check_signed_headers<S: AsRef<str>>(names: &[S], headers: &HeaderMap) -> Result<(), AuthError> {
    check_signed_header_count(names.len())?;
    for (i, name) in names.iter().enumerate() {
        let name = name.as_ref();
        if names[..i].iter().any(|earlier| earlier.as_ref().eq_ignore_ascii_case(name)) {
            return Err(error::signed_header_repeated(name));
        }
        if !headers.contains_key(name) {
            return Err(error::signed_header_absent(name));
        }
    }
    Ok(())
}

/// Checks the number of signed header names alone, before they are collected.
///
/// # Errors
/// [`AuthError::InvalidSignature`] for more than [`MAX_SIGNED_HEADERS`] names.
pub(super) fn check_signed_header_count(count: usize) -> Result<(), AuthError> {
    if count > MAX_SIGNED_HEADERS {
        return Err(error::too_many_signed_headers(count));
    }
    Ok(())
}

/// Checks that `query` has at most [`MAX_QUERY_PARAMETERS`] parameters, without allocating.
///
/// # Errors
/// [`AuthError::InvalidSignature`] for a longer query.
pub(super) fn check_query(query: &str) -> Result<(), AuthError> {
    if query_parameter_count(query) > MAX_QUERY_PARAMETERS {
        return Err(error::too_many_query_parameters());
    }
    Ok(())
}

/// The parameters of a query string, as the canonical request counts them (empty pieces
/// between `&`s are not parameters).
fn query_parameter_count(query: &str) -> usize {
    query.split('&').filter(|p| !p.is_empty()).count()
}

/// Checks the length of one part of a credential scope (access key id, region, service).
///
/// # Errors
/// [`AuthError::IncompleteSignature`] for a part longer than [`MAX_CREDENTIAL_PART_LEN`].
pub(super) fn check_credential_part(part: &str, credential: &str) -> Result<(), AuthError> {
    if part.len() > MAX_CREDENTIAL_PART_LEN {
        return Err(error::credential_part_too_long(credential));
    }
    Ok(())
}

/// Checks the length of a session token.
///
/// # Errors
/// [`AuthError::IncompleteSignature`] for a token longer than [`MAX_SECURITY_TOKEN_LEN`].
pub(super) fn check_security_token(token: &[u8]) -> Result<(), AuthError> {
    if token.len() > MAX_SECURITY_TOKEN_LEN {
        return Err(error::security_token_too_long());
    }
    Ok(())
}

/// An upper bound of the length of the canonical request of any signature over `req` that
/// passes [`check_signed_headers`]: four times the request's method, path, query and header
/// lines as sent on the wire (`name: value\r\n`), plus room for the fixed lines.
///
/// Each listed header is present and listed once, so its values appear once in the canonical
/// request; re-encoding turns a byte of the path or query into at most three (a query
/// parameter without `=` gains one); the list of names is no longer than the names themselves.
pub(super) fn canonical_len_bound(req: &SignedRequest<'_>) -> usize {
    let headers: usize = req.headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    let wire = req.method.len() + req.path.len() + req.query.map_or(0, str::len) + headers;
    4 * wire + 128
}
