//! Access-token validation: RFC 9068 (JWT access tokens) applied with the RFC 8725 best
//! current practices, over keys from [`KeyStore`] only.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::CryptoProvider;
use sha2::{Digest, Sha256};

use super::jwks::KeyStore;
use crate::error::ApiError;

mod claims;
#[cfg(test)]
mod tests;
mod token;

pub use token::allowed_algorithm;

/// Largest token accepted, checked before any decoding or cryptography.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Longest a verified token is remembered, whatever its `exp` says.
const MAX_CACHE_TTL: Duration = Duration::from_secs(3600);

/// Why a presented token was refused. The messages become `error_description`, so they
/// name what failed and never echo token content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Larger than [`MAX_TOKEN_BYTES`].
    #[error("the token is larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    /// Not three base64url parts separated by dots.
    #[error("the token is not a signed JWT")]
    Malformed,
    /// Five parts: a JWE.
    #[error("encrypted tokens are not accepted")]
    Encrypted,
    /// The header is not a JSON object with the expected member types.
    #[error("the token header is invalid")]
    InvalidHeader,
    /// `alg` is outside the allowlist (this includes `none` and every HMAC algorithm).
    #[error("the token algorithm is not allowed")]
    DisallowedAlgorithm,
    /// A header parameter that would take keys or URLs from the token.
    #[error("the token header parameter {0} is not accepted")]
    ForbiddenHeader(&'static str),
    /// `crit` is present; no JWS extension is understood here.
    #[error("the token has critical header parameters that are not understood")]
    UnknownCritical,
    /// `typ` names something other than an access token.
    #[error("the token type is not at+jwt")]
    WrongType,
    /// The token looks like an OpenID Connect ID token.
    #[error("an id token is not an access token")]
    IdToken,
    /// No `kid` in the header.
    #[error("the token has no key id")]
    MissingKeyId,
    /// `kid` is not in the provider's key set, even after a refetch.
    #[error("the token signing key is unknown")]
    UnknownKey,
    /// `alg` does not fit the key's type or the key's own `alg`.
    #[error("the token algorithm does not match its signing key")]
    AlgorithmMismatch,
    /// The signature does not verify.
    #[error("the token signature is invalid")]
    InvalidSignature,
    /// The payload is not a JSON object, or repeats a claim.
    #[error("the token claims are invalid")]
    InvalidClaims,
    /// A required claim is absent.
    #[error("the token has no {0} claim")]
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type (e.g. `exp` as a string).
    #[error("the token {0} claim has the wrong type")]
    WrongClaimType(&'static str),
    /// `iss` differs from the configured issuer.
    #[error("the token issuer is not accepted")]
    InvalidIssuer,
    /// `aud` does not contain the configured audience.
    #[error("the token audience is not accepted")]
    InvalidAudience,
    /// `exp` plus leeway has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` minus leeway is still in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
}

/// The current time, as an input so expiry can be tested without waiting.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Seconds since the Unix epoch.
    fn now(&self) -> f64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// Whole seconds since the Unix epoch.
    pub fn now_secs() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }
}

/// What the validator requires of every token.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The exact `iss` (RFC 9068 section 4, step 3).
    pub issuer: String,
    /// The audience `aud` must contain (RFC 9068 section 4, step 4).
    pub audience: String,
    /// Tolerated clock skew on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// Require `typ: at+jwt` instead of also accepting untyped tokens (see [`Validator`]).
    pub require_at_jwt: bool,
}

/// Claims of a validated access token, as handlers see them.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessClaims {
    /// `sub`: the resource owner, or the client for client-credential grants.
    pub subject: String,
    /// Granted scopes from `scope` (RFC 9068 section 2.2.3) or `scp`.
    pub scopes: Vec<String>,
    /// `name`, when the provider includes it.
    pub name: Option<String>,
    /// `client_id` (RFC 9068 section 2.2).
    pub client_id: Option<String>,
    /// `exp`, seconds since the epoch.
    pub expires_at: f64,
    not_before: Option<f64>,
}

impl AccessClaims {
    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

#[derive(Debug)]
struct Verified {
    claims: Arc<AccessClaims>,
    kid: String,
    key_serial: u64,
    cache_for: Duration,
}

struct VerifiedExpiry;

impl moka::Expiry<[u8; 32], Arc<Verified>> for VerifiedExpiry {
    fn expire_after_create(
        &self,
        _key: &[u8; 32],
        value: &Arc<Verified>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.cache_for)
    }
}

/// Validates bearer access tokens.
///
/// # Token type rule (RFC 9068 section 4, OpenID Connect Core section 2)
/// A token with `typ: at+jwt` (or `application/at+jwt`) is an access token. Many
/// providers (Entra ID, Okta, older IdentityServer) still issue access tokens with
/// `typ: JWT` or no `typ`; those are accepted unless they carry a mark of an ID token:
/// any of `nonce`, `at_hash`, `c_hash`, or an `azp` equal to one of the audiences (an ID
/// token is addressed to the client that requested it). Any other `typ` is refused, and
/// with [`Policy::require_at_jwt`] only `at+jwt` is accepted.
///
/// # Verified-token cache
/// A token that passed every check is remembered under the SHA-256 of its text, in a
/// bounded cache. An entry lives until `exp` plus leeway, at most one hour, and every hit
/// re-checks, with the injected clock, that `exp` has not passed and that the key which
/// verified it is still published under the same `kid` with the same material (its
/// serial). So a key removed from the provider's key set revokes its cached verdicts at
/// the next refresh, exactly as if the token were verified again.
pub struct Validator {
    policy: Policy,
    keys: Arc<KeyStore>,
    clock: Arc<dyn Clock>,
    cache: Option<moka::sync::Cache<[u8; 32], Arc<Verified>>>,
    crypto: &'static CryptoProvider,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("policy", &self.policy)
            .field("cache", &self.cache.as_ref().map(|c| c.entry_count()))
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// A validator over `keys`, remembering up to `cache_capacity` verified tokens
    /// (0 turns the cache off), verifying signatures with aws-lc-rs.
    pub fn new(
        policy: Policy,
        keys: Arc<KeyStore>,
        clock: Arc<dyn Clock>,
        cache_capacity: u64,
    ) -> Self {
        Self::with_crypto(
            policy,
            keys,
            clock,
            cache_capacity,
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        )
    }

    /// Like [`Validator::new`] with a chosen `jsonwebtoken` crypto provider.
    pub fn with_crypto(
        policy: Policy,
        keys: Arc<KeyStore>,
        clock: Arc<dyn Clock>,
        cache_capacity: u64,
        crypto: &'static CryptoProvider,
    ) -> Self {
        let cache = (cache_capacity > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(cache_capacity)
                .expire_after(VerifiedExpiry)
                .build()
        });
        Self {
            policy,
            keys,
            clock,
            cache,
            crypto,
        }
    }

    /// The key store this validator reads.
    pub fn keys(&self) -> &Arc<KeyStore> {
        &self.keys
    }

    /// Validates `token` and returns its claims. Scope is checked by the caller.
    pub async fn validate(&self, token: &str) -> Result<Arc<AccessClaims>, ApiError> {
        // 1. Size cap before any decoding, hashing or cryptography, so an oversized input
        //    costs nothing but this comparison.
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge.into());
        }
        let now = self.clock.now();
        let fingerprint = self.cache.as_ref().map(|_| Sha256::digest(token).into());
        if let Some(fp) = &fingerprint
            && let Some(claims) = self.lookup(fp, now)
        {
            return Ok(claims);
        }

        // 2. Compact JWS: header.payload.signature, each base64url without padding.
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header_b64, payload_b64) =
            signing_input.split_once('.').ok_or(TokenError::Malformed)?;
        if signature.contains('.') || payload_b64.contains('.') {
            return Err(if token.split('.').count() == 5 {
                TokenError::Encrypted
            } else {
                TokenError::Malformed
            }
            .into());
        }
        let header: token::Header = token::decode_json(header_b64, TokenError::InvalidHeader)?;

        // 3. Header checks (RFC 8725 sections 3.1, 3.10, 3.11; RFC 7515 section 4.1.11).
        let (alg, kid, typ) = token::check_header(&header)?;
        let typed_access_token = match typ.map(str::to_ascii_lowercase).as_deref() {
            Some("at+jwt" | "application/at+jwt") => true,
            None | Some("jwt") if !self.policy.require_at_jwt => false,
            _ => return Err(TokenError::WrongType.into()),
        };

        // 4. The key comes from the provider's key set only, looked up by kid.
        let key = self.key_for(kid).await?;
        if !key.key_type.allows(alg) || key.alg.is_some_and(|bound| bound != alg) {
            return Err(TokenError::AlgorithmMismatch.into());
        }

        // 5. Signature over the ASCII signing input (RFC 7515 section 5.2).
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed)?;
        let verifier = (self.crypto.verifier_factory)(&alg, key.decoding_key())
            .map_err(|_| TokenError::AlgorithmMismatch)?;
        verifier
            .verify(signing_input.as_bytes(), &signature)
            .map_err(|_| TokenError::InvalidSignature)?;

        // 6. Claims (RFC 9068 section 4), on the authenticated payload only.
        let claims = claims::check(payload_b64, &self.policy, typed_access_token, now)?;
        let claims = Arc::new(claims);

        if let (Some(cache), Some(fp)) = (&self.cache, fingerprint) {
            let remaining = claims.expires_at + self.policy.leeway_secs as f64 - now;
            // Clamped before conversion: a far-future `exp` must not overflow a Duration.
            let cache_for =
                Duration::from_secs_f64(remaining.clamp(0.0, MAX_CACHE_TTL.as_secs_f64()));
            let entry = Verified {
                claims: claims.clone(),
                kid: key.kid.clone(),
                key_serial: key.serial,
                cache_for,
            };
            cache.insert(fp, Arc::new(entry));
        }
        Ok(claims)
    }

    /// The cached claims of `token` if it was verified before and is still valid: no I/O
    /// and no signature check, so callers can answer without building a future.
    pub fn cached(&self, token: &str) -> Option<Arc<AccessClaims>> {
        if token.len() > MAX_TOKEN_BYTES || self.cache.is_none() {
            return None;
        }
        self.lookup(&Sha256::digest(token).into(), self.clock.now())
    }

    fn lookup(&self, fingerprint: &[u8; 32], now: f64) -> Option<Arc<AccessClaims>> {
        let cache = self.cache.as_ref()?;
        let hit = cache.get(fingerprint)?;
        if self.still_valid(&hit, now) {
            Some(hit.claims.clone())
        } else {
            cache.invalidate(fingerprint);
            None
        }
    }

    fn still_valid(&self, hit: &Verified, now: f64) -> bool {
        let leeway = self.policy.leeway_secs as f64;
        now < hit.claims.expires_at + leeway
            && hit.claims.not_before.is_none_or(|nbf| now + leeway >= nbf)
            && self.keys.holds(&hit.kid, hit.key_serial)
    }

    /// Finds the key for `kid`; an unknown kid triggers one rate-limited refetch and the
    /// same request is retried against the fresh set.
    async fn key_for(&self, kid: &str) -> Result<Arc<super::jwks::VerificationKey>, ApiError> {
        if let Some(key) = self.keys.get(kid) {
            return Ok(key);
        }
        self.keys.refresh_for_unknown_kid().await;
        if let Some(key) = self.keys.get(kid) {
            return Ok(key);
        }
        if self.keys.is_loaded() {
            Err(TokenError::UnknownKey.into())
        } else {
            Err(ApiError::KeysUnavailable)
        }
    }
}
