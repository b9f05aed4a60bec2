//! Signing requests for Trent's own clients, through the same canonicalisation code that
//! verifies them.
//!
//! [`sign`] produces the headers of header-based SigV4; [`presign`] the query string of a
//! presigned URL. Both choose the headers to sign the way the AWS SDKs do for the JSON
//! protocols: `host`, `content-type` and every `x-amz-*` header present.

use http::{HeaderName, HeaderValue};

use super::canonical::{self, ALGORITHM, AmzDate, Scope, SigningInput, TERMINATOR};
use super::{SignedRequest, signing_key};

const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");

/// Signs `req` with header-based SigV4 and returns the headers to add to it, in order:
/// `x-amz-date`, `x-amz-security-token` (when `session_token` is given) and `authorization`.
/// They replace any headers of the same names already present.
///
/// `req.headers` must already contain `host` and every other header to be sent. Signed are
/// `host`, `x-amz-date`, `x-amz-security-token`, `content-type` and any other `x-amz-*`
/// header present. The payload hash is that of `req.body`. `authorization` and the token are
/// marked sensitive so that `http`'s `Debug` hides them.
///
/// # Panics
/// If `access_key_id`, `region`, `service` or `session_token` contain characters that cannot
/// appear in an HTTP header value (control characters); these come from Trent's own
/// validated configuration, never from a peer. If more than
/// [`MAX_SIGNED_HEADERS`](super::MAX_SIGNED_HEADERS) headers are to be signed or the query has
/// more than [`MAX_QUERY_PARAMETERS`](super::MAX_QUERY_PARAMETERS) parameters: no verifier
/// would accept the request.
pub fn sign(
    req: &SignedRequest<'_>,
    access_key_id: &str,
    secret_access_key: &[u8],
    region: &str,
    service: &str,
    now: time::OffsetDateTime,
    session_token: Option<&str>,
) -> Vec<(HeaderName, HeaderValue)> {
    let client = ClientCredentials { access_key_id, region, service, session_token };
    sign_listed(req, &client, now, None, &|date| signing_key(secret_access_key, date, region, service))
}

/// Signs many requests with one credential, deriving the signing key once per day instead
/// of once per request (four HMACs saved on every call).
pub struct Signer {
    access_key_id: String,
    secret_access_key: trent_crypto::SecretBytes,
    region: String,
    service: String,
    session_token: Option<String>,
    cached: std::sync::Mutex<Option<(String, super::SigningKey)>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for one access key, region and service.
    pub fn new(
        access_key_id: &str,
        secret_access_key: trent_crypto::SecretBytes,
        region: &str,
        service: &str,
        session_token: Option<&str>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.to_owned(),
            secret_access_key,
            region: region.to_owned(),
            service: service.to_owned(),
            session_token: session_token.map(str::to_owned),
            cached: std::sync::Mutex::new(None),
        }
    }

    /// Exactly [`sign`] with this signer's credential.
    ///
    /// # Panics
    /// As [`sign`].
    pub fn sign(&self, req: &SignedRequest<'_>, now: time::OffsetDateTime) -> Vec<(HeaderName, HeaderValue)> {
        let client = ClientCredentials {
            access_key_id: &self.access_key_id,
            region: &self.region,
            service: &self.service,
            session_token: self.session_token.as_deref(),
        };
        let key_for = |date: &str| {
            let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match cached.as_ref() {
                Some((d, key)) if d == date => key.clone(),
                _ => {
                    let key = signing_key(self.secret_access_key.expose_secret(), date, &self.region, &self.service);
                    *cached = Some((date.to_owned(), key.clone()));
                    key
                }
            }
        };
        sign_listed(req, &client, now, None, &key_for)
    }
}

/// What a client signs with, bundled so the shared signing code takes few arguments.
pub(super) struct ClientCredentials<'c> {
    pub(super) access_key_id: &'c str,
    pub(super) region: &'c str,
    pub(super) service: &'c str,
    pub(super) session_token: Option<&'c str>,
}

/// [`sign`], signing exactly the headers in `listed` (sorted, lower-case, including
/// `x-amz-date`) instead of the default choice; used by the test vectors that sign custom
/// headers.
pub(super) fn sign_listed(
    req: &SignedRequest<'_>,
    client: &ClientCredentials<'_>,
    now: time::OffsetDateTime,
    listed: Option<&[&str]>,
    key_for: &dyn Fn(&str) -> super::SigningKey,
) -> Vec<(HeaderName, HeaderValue)> {
    let ClientCredentials { access_key_id, region, service, session_token } = *client;
    let amz_date = AmzDate::new(now);
    let date_value = HeaderValue::from_str(amz_date.as_str()).expect("an AmzDate is a valid header value");
    let token_value = session_token.map(|token| {
        let mut value = HeaderValue::from_str(token).expect("a session token is a valid header value");
        value.set_sensitive(true);
        value
    });

    let mut headers = req.headers.clone();
    headers.insert(X_AMZ_DATE, date_value.clone());
    if let Some(token) = &token_value {
        headers.insert(X_AMZ_SECURITY_TOKEN, token.clone());
    }
    let signed_headers = listed.map_or_else(|| headers_to_sign(&headers), <[&str]>::to_vec);
    let body_hash = canonical::payload_hash_hex(req.body);
    let scope = Scope { date: amz_date.date(), region, service };
    let input = SigningInput {
        signed_headers: &signed_headers,
        query_auth: false,
        payload_hash: &body_hash,
        amz_date: &amz_date,
        scope,
    };
    let key = key_for(scope.date);
    let signature = canonical::signature(&key, &SignedRequest { headers: &headers, ..*req }, &input)
        .expect("signed headers taken from the request, within the limits");

    let mut value = Vec::with_capacity(256);
    value.extend_from_slice(ALGORITHM.as_bytes());
    value.extend_from_slice(b" Credential=");
    for part in [access_key_id, scope.date, region, service, TERMINATOR] {
        value.extend_from_slice(part.as_bytes());
        value.push(b'/');
    }
    value.pop();
    value.extend_from_slice(b", SignedHeaders=");
    value.extend_from_slice(signed_headers.join(";").as_bytes());
    value.extend_from_slice(b", Signature=");
    canonical::push_hex_lower(&mut value, &signature);
    let mut authorization =
        HeaderValue::from_bytes(&value).expect("access key id, region and service are valid header text");
    authorization.set_sensitive(true);

    let mut out = Vec::with_capacity(3);
    out.push((X_AMZ_DATE, date_value));
    if let Some(token) = token_value {
        out.push((X_AMZ_SECURITY_TOKEN, token));
    }
    out.push((http::header::AUTHORIZATION, authorization));
    out
}

/// Presigns `req`: returns its query string (without `?`) extended with the `X-Amz-*`
/// parameters and `X-Amz-Signature`, valid from `now` for `expires`, clamped to AWS's range
/// of 1 second to 7 days.
///
/// Signed are the headers [`sign`] would sign that are present in `req.headers` (at least
/// `host`, and `x-amz-target` when present, as [`verify`](super::verify) requires); the
/// timestamp and token travel in the query instead. The payload hash is that of `req.body`:
/// the URL is good for that body only (the verifier refuses `UNSIGNED-PAYLOAD`).
///
/// # Panics
/// If more than [`MAX_SIGNED_HEADERS`](super::MAX_SIGNED_HEADERS) headers are to be signed or
/// the query has more than [`MAX_QUERY_PARAMETERS`](super::MAX_QUERY_PARAMETERS) parameters:
/// no verifier would accept the request.
#[expect(clippy::too_many_arguments, reason = "mirrors `sign`, plus the validity period")]
pub fn presign(
    req: &SignedRequest<'_>,
    access_key_id: &str,
    secret_access_key: &[u8],
    region: &str,
    service: &str,
    now: time::OffsetDateTime,
    expires: time::Duration,
    session_token: Option<&str>,
) -> String {
    let amz_date = AmzDate::new(now);
    let scope = Scope { date: amz_date.date(), region, service };
    let signed_headers = headers_to_sign(req.headers);
    let expires = expires.whole_seconds().clamp(1, 604_800).to_string();

    let mut query = Vec::with_capacity(512);
    if let Some(existing) = req.query.filter(|q| !q.is_empty()) {
        query.extend_from_slice(existing.as_bytes());
        query.push(b'&');
    }
    let credential = [access_key_id, scope.date, region, service, TERMINATOR].join("/");
    let signed_list = signed_headers.join(";");
    let mut params = vec![
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", amz_date.as_str()),
        ("X-Amz-Expires", &expires),
        ("X-Amz-SignedHeaders", &signed_list),
    ];
    if let Some(token) = session_token {
        params.push(("X-Amz-Security-Token", token));
    }
    for (i, (name, value)) in params.into_iter().enumerate() {
        if i > 0 {
            query.push(b'&');
        }
        query.extend_from_slice(name.as_bytes());
        query.push(b'=');
        value.bytes().for_each(|b| canonical::push_encoded(&mut query, b));
    }
    let mut query = String::from_utf8_lossy(&query).into_owned();

    let body_hash = canonical::payload_hash_hex(req.body);
    let input = SigningInput {
        signed_headers: &signed_headers,
        query_auth: true,
        payload_hash: &body_hash,
        amz_date: &amz_date,
        scope,
    };
    let key = signing_key(secret_access_key, scope.date, region, service);
    let signature = canonical::signature(&key, &SignedRequest { query: Some(&query), ..*req }, &input)
        .expect("signed headers taken from the request, within the limits");
    let mut hex = Vec::with_capacity(64);
    canonical::push_hex_lower(&mut hex, &signature);
    query.push('&');
    query.push_str(canonical::SIGNATURE_PARAM);
    query.push('=');
    query.push_str(&String::from_utf8_lossy(&hex));
    query
}

/// The names of the headers to sign, sorted: `host`, `content-type` and `x-amz-*`.
pub(super) fn headers_to_sign(headers: &http::HeaderMap) -> Vec<&str> {
    let mut names: Vec<&str> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|n| *n == "host" || *n == "content-type" || n.starts_with("x-amz-"))
        .collect();
    names.sort_unstable();
    names
}
