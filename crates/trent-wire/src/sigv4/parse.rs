//! Reading the signature information out of a request: the `Authorization` header or the
//! presigned query parameters, the timestamp and the security token.
//!
//! Parsing checks shape, size and self-consistency only (required parts present, algorithm,
//! scope format, `host` signed, credential date equal to the request date, the bounds of
//! `limits`). It knows no secrets and computes no signature; see `canonical` for that.

use std::borrow::Cow;

use http::HeaderMap;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::canonical::{ALGORITHM, AmzDate, TERMINATOR, decoded_eq, percent_decode};
use super::error::{self, AuthError};
use super::{Authorization, Credential, SignatureLocation, SignedRequest, limits, signs};

/// The longest validity AWS allows a presigned request: one week.
const MAX_EXPIRES_SECONDS: i64 = 604_800;

/// The signature information as found, before its parts are validated.
#[derive(Default)]
struct Raw<'a> {
    algorithm: Option<Cow<'a, str>>,
    credential: Option<Cow<'a, str>>,
    signed_headers: Option<Cow<'a, str>>,
    signature: Option<Cow<'a, str>>,
}

/// Reads the SigV4 signature information of `req` without checking the signature itself.
///
/// The `Authorization` header is used if present, otherwise the presigned query parameters
/// (`X-Amz-Algorithm` and friends). The result is what [`super::verify`] and
/// [`super::check_clock_skew`] need.
///
/// # Errors
/// - [`AuthError::MissingAuthenticationToken`] if there is neither an `Authorization` header
///   nor an `X-Amz-Algorithm` query parameter.
/// - [`AuthError::IncompleteSignature`] if the signature information is malformed or a part
///   of it is missing (credential, signed headers, signature, date) or given twice, if the
///   algorithm is not `AWS4-HMAC-SHA256`, if a credential part or the session token is longer
///   than its bound, or if both locations are used at once.
/// - [`AuthError::InvalidSignature`] if `host` is not signed, if more than
///   [`MAX_SIGNED_HEADERS`](super::MAX_SIGNED_HEADERS) headers are, if the query has more than
///   [`MAX_QUERY_PARAMETERS`](super::MAX_QUERY_PARAMETERS) parameters, if the scope does not
///   end in `aws4_request`, if its date differs from the request's, or if the signature is not
///   64 lower-case hex digits.
pub fn parse_authorization(req: &SignedRequest<'_>) -> Result<Authorization, AuthError> {
    let header = req.headers.get(http::header::AUTHORIZATION);
    let query = req.query.unwrap_or("");
    let presigned = query_params(query).any(|(name, _)| decoded_eq(name, "X-Amz-Algorithm"));
    let header = match (header, presigned) {
        (None, false) => return Err(AuthError::MissingAuthenticationToken),
        (Some(_), true) => return Err(AuthError::incomplete(error::TWO_AUTH_MECHANISMS)),
        (header, _) => header,
    };
    limits::check_query(query)?;
    match header {
        Some(value) => {
            let value = value.to_str().map_err(|_| {
                AuthError::incomplete("The Authorization header must contain only visible ASCII characters.")
            })?;
            parse_header_auth(value, req.headers)
        }
        None => parse_query_auth(query),
    }
}

fn parse_header_auth(value: &str, headers: &HeaderMap) -> Result<Authorization, AuthError> {
    let value = value.trim();
    let (algorithm, params) = value.split_once(|c: char| c.is_ascii_whitespace()).unwrap_or((value, ""));
    let mut raw = Raw { algorithm: Some(Cow::Borrowed(algorithm)), ..Raw::default() };
    for pair in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, val)) = pair.split_once('=') else {
            return Err(AuthError::incomplete("Invalid key=value pair (missing equal-sign) in Authorization header."));
        };
        let slot = match key.trim() {
            "Credential" => &mut raw.credential,
            "SignedHeaders" => &mut raw.signed_headers,
            "Signature" => &mut raw.signature,
            _ => continue,
        };
        *slot = Some(Cow::Borrowed(val.trim()));
    }

    let date = header_date(headers);
    let mut missing = String::new();
    for (absent, name) in
        [(&raw.credential, "Credential"), (&raw.signature, "Signature"), (&raw.signed_headers, "SignedHeaders")]
    {
        if absent.is_none() {
            missing.push_str(&format!("Authorization header requires '{name}' parameter. "));
        }
    }
    if date.is_none() {
        missing.push_str("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
    }
    let (true, Some(date)) = (missing.is_empty(), date) else {
        missing.truncate(missing.trim_end().len());
        return Err(AuthError::IncompleteSignature(missing));
    };
    let timestamp = date?;
    let security_token = match headers.get("x-amz-security-token") {
        Some(token) => {
            limits::check_security_token(token.as_bytes())?;
            Some(String::from_utf8_lossy(token.as_bytes()).into_owned())
        }
        None => None,
    };
    finish(raw, timestamp, security_token, SignatureLocation::Header)
}

fn parse_query_auth(query: &str) -> Result<Authorization, AuthError> {
    let mut raw = Raw::default();
    let (mut date, mut security_token, mut expires) = (None, None, None);
    for (name, value) in query_params(query) {
        let name = decode(name);
        let slot = match name.as_ref() {
            "X-Amz-Algorithm" => &mut raw.algorithm,
            "X-Amz-Credential" => &mut raw.credential,
            "X-Amz-SignedHeaders" => &mut raw.signed_headers,
            "X-Amz-Signature" => &mut raw.signature,
            "X-Amz-Date" => &mut date,
            "X-Amz-Security-Token" => &mut security_token,
            "X-Amz-Expires" => &mut expires,
            _ => continue,
        };
        if slot.is_some() {
            return Err(error::repeated_query_auth_parameter(&name));
        }
        *slot = Some(decode(value));
    }

    let mut missing = String::new();
    for (absent, name) in [
        (&raw.credential, "X-Amz-Credential"),
        (&raw.signature, "X-Amz-Signature"),
        (&raw.signed_headers, "X-Amz-SignedHeaders"),
        (&date, "X-Amz-Date"),
    ] {
        if absent.is_none() {
            missing.push_str(&format!("AWS query-string parameters must include '{name}'. "));
        }
    }
    let (true, Some(date)) = (missing.is_empty(), date) else {
        missing.push_str("Re-examine the query-string parameters.");
        return Err(AuthError::IncompleteSignature(missing));
    };
    let timestamp = parse_amz_date(&date).ok_or_else(|| error::malformed_date(&date))?;
    let expires = expires.map(|e| parse_expires(&e)).transpose()?;
    if let Some(token) = &security_token {
        limits::check_security_token(token.as_bytes())?;
    }
    let security_token = security_token.map(Cow::into_owned);
    finish(raw, timestamp, security_token, SignatureLocation::Query { expires })
}

/// The checks common to both locations, in AWS's order: incomplete before invalid.
fn finish(
    raw: Raw<'_>,
    timestamp: OffsetDateTime,
    security_token: Option<String>,
    location: SignatureLocation,
) -> Result<Authorization, AuthError> {
    let (Some(algorithm), Some(credential), Some(signed_headers), Some(signature)) =
        (raw.algorithm, raw.credential, raw.signed_headers, raw.signature)
    else {
        return Err(AuthError::incomplete("The signature information is incomplete."));
    };
    if algorithm != ALGORITHM {
        return Err(error::unsupported_algorithm(&algorithm));
    }
    let mut parts = credential.split('/');
    let (Some(access_key_id), Some(date), Some(region), Some(service), Some(terminator), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(error::malformed_credential(&credential));
    };
    for part in [access_key_id, region, service] {
        limits::check_credential_part(part, &credential)?;
    }
    limits::check_signed_header_count(signed_headers.split(';').count())?;
    let signed_headers: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
    if !signs(&signed_headers, "host") {
        return Err(AuthError::invalid(error::HOST_NOT_SIGNED));
    }
    if terminator != TERMINATOR {
        return Err(error::bad_terminator(terminator));
    }
    let amz_date = AmzDate::new(timestamp);
    if date != amz_date.date() {
        return Err(error::scope_date_mismatch(date, amz_date.date(), amz_date.as_str()));
    }
    let signature = decode_signature(&signature).ok_or_else(AuthError::signature_mismatch)?;
    Ok(Authorization {
        credential: Credential {
            access_key_id: access_key_id.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
        },
        signed_headers,
        signature,
        timestamp,
        security_token,
        location,
    })
}

/// The request time from `X-Amz-Date`, else from `Date`; `None` if neither header is present.
fn header_date(headers: &HeaderMap) -> Option<Result<OffsetDateTime, AuthError>> {
    if let Some(value) = headers.get("x-amz-date") {
        let text = String::from_utf8_lossy(value.as_bytes());
        return Some(parse_amz_date(&text).ok_or_else(|| error::malformed_date(&text)));
    }
    let value = headers.get(http::header::DATE)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    Some(parse_http_date(&text).ok_or_else(|| error::malformed_date(&text)))
}

/// Parses ISO 8601 basic format, `YYYYMMDD'T'HHMMSS'Z'`, strictly and without allocating.
fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let [hour, minute, second] = [number(9..11)?, number(11..13)?, number(13..15)?].map(|v| v.min(255) as u8);
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Parses an RFC 1123 `Date` header, e.g. `Sun, 30 Aug 2015 12:36:00 GMT`.
fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(text.trim(), &format).ok().map(PrimitiveDateTime::assume_utc)
}

fn parse_expires(text: &str) -> Result<time::Duration, AuthError> {
    let seconds: i64 = text.parse().map_err(|_| AuthError::incomplete("X-Amz-Expires should be a number"))?;
    if seconds < 0 {
        return Err(AuthError::incomplete("X-Amz-Expires must be non-negative"));
    }
    if seconds > MAX_EXPIRES_SECONDS {
        return Err(AuthError::incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800"));
    }
    Ok(time::Duration::seconds(seconds))
}

/// Decodes 64 lower-case hex digits; anything else cannot match a computed signature.
fn decode_signature(text: &str) -> Option<[u8; 32]> {
    let b = text.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = nibble(b[2 * i])? << 4 | nibble(b[2 * i + 1])?;
    }
    Some(out)
}

/// The raw `(name, value)` pairs of a query string; a parameter without `=` has value `""`.
fn query_params(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// A percent-decoded query component; borrowed when there is nothing to decode.
fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.contains('%') {
        return Cow::Borrowed(raw);
    }
    let bytes: Vec<u8> = percent_decode(raw).collect();
    Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
}
