//! AWS Signature Version 4: verifying the requests Trent receives and signing the ones its
//! own clients send.
//!
//! Verification is three steps, so that the caller can look up the secret in between:
//! [`parse_authorization`] reads the signature information (header or presigned query),
//! [`check_clock_skew`] bounds its age against the server's clock, and [`verify`] recomputes
//! the signature under a [`SigningKey`] derived with [`signing_key`] and compares it in
//! constant time. Signing ([`sign`], [`presign`]) goes through the same canonicalisation code
//! as verification, so the two cannot drift apart.
//!
//! The canonicalisation is the one AWS uses for non-S3 services: the received path is
//! URI-encoded once more, the query is decoded, re-encoded and sorted, header values are
//! trimmed. The path is not normalised (`.`/`..` segments are signed as sent), which is what
//! the KMS wire protocol's fixed path `/` needs.
//!
//! Verifying costs work and memory proportional to the request, never more: the signed header
//! list is bounded ([`MAX_SIGNED_HEADERS`], each header named once and present), and so are
//! the query ([`MAX_QUERY_PARAMETERS`]), the credential's parts and the session token. The
//! payload is always signed (no `UNSIGNED-PAYLOAD`: that is S3's), and a presigned request
//! must sign `host` and its `X-Amz-Target`, so that a presigned URL is good for one operation
//! on one body.
//!
//! This module does not know which access keys exist, which region or service the server
//! answers for, or where the current time comes from: the caller checks the returned
//! [`Credential`] against its configuration and passes `now` from its clock. It holds no
//! state, performs no I/O and never logs; its errors carry no secret, signature or token.

mod canonical;
mod error;
mod limits;
mod parse;
mod sign;
#[cfg(test)]
mod tests;

use std::fmt;

use zeroize::Zeroize;

pub use self::error::AuthError;
pub use self::limits::{MAX_CREDENTIAL_PART_LEN, MAX_QUERY_PARAMETERS, MAX_SECURITY_TOKEN_LEN, MAX_SIGNED_HEADERS};
pub use self::parse::parse_authorization;
pub use self::sign::{Signer, presign, sign};

use self::canonical::{AmzDate, Scope, SigningInput};

/// A received (or to-be-sent) HTTP request, borrowed: what SigV4 signs.
///
/// Every field is taken as it appears on the wire, before any decoding, because the
/// signature covers those exact bytes.
#[derive(Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The raw path as received, still percent-encoded, e.g. `/`.
    pub path: &'a str,
    /// The raw query string without the leading `?`; `None` when the URI has none.
    pub query: Option<&'a str>,
    /// All request headers; `host` must be among them (HTTP/2 callers copy `:authority` in).
    pub headers: &'a http::HeaderMap,
    /// The complete request body, hashed into the signature.
    pub body: &'a [u8],
}

/// The credential scope a request was signed with: `AKID/YYYYMMDD/region/service/aws4_request`.
///
/// The caller must compare `region` and `service` with what it serves: a signature is only
/// as narrow as the scope the verifier insists on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The access key id, used to look up the secret access key.
    pub access_key_id: String,
    /// The scope date, `YYYYMMDD`; always equal to the date of the request's timestamp.
    pub date: String,
    /// The region the client signed for, e.g. `us-east-1`.
    pub region: String,
    /// The service the client signed for, e.g. `kms`.
    pub service: String,
}

/// Where the signature of a request was found, and what that implies for its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureLocation {
    /// In the `Authorization` header: valid within the clock-skew window around its timestamp.
    Header,
    /// In the query string (a presigned URL). `expires` is `X-Amz-Expires`, if given: the
    /// request is valid from its timestamp until that much later instead of within the
    /// clock-skew window.
    Query {
        /// How long after `X-Amz-Date` the presigned request stays valid.
        expires: Option<time::Duration>,
    },
}

/// The parsed signature information of a request, as returned by [`parse_authorization`].
#[derive(Clone)]
pub struct Authorization {
    /// Who signed, and for which date, region and service.
    pub credential: Credential,
    /// The headers covered by the signature, as the client listed them (lower-case, sorted).
    pub signed_headers: Vec<String>,
    /// The signature the client sent, to be compared in constant time by [`verify`].
    pub signature: [u8; 32],
    /// The signing time from `X-Amz-Date` (or the `Date` header), in UTC.
    pub timestamp: time::OffsetDateTime,
    /// `X-Amz-Security-Token`, present when the client used temporary credentials.
    pub security_token: Option<String>,
    /// Header or presigned query, which decides the payload and expiry rules.
    pub location: SignatureLocation,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("credential", &self.credential)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &"[REDACTED]")
            .field("timestamp", &self.timestamp)
            .field("security_token", &self.security_token.as_ref().map(|_| "[REDACTED]"))
            .field("location", &self.location)
            .finish()
    }
}

/// The SigV4 signing key for one access key, date, region and service.
///
/// Deriving it costs four HMACs, so a server may cache it per credential scope for the day.
/// It is zeroized on drop and prints as `[REDACTED]`.
#[derive(Clone)]
pub struct SigningKey([u8; 32]);

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([REDACTED])")
    }
}

/// Derives the signing key: HMAC-SHA256 chained from `"AWS4" + secret` over `date`
/// (`YYYYMMDD`), `region`, `service` and `"aws4_request"`.
pub fn signing_key(secret_access_key: &[u8], date: &str, region: &str, service: &str) -> SigningKey {
    let mut seed = Vec::with_capacity(4 + secret_access_key.len());
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret_access_key);
    let seed = trent_crypto::SecretBytes::new(seed);
    let mut key = trent_crypto::hmac_sha256(seed.expose_secret(), date.as_bytes());
    for part in [region, service, canonical::TERMINATOR] {
        let next = trent_crypto::hmac_sha256(&key, part.as_bytes());
        key.zeroize();
        key = next;
    }
    SigningKey(key)
}

/// Checks that the request's signature matches its content under `key`, in constant time.
///
/// `key` must be derived from the secret of `auth.credential.access_key_id` for the scope in
/// `auth.credential`. The payload hash is always computed from `req.body`, for both signature
/// locations: every `x-amz-content-sha256` header must equal it, so `UNSIGNED-PAYLOAD` (an S3
/// feature; Trent serves no S3) is refused, and a presigned URL is good for one body only. A
/// presigned request that carries `X-Amz-Target` must sign it, so that the URL is good for one
/// operation only.
///
/// # Errors
/// [`AuthError::InvalidSignature`] if the signature does not match; if a signed header is
/// absent from the request, named twice, or there are more than [`MAX_SIGNED_HEADERS`]; if the
/// query has more than [`MAX_QUERY_PARAMETERS`] parameters; if `x-amz-content-sha256`
/// disagrees with the body; or if a presigned request leaves `X-Amz-Target` unsigned.
pub fn verify(auth: &Authorization, req: &SignedRequest<'_>, key: &SigningKey) -> Result<(), AuthError> {
    let query_auth = matches!(auth.location, SignatureLocation::Query { .. });
    if query_auth && req.headers.contains_key(X_AMZ_TARGET) && !signs(&auth.signed_headers, X_AMZ_TARGET) {
        return Err(AuthError::invalid(error::TARGET_NOT_SIGNED));
    }
    let body_hash = canonical::payload_hash_hex(req.body);
    if req.headers.get_all(X_AMZ_CONTENT_SHA256).iter().any(|declared| declared.as_bytes() != body_hash) {
        return Err(AuthError::invalid(error::CONTENT_SHA256_MISMATCH));
    }
    let amz_date = AmzDate::new(auth.timestamp);
    let credential = &auth.credential;
    let input = SigningInput {
        signed_headers: &auth.signed_headers,
        query_auth,
        payload_hash: &body_hash,
        amz_date: &amz_date,
        scope: Scope { date: &credential.date, region: &credential.region, service: &credential.service },
    };
    let expected = canonical::signature(key, req, &input)?;
    if trent_crypto::constant_time_eq(&expected, &auth.signature) {
        Ok(())
    } else {
        Err(AuthError::signature_mismatch())
    }
}

/// The header that names the operation of an awsJson request.
const X_AMZ_TARGET: &str = "x-amz-target";
/// The header in which a client declares the SHA-256 of the body.
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// Whether `signed_headers` names `header` (lower-case), in any case.
fn signs(signed_headers: &[String], header: &str) -> bool {
    signed_headers.iter().any(|h| h.eq_ignore_ascii_case(header))
}

/// Checks the request time against `now`, allowing `max_skew` either way (AWS uses 15 min).
///
/// A presigned request with `X-Amz-Expires` is instead valid from its timestamp (less
/// `max_skew`) until `X-Amz-Expires` seconds after it.
///
/// # Errors
/// [`AuthError::InvalidSignature`] with AWS's "Signature expired", "Signature not yet
/// current" or "Request has expired" message.
pub fn check_clock_skew(
    auth: &Authorization,
    now: time::OffsetDateTime,
    max_skew: time::Duration,
) -> Result<(), AuthError> {
    let age = now - auth.timestamp;
    if -age > max_skew {
        let limit = now.checked_add(max_skew).unwrap_or(now);
        return Err(AuthError::invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + {})",
            AmzDate::new(auth.timestamp).as_str(),
            AmzDate::new(limit).as_str(),
            AmzDate::new(now).as_str(),
            Minutes(max_skew),
        )));
    }
    match auth.location {
        SignatureLocation::Query { expires: Some(expires) } if age > expires => {
            Err(AuthError::invalid(error::REQUEST_EXPIRED))
        }
        SignatureLocation::Query { expires: Some(_) } => Ok(()),
        SignatureLocation::Header | SignatureLocation::Query { expires: None } if age > max_skew => {
            let limit = now.checked_sub(max_skew).unwrap_or(now);
            Err(AuthError::invalid(format!(
                "Signature expired: {} is now earlier than {} ({} - {})",
                AmzDate::new(auth.timestamp).as_str(),
                AmzDate::new(limit).as_str(),
                AmzDate::new(now).as_str(),
                Minutes(max_skew),
            )))
        }
        SignatureLocation::Header | SignatureLocation::Query { expires: None } => Ok(()),
    }
}

/// Writes a skew window as AWS does, `15 min.`, falling back to seconds for odd windows.
struct Minutes(time::Duration);

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.whole_seconds();
        if seconds % 60 == 0 { write!(f, "{} min.", seconds / 60) } else { write!(f, "{seconds} sec.") }
    }
}
