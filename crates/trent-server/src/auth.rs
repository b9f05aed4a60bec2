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
//! Failures are [`AuthFailure`]s, which `trent-wire` maps to each protocol's own names
//! (ADR 0003).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;
use parking_lot::RwLock;
use trent_core::{ActiveAccessKey, Caller, Region};
use trent_wire::auth::AuthFailure;
use trent_wire::sigv4::{self, AuthError, SignedRequest, SigningKey};
use trent_wire::{Reach, WireService};

use crate::config::MAX_CLOCK_SKEW;
use crate::state::AppState;

const SIGNING_KEY_CACHE_LIMIT: usize = 10_000;

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

/// Authenticates a request addressed to `service`: it must be signed for the service's own
/// signing name and, for a regional service, for a region this deployment hosts.
pub(crate) async fn authenticate(
    state: &AppState,
    req: &SignedRequest<'_>,
    service: &WireService,
    client: &ClientFacts,
) -> Result<Caller, AuthFailure> {
    authenticate_as(state, req, service.signing_name, service.reach, client).await
}

/// Authenticates a request that must be signed for `signing_name`, regional or global.
pub(crate) async fn authenticate_as(
    state: &AppState,
    req: &SignedRequest<'_>,
    signing_name: &str,
    reach: Reach,
    client: &ClientFacts,
) -> Result<Caller, AuthFailure> {
    let auth = sigv4::parse_authorization(req)?;
    if auth.credential.service != signing_name {
        return Err(AuthError::InvalidSignature(format!(
            "Credential should be scoped to correct service: '{signing_name}'."
        ))
        .into());
    }
    // Global services (IAM, STS): their callers may sign for any region.
    let global = reach == Reach::Global;
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
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    })
}
