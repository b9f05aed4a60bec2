//! The canonical request and string to sign: the one implementation shared by verification
//! and signing.
//!
//! Everything here is byte-exact AWS SigV4 for non-S3 services: the path is URI-encoded once
//! more as received (SDKs for non-S3 services double-encode), query parameters are decoded and
//! re-encoded in RFC 3986 form and sorted, header values are trimmed and their runs of spaces
//! collapsed. The canonical request is built as bytes, not a `String`, because a header value
//! may legally carry non-UTF-8 bytes and clients sign those bytes as they are.
//!
//! This module knows nothing of where the signature was found or how it is compared.

use std::ops::Range;

use super::error::AuthError;
use super::{SignedRequest, SigningKey, limits};

/// The only signing algorithm Trent accepts.
pub(super) const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The last element of every SigV4 credential scope.
pub(super) const TERMINATOR: &str = "aws4_request";
/// The query parameter that carries a presigned request's signature; never part of what is signed.
pub(super) const SIGNATURE_PARAM: &str = "X-Amz-Signature";

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// The credential scope a signature is bound to, minus the access key id.
#[derive(Clone, Copy)]
pub(super) struct Scope<'s> {
    pub(super) date: &'s str,
    pub(super) region: &'s str,
    pub(super) service: &'s str,
}

/// Everything one signature computation needs besides the request itself.
pub(super) struct SigningInput<'s, S> {
    /// Header names in the order they are signed (as listed by the client when verifying).
    pub(super) signed_headers: &'s [S],
    /// Whether the signature travels in the query string, so `X-Amz-Signature` is left out.
    pub(super) query_auth: bool,
    /// Last line of the canonical request: the body's SHA-256 in 64 lower-case hex digits.
    pub(super) payload_hash: &'s [u8],
    /// The request time in ISO 8601 basic format.
    pub(super) amz_date: &'s AmzDate,
    pub(super) scope: Scope<'s>,
}

/// A UTC timestamp written as `YYYYMMDD'T'HHMMSS'Z'`, kept on the stack.
pub(super) struct AmzDate([u8; 16]);

impl AmzDate {
    /// Formats `ts` (converted to UTC). Years outside 0..=9999 cannot be written in four
    /// digits and are clamped; neither the parser nor a real clock produces them.
    pub(super) fn new(ts: time::OffsetDateTime) -> Self {
        let ts = ts.to_offset(time::UtcOffset::UTC);
        let year = ts.year().clamp(0, 9999) as u32;
        let mut out = [0u8; 16];
        let fields = [
            (0, 4, year),
            (4, 2, u32::from(u8::from(ts.month()))),
            (6, 2, u32::from(ts.day())),
            (9, 2, u32::from(ts.hour())),
            (11, 2, u32::from(ts.minute())),
            (13, 2, u32::from(ts.second())),
        ];
        for (start, width, mut value) in fields {
            for i in (start..start + width).rev() {
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        out[8] = b'T';
        out[15] = b'Z';
        AmzDate(out)
    }

    /// The whole timestamp, e.g. `20150830T123600Z`.
    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("an AmzDate holds only ASCII digits, 'T' and 'Z'")
    }

    /// The `YYYYMMDD` date part, as used in the credential scope.
    pub(super) fn date(&self) -> &str {
        &self.as_str()[..8]
    }
}

/// The lower-case hex SHA-256 of `body`, as the last line of a canonical request.
pub(super) fn payload_hash_hex(body: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, b) in trent_crypto::sha256(body).iter().enumerate() {
        out[2 * i] = HEX_LOWER[usize::from(b >> 4)];
        out[2 * i + 1] = HEX_LOWER[usize::from(b & 0x0f)];
    }
    out
}

/// Lower-case hex of `bytes`, appended to `out`.
pub(super) fn push_hex_lower(out: &mut Vec<u8>, bytes: &[u8]) {
    for b in bytes {
        out.push(HEX_LOWER[usize::from(b >> 4)]);
        out.push(HEX_LOWER[usize::from(b & 0x0f)]);
    }
}

/// Computes the signature of `req` under `key`: canonical request, string to sign, HMAC.
///
/// # Errors
/// As [`canonical_request`].
pub(super) fn signature<S: AsRef<str>>(
    key: &SigningKey,
    req: &SignedRequest<'_>,
    input: &SigningInput<'_, S>,
) -> Result<[u8; 32], AuthError> {
    let creq = canonical_request(req, input)?;
    let sts = string_to_sign(input, &creq);
    Ok(trent_crypto::hmac_sha256(&key.0, &sts))
}

/// The string to sign for a canonical request.
pub(super) fn string_to_sign<S>(input: &SigningInput<'_, S>, canonical_request: &[u8]) -> Vec<u8> {
    let Scope { date, region, service } = input.scope;
    let mut out = Vec::with_capacity(ALGORITHM.len() + 16 + date.len() + region.len() + service.len() + 96);
    out.extend_from_slice(ALGORITHM.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(input.amz_date.as_str().as_bytes());
    out.push(b'\n');
    for part in [date, region, service] {
        out.extend_from_slice(part.as_bytes());
        out.push(b'/');
    }
    out.extend_from_slice(TERMINATOR.as_bytes());
    out.push(b'\n');
    push_hex_lower(&mut out, &trent_crypto::sha256(canonical_request));
    out
}

/// Builds the canonical request of `req` into one buffer sized up front, after checking
/// the signed header list and the query against the [`limits`](super::limits).
///
/// # Errors
/// [`AuthError::InvalidSignature`] if a header named in `signed_headers` is absent or named
/// twice, if there are too many of them or if the query has too many parameters; nothing is
/// allocated before these checks.
pub(super) fn canonical_request<S: AsRef<str>>(
    req: &SignedRequest<'_>,
    input: &SigningInput<'_, S>,
) -> Result<Vec<u8>, AuthError> {
    let query = req.query.unwrap_or("");
    limits::check_signed_headers(input.signed_headers, req.headers)?;
    limits::check_query(query)?;
    let capacity = canonical_len(req, input);
    debug_assert!(capacity <= limits::canonical_len_bound(req), "a checked request's canonical request is bounded");
    let mut out = Vec::with_capacity(capacity);

    out.extend_from_slice(req.method.as_bytes());
    out.push(b'\n');
    push_canonical_uri(&mut out, req.path);
    out.push(b'\n');
    push_canonical_query(&mut out, query, input.query_auth);
    out.push(b'\n');
    for name in input.signed_headers {
        let name = name.as_ref();
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        for (i, value) in req.headers.get_all(name).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_trimmed(&mut out, value.as_bytes());
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    for (i, name) in input.signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        out.extend_from_slice(name.as_ref().as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(input.payload_hash);
    debug_assert!(out.len() <= capacity, "canonical_len is an upper bound");
    Ok(out)
}

/// An upper bound of the canonical request's length, exact but for the re-encoded path and
/// query (a byte becomes at most three, a parameter without `=` gains one).
fn canonical_len<S: AsRef<str>>(req: &SignedRequest<'_>, input: &SigningInput<'_, S>) -> usize {
    let query = req.query.unwrap_or("");
    let mut len = req.method.len() + 3 * req.path.len() + 1 + 4 * query.len() + input.payload_hash.len() + 6;
    for name in input.signed_headers {
        let name = name.as_ref();
        len += 2 * name.len() + 2;
        len += req.headers.get_all(name).iter().map(|v| v.len() + 1).sum::<usize>();
    }
    len
}

/// The path as received, each byte outside RFC 3986's unreserved set (and `/`) encoded.
fn push_canonical_uri(out: &mut Vec<u8>, path: &str) {
    if path.is_empty() {
        out.push(b'/');
        return;
    }
    for b in path.bytes() {
        if b == b'/' {
            out.push(b);
        } else {
            push_encoded(out, b);
        }
    }
}

/// Decodes and re-encodes each `name=value` pair, sorts by encoded name then value, and
/// appends them joined by `&`. Uses one scratch buffer and one index vector in all.
fn push_canonical_query(out: &mut Vec<u8>, query: &str, skip_signature: bool) {
    if query.is_empty() {
        return;
    }
    let mut scratch = Vec::with_capacity(3 * query.len());
    let mut pairs: Vec<(Range<usize>, Range<usize>)> = Vec::with_capacity(query.len() / 8 + 1);
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        if skip_signature && decoded_eq(name, SIGNATURE_PARAM) {
            continue;
        }
        let start = scratch.len();
        percent_decode(name).for_each(|b| push_encoded(&mut scratch, b));
        let name_end = scratch.len();
        percent_decode(value).for_each(|b| push_encoded(&mut scratch, b));
        pairs.push((start..name_end, name_end..scratch.len()));
    }
    pairs.sort_unstable_by(|a, b| {
        scratch[a.0.clone()].cmp(&scratch[b.0.clone()]).then_with(|| scratch[a.1.clone()].cmp(&scratch[b.1.clone()]))
    });
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(&scratch[name]);
        out.push(b'=');
        out.extend_from_slice(&scratch[value]);
    }
}

/// Appends `value` without leading or trailing spaces and with each run of spaces collapsed
/// to one, as AWS trims header values (spaces only, like the AWS SDKs).
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let start = value.iter().position(|&b| b != b' ').unwrap_or(value.len());
    let end = value.iter().rposition(|&b| b != b' ').map_or(start, |i| i + 1);
    let mut previous_space = false;
    for &b in &value[start..end] {
        if b == b' ' {
            if !previous_space {
                out.push(b);
            }
            previous_space = true;
        } else {
            out.push(b);
            previous_space = false;
        }
    }
}

/// Appends `b` as is if it is RFC 3986 unreserved, else as `%XX` with upper-case hex.
pub(super) fn push_encoded(out: &mut Vec<u8>, b: u8) {
    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
        out.push(b);
    } else {
        out.extend_from_slice(&[b'%', HEX_UPPER[usize::from(b >> 4)], HEX_UPPER[usize::from(b & 0x0f)]]);
    }
}

/// The bytes of a query component with `%XX` escapes decoded. A `%` not followed by two hex
/// digits stands for itself, and `+` is a literal plus (SigV4 clients encode spaces as `%20`).
pub(super) fn percent_decode(raw: &str) -> impl Iterator<Item = u8> + '_ {
    let bytes = raw.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        let b = *bytes.get(pos)?;
        let escaped = match b {
            b'%' => bytes.get(pos + 1).and_then(hex_value).zip(bytes.get(pos + 2).and_then(hex_value)),
            _ => None,
        };
        if let Some((hi, lo)) = escaped {
            pos += 3;
            return Some(hi << 4 | lo);
        }
        pos += 1;
        Some(b)
    })
}

/// Whether the percent-decoded `raw` equals `expected`, without allocating.
pub(super) fn decoded_eq(raw: &str, expected: &str) -> bool {
    if !raw.contains('%') {
        return raw == expected;
    }
    percent_decode(raw).eq(expected.bytes())
}

fn hex_value(b: &u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
