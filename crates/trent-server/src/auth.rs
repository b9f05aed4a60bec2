//! Request authentication: SigV4 verification against stored access keys and STS sessions.
//!
//! The order is AWS's: the signature must be well formed, scoped to the service the target
//! names and to a hosted region (IAM and STS are global: any region), fresh within 15
//! minutes, made with an active access key — temporary credentials with their own session
//! token — and correct; temporary credentials must not have expired. Credentials come from
//! the identity service's cache and derived signing keys are cached per access key, day,
//! region and service, so the steady state costs two SHA-256s and one HMAC per request and no
//! database read.
//!
//! Failures answer in the protocol's own names: `...Exception` types on awsJson (ADR 0003),
//! IAM/STS codes on awsQuery.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use http::StatusCode;
use http::request::Parts;
use parking_lot::RwLock;
use trent_core::{ActiveAccessKey, Caller, Region};
use trent_wire::sigv4::{self, AuthError, SignedRequest, SigningKey};
use trent_wire::{AwsError, iam, sts};

use crate::config::MAX_CLOCK_SKEW;
use crate::state::AppState;

const SIGNING_KEY_CACHE_LIMIT: usize = 10_000;
/// AWS's message for an unknown access key or a wrong session token.
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
/// AWS's message for expired temporary credentials.
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

type SigningKeyId = (String, String, String, String);

/// Verifies signatures; caches derived signing keys.
#[derive(Default)]
pub struct Authenticator {
    signing_keys: RwLock<HashMap<SigningKeyId, SigningKey>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("cached_signing_keys", &self.signing_keys.read().len()).finish()
    }
}

impl Authenticator {
    /// Forgets every derived signing key (after a reset removed the access keys they came from).
    pub fn clear(&self) {
        self.signing_keys.write().clear();
    }
}

/// Marks a request that arrived over TLS (`aws:SecureTransport`); the TLS listener inserts it
/// into the request's extensions.
#[derive(Clone, Copy, Debug)]
pub struct SecureTransport;

/// What the transport says about the client, for the [`Caller`]: its address (when the server
/// runs with connection info), its `User-Agent`, and whether TLS carried the request.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClientFacts {
    pub(crate) source_ip: Option<std::net::IpAddr>,
    pub(crate) user_agent: Option<String>,
    pub(crate) secure_transport: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientFacts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientFacts {
            source_ip: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
            user_agent: parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(1024).collect()),
            secure_transport: parts.extensions.get::<SecureTransport>().is_some(),
        })
    }
}

/// Why a request is not authenticated.
#[derive(Debug)]
pub(crate) enum AuthFailure {
    /// The signature is missing, malformed, stale or wrong.
    Signature(AuthError),
    /// The access key is not known or not active, or the session token is wrong or missing.
    UnrecognizedClient,
    /// Temporary credentials used after their expiry.
    ExpiredToken,
    /// The credentials could not be loaded.
    Internal(trent_core::IdentityError),
}

impl From<AuthError> for AuthFailure {
    fn from(e: AuthError) -> Self {
        Self::Signature(e)
    }
}

impl AuthFailure {
    /// The awsJson error AWS answers with. `MissingAuthenticationTokenException` is 403, the
    /// others 400, as KMS and the other awsJson services answer them (ADR 0003).
    pub(crate) fn to_json_error(&self) -> AwsError {
        match self {
            AuthFailure::Signature(e @ AuthError::MissingAuthenticationToken) => {
                AwsError::new(e.aws_type(), StatusCode::FORBIDDEN, e.message())
            }
            AuthFailure::Signature(e) => AwsError::new(e.aws_type(), StatusCode::BAD_REQUEST, e.message()),
            AuthFailure::UnrecognizedClient => {
                AwsError::new("UnrecognizedClientException", StatusCode::BAD_REQUEST, INVALID_TOKEN)
            }
            AuthFailure::ExpiredToken => AwsError::new("ExpiredTokenException", StatusCode::BAD_REQUEST, EXPIRED_TOKEN),
            AuthFailure::Internal(e) => {
                tracing::error!(error = %e, cause = ?std::error::Error::source(e), "credential lookup failed");
                AwsError::internal()
            }
        }
    }

    /// The awsQuery (IAM, STS) error AWS answers with (ADR 0003): `MissingAuthenticationToken`
    /// 403, `IncompleteSignature` 400, `SignatureDoesNotMatch` 403 (wrong signature, stale
    /// time, wrong scope), `InvalidClientTokenId` 403, `ExpiredToken` 403.
    pub(crate) fn to_query_error(&self) -> AwsError {
        match self {
            AuthFailure::Signature(e @ AuthError::MissingAuthenticationToken) => {
                AwsError::new("MissingAuthenticationToken", StatusCode::FORBIDDEN, e.message())
            }
            AuthFailure::Signature(e @ AuthError::IncompleteSignature(_)) => {
                AwsError::new("IncompleteSignature", StatusCode::BAD_REQUEST, e.message())
            }
            AuthFailure::Signature(e @ AuthError::InvalidSignature(_)) => {
                AwsError::new("SignatureDoesNotMatch", StatusCode::FORBIDDEN, e.message())
            }
            AuthFailure::UnrecognizedClient => {
                AwsError::new("InvalidClientTokenId", StatusCode::FORBIDDEN, INVALID_TOKEN)
            }
            AuthFailure::ExpiredToken => AwsError::new("ExpiredToken", StatusCode::FORBIDDEN, EXPIRED_TOKEN),
            AuthFailure::Internal(e) => {
                tracing::error!(error = %e, cause = ?std::error::Error::source(e), "credential lookup failed");
                AwsError::new("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.")
            }
        }
    }
}

impl Authenticator {
    fn signing_key(&self, key: &ActiveAccessKey, credential: &sigv4::Credential) -> SigningKey {
        let id =
            (key.access_key_id.clone(), credential.date.clone(), credential.region.clone(), credential.service.clone());
        if let Some(k) = self.signing_keys.read().get(&id) {
            return k.clone();
        }
        let derived =
            sigv4::signing_key(key.secret().expose_secret(), &credential.date, &credential.region, &credential.service);
        let mut cache = self.signing_keys.write();
        if cache.len() >= SIGNING_KEY_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(id, derived.clone());
        derived
    }
}

/// The SigV4 service a request's credential scope names, if it carries one: awsQuery
/// requests are routed to IAM or STS by it.
pub(crate) fn signed_service(req: &SignedRequest<'_>) -> Option<String> {
    sigv4::parse_authorization(req).ok().map(|a| a.credential.service)
}

/// Authenticates a request addressed to `service` (the SigV4 service name the target implies).
pub(crate) async fn authenticate(
    state: &AppState,
    req: &SignedRequest<'_>,
    service: &str,
    client: &ClientFacts,
) -> Result<Caller, AuthFailure> {
    let auth = sigv4::parse_authorization(req)?;
    if auth.credential.service != service {
        return Err(AuthError::InvalidSignature(format!(
            "Credential should be scoped to correct service: '{service}'."
        ))
        .into());
    }
    // IAM and STS are global services: their callers may sign for any region.
    let global = service == iam::SIGNING_SERVICE || service == sts::SIGNING_SERVICE;
    let region = Region::parse(&auth.credential.region)
        .ok()
        .filter(|r| global || state.config.regions.hosts(r))
        .ok_or_else(|| AuthError::InvalidSignature("Credential should be scoped to a valid region.".into()))?;
    sigv4::check_clock_skew(&auth, state.clock.now(), MAX_CLOCK_SKEW)?;
    let key: Arc<ActiveAccessKey> = state
        .identities
        .access_key(&auth.credential.access_key_id)
        .await
        .map_err(AuthFailure::Internal)?
        .ok_or(AuthFailure::UnrecognizedClient)?;
    // Temporary credentials need their own session token; long-term keys take none.
    if !key.token_matches(auth.security_token.as_deref()) {
        return Err(AuthFailure::UnrecognizedClient);
    }
    let signing_key = state.auth.signing_key(&key, &auth.credential);
    sigv4::verify(&auth, req, &signing_key)?;
    if key.is_expired(state.clock.now()) {
        return Err(AuthFailure::ExpiredToken);
    }
    Ok(Caller {
        principal: key.principal.clone(),
        access_key_id: key.access_key_id.clone(),
        region,
        source_ip: client.source_ip,
        user_agent: client.user_agent.clone(),
        secure_transport: client.secure_transport,
        identity: key.identity.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden table: each authentication failure's awsJson and awsQuery code and status.
    #[test]
    fn failures_answer_in_each_protocols_names() {
        let cases = [
            (
                AuthFailure::Signature(AuthError::MissingAuthenticationToken),
                ("MissingAuthenticationTokenException", 403),
                ("MissingAuthenticationToken", 403),
            ),
            (
                AuthFailure::Signature(AuthError::IncompleteSignature("i".into())),
                ("IncompleteSignatureException", 400),
                ("IncompleteSignature", 400),
            ),
            (
                AuthFailure::Signature(AuthError::InvalidSignature("s".into())),
                ("InvalidSignatureException", 400),
                ("SignatureDoesNotMatch", 403),
            ),
            (AuthFailure::UnrecognizedClient, ("UnrecognizedClientException", 400), ("InvalidClientTokenId", 403)),
            (AuthFailure::ExpiredToken, ("ExpiredTokenException", 400), ("ExpiredToken", 403)),
            (
                AuthFailure::Internal(trent_core::IdentityError::Crypto(
                    trent_crypto::CryptoError::AuthenticationFailed,
                )),
                ("InternalFailure", 500),
                ("InternalFailure", 500),
            ),
        ];
        for (failure, json, query) in cases {
            let j = failure.to_json_error();
            assert_eq!((j.code, j.status.as_u16()), json, "{failure:?}");
            let q = failure.to_query_error();
            assert_eq!((q.code, q.status.as_u16()), query, "{failure:?}");
        }
        assert_eq!(AuthFailure::ExpiredToken.to_query_error().message, EXPIRED_TOKEN);
        assert_eq!(AuthFailure::UnrecognizedClient.to_json_error().message, INVALID_TOKEN);
    }
}
