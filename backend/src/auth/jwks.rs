//! The provider's signing keys: discovery, JWKS download, caching and refresh.
//!
//! Keys come only from the configured issuer's discovery document, never from a token
//! (RFC 8725 section 3.10: `jku`, `x5u`, `jwk` and `x5c` are refused by the validator).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;

use crate::config::{IssuerUrl, require_secure_transport};

/// Largest discovery document or key set accepted, in bytes.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Smallest RSA modulus accepted (RFC 7518 section 3.3 requires at least 2048 bits).
const MIN_RSA_BITS: usize = 2048;
/// Upper bound of the retry delay while the provider cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Source of unique key serial numbers; see [`VerificationKey::serial`].
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

/// What a key is, which decides the algorithms it may verify (RFC 8725 section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// An RSA key: RS256/384/512 and PS256/384/512.
    Rsa,
    /// An EC key on P-256: ES256 only.
    EcP256,
    /// An EC key on P-384: ES384 only.
    EcP384,
}

impl KeyType {
    /// Whether this kind of key may verify `alg`.
    pub fn allows(self, alg: Algorithm) -> bool {
        use Algorithm::*;
        match self {
            Self::Rsa => matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
            Self::EcP256 => alg == ES256,
            Self::EcP384 => alg == ES384,
        }
    }
}

/// One public key from the provider's key set.
#[derive(Debug)]
pub struct VerificationKey {
    /// The `kid` the provider published it under.
    pub kid: String,
    /// Key type and curve.
    pub key_type: KeyType,
    /// The `alg` the provider bound to the key, if it named one.
    pub alg: Option<Algorithm>,
    /// Process-unique number of this key material under this `kid`. A key that is still
    /// published after a refresh keeps its serial; a key that was removed and comes back
    /// (or changed material) gets a new one. The verified-token cache stores it, so a
    /// cached verdict dies with the key that produced it.
    pub serial: u64,
    material: Vec<u8>,
    decoding: DecodingKey,
}

impl VerificationKey {
    /// The key in the form `jsonwebtoken` verifies with.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// An immutable snapshot of the usable keys, by `kid`.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: HashMap<String, Arc<VerificationKey>>,
}

impl KeySet {
    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no usable keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Why the keys could not be refreshed. Never contains a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The request did not complete.
    #[error("request to {url} failed: {source}")]
    Http {
        /// The address asked.
        url: String,
        /// What went wrong.
        source: reqwest::Error,
    },
    /// The provider answered with a non-success status.
    #[error("{url} answered {status}")]
    Status {
        /// The address asked.
        url: String,
        /// The status received.
        status: reqwest::StatusCode,
    },
    /// The document exceeds [`MAX_DOCUMENT_BYTES`].
    #[error("{url} sent more than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge {
        /// The address asked.
        url: String,
    },
    /// The document is not the expected JSON.
    #[error("{url} sent an invalid document: {source}")]
    Json {
        /// The address asked.
        url: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// OpenID Connect Discovery 1.0 section 4.3: the `issuer` in the metadata must be
    /// identical to the issuer the metadata was requested for.
    #[error("discovery issuer mismatch: expected {expected:?}, found {found:?}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The issuer in the document.
        found: String,
    },
    /// `jwks_uri` is not a URL or not secure.
    #[error("unusable jwks_uri: {0}")]
    JwksUri(String),
    /// The key set holds no key this service can use.
    #[error("the key set has no usable signing key")]
    NoUsableKeys,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    key_ops: Option<Vec<String>>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<serde_json::Value>,
}

/// The cached keys of the configured issuer, refreshed in the background and on demand.
#[derive(Debug)]
pub struct KeyStore {
    issuer: IssuerUrl,
    client: reqwest::Client,
    keys: RwLock<Arc<KeySet>>,
    loaded: AtomicBool,
    cooldown: Duration,
    last_on_demand: Mutex<Option<Instant>>,
    fetches: AtomicU64,
}

impl KeyStore {
    /// A store with no keys yet; nothing is fetched until [`KeyStore::refresh`] runs.
    pub fn new(issuer: IssuerUrl, cooldown: Duration) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .user_agent(concat!("backend/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            issuer,
            client,
            keys: RwLock::new(Arc::new(KeySet::default())),
            loaded: AtomicBool::new(false),
            cooldown,
            last_on_demand: Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// Whether a key set has been loaded at least once.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// How many refreshes were attempted (for tests and diagnostics).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The key published under `kid`, if any.
    pub fn get(&self, kid: &str) -> Option<Arc<VerificationKey>> {
        self.snapshot().keys.get(kid).cloned()
    }

    /// Whether the key with this `kid` and serial is still published.
    pub fn holds(&self, kid: &str, serial: u64) -> bool {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.keys.get(kid).is_some_and(|k| k.serial == serial)
    }

    fn snapshot(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Refetches after a token named an unknown `kid`, at most once per cooldown.
    ///
    /// Concurrent callers queue on one lock, so a burst of tokens with a new `kid` causes
    /// one fetch; the others find the fresh keys (or the cooldown) when they get the lock.
    /// Returns whether this call fetched.
    pub async fn refresh_for_unknown_kid(&self) -> bool {
        let mut last = self.last_on_demand.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.cooldown) {
            return false;
        }
        *last = Some(Instant::now());
        if let Err(error) = self.refresh().await {
            tracing::warn!(%error, "on-demand key refresh failed; keeping the last good keys");
        }
        true
    }

    /// Downloads discovery and the key set and replaces the cached keys.
    ///
    /// On any failure the previous keys stay in place, so a provider outage does not turn
    /// into an API outage.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let discovery: Discovery = self.get_json(&self.issuer.discovery_url()).await?;
        if discovery.issuer != self.issuer.as_str() {
            return Err(JwksError::IssuerMismatch {
                expected: self.issuer.as_str().to_owned(),
                found: discovery.issuer,
            });
        }
        let jwks_uri = Url::parse(&discovery.jwks_uri)
            .map_err(|e| JwksError::JwksUri(format!("{:?}: {e}", discovery.jwks_uri)))?;
        require_secure_transport(&jwks_uri).map_err(JwksError::JwksUri)?;
        let set: serde_json::Value = self.get_json(jwks_uri.as_str()).await?;
        self.install(&set)
    }

    /// Replaces the cached keys with the usable keys of a JWKS document (RFC 7517
    /// section 5). Used by [`KeyStore::refresh`], and directly where keys are known in
    /// advance (benchmarks, offline setups). A set with no usable key changes nothing.
    pub fn install(&self, document: &serde_json::Value) -> Result<usize, JwksError> {
        let set = JwkSet::deserialize(document).map_err(|source| JwksError::Json {
            url: "jwks".to_owned(),
            source,
        })?;
        let previous = self.snapshot();
        let fresh = build_key_set(&set.keys, &previous);
        if fresh.is_empty() {
            return Err(JwksError::NoUsableKeys);
        }
        let count = fresh.len();
        let removed = previous
            .keys
            .values()
            .filter(|old| {
                fresh
                    .keys
                    .get(&old.kid)
                    .is_none_or(|k| k.serial != old.serial)
            })
            .count();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
        self.loaded.store(true, Ordering::Release);
        tracing::info!(keys = count, removed, "signing keys loaded");
        Ok(count)
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, JwksError> {
        let http = |source| JwksError::Http {
            url: url.to_owned(),
            source,
        };
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(http)?;
        if !response.status().is_success() {
            return Err(JwksError::Status {
                url: url.to_owned(),
                status: response.status(),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http)? {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(JwksError::TooLarge {
                    url: url.to_owned(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|source| JwksError::Json {
            url: url.to_owned(),
            source,
        })
    }
}

/// Keeps the keys this service can use and says why it skips the others.
fn build_key_set(documents: &[serde_json::Value], previous: &KeySet) -> KeySet {
    let mut keys = HashMap::new();
    for document in documents {
        match parse_key(document) {
            Ok((kid, key_type, alg, material, decoding)) => {
                if keys.contains_key(&kid) {
                    tracing::warn!(%kid, "duplicate kid in key set; keeping the first");
                    continue;
                }
                let serial = previous
                    .keys
                    .get(&kid)
                    .filter(|old| old.material == material && old.key_type == key_type)
                    .map_or_else(
                        || NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
                        |old| old.serial,
                    );
                let key = VerificationKey {
                    kid: kid.clone(),
                    key_type,
                    alg,
                    serial,
                    material,
                    decoding,
                };
                keys.insert(kid, Arc::new(key));
            }
            Err(reason) => tracing::debug!(reason, "skipping key"),
        }
    }
    KeySet { keys }
}

type ParsedKey = (String, KeyType, Option<Algorithm>, Vec<u8>, DecodingKey);

/// Validates one JWK (RFC 7517 section 4, RFC 7518 section 6).
fn parse_key(document: &serde_json::Value) -> Result<ParsedKey, &'static str> {
    let jwk: Jwk = serde_json::from_value(document.clone()).map_err(|_| "not a JWK")?;
    if jwk.d.is_some() {
        return Err("private key material published; refusing it");
    }
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return Err("not a signature key");
    }
    if jwk
        .key_ops
        .as_ref()
        .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
    {
        return Err("key_ops does not include verify");
    }
    let kid = jwk.kid.filter(|k| !k.is_empty()).ok_or("no kid")?;
    let b64 = |field: &Option<String>| {
        field
            .as_deref()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .ok_or("missing or invalid key parameter")
    };
    let (key_type, material, decoding) = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
        ("RSA", _) => {
            let n = b64(&jwk.n)?;
            let e = b64(&jwk.e)?;
            let bits = n
                .iter()
                .position(|&b| b != 0)
                .map_or(0, |i| (n.len() - i) * 8);
            if bits < MIN_RSA_BITS {
                return Err("RSA key shorter than 2048 bits");
            }
            let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
            (KeyType::Rsa, [n, e].concat(), decoding)
        }
        ("EC", Some(curve @ ("P-256" | "P-384"))) => {
            let (key_type, len) = match curve {
                "P-256" => (KeyType::EcP256, 32),
                _ => (KeyType::EcP384, 48),
            };
            let x = b64(&jwk.x)?;
            let y = b64(&jwk.y)?;
            if x.len() != len || y.len() != len {
                return Err("EC coordinates do not fit the curve");
            }
            let point = [&[0x04][..], &x, &y].concat();
            let decoding = DecodingKey::from_ec_der(&point);
            (key_type, point, decoding)
        }
        _ => return Err("unsupported key type"),
    };
    let alg = match jwk.alg.as_deref() {
        None => None,
        Some(name) => {
            let alg = super::validate::allowed_algorithm(name).ok_or("algorithm not allowed")?;
            if !key_type.allows(alg) {
                return Err("alg does not fit the key type");
            }
            Some(alg)
        }
    };
    Ok((kid, key_type, alg, material, decoding))
}

/// Keeps the keys fresh: fetches at once, then every `interval`; while the provider is
/// unreachable it retries with exponential backoff (1 s doubling up to 60 s) and the last
/// good keys stay in use.
pub fn spawn_refresher(store: Arc<KeyStore>, interval: Duration) {
    actix_web::rt::spawn(async move {
        let mut backoff = Duration::from_secs(1);
        loop {
            match store.refresh().await {
                Ok(_) => {
                    backoff = Duration::from_secs(1);
                    actix_web::rt::time::sleep(interval).await;
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in_secs = backoff.as_secs(), "key refresh failed");
                    actix_web::rt::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF).min(interval);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rsa_jwk(kid: &str, n_len: usize) -> serde_json::Value {
        let n = URL_SAFE_NO_PAD.encode(vec![0xC3; n_len]);
        json!({"kty": "RSA", "kid": kid, "n": n, "e": "AQAB", "use": "sig"})
    }

    #[test]
    fn short_rsa_keys_and_private_keys_are_skipped() {
        let docs = vec![
            rsa_jwk("short", 128),
            json!({"kty": "RSA", "kid": "priv", "n": URL_SAFE_NO_PAD.encode(vec![1; 256]),
                   "e": "AQAB", "d": "secret"}),
            json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
            rsa_jwk("good", 256),
        ];
        let set = build_key_set(&docs, &KeySet::default());
        assert_eq!(set.len(), 1);
        assert!(set.keys.contains_key("good"));
    }

    #[test]
    fn unchanged_key_keeps_its_serial_and_changed_key_gets_a_new_one() {
        let first = build_key_set(&[rsa_jwk("a", 256), rsa_jwk("b", 256)], &KeySet::default());
        let changed_b = json!({"kty": "RSA", "kid": "b",
                               "n": URL_SAFE_NO_PAD.encode(vec![0xC4; 256]), "e": "AQAB"});
        let second = build_key_set(&[rsa_jwk("a", 256), changed_b], &first);
        assert_eq!(first.keys["a"].serial, second.keys["a"].serial);
        assert_ne!(first.keys["b"].serial, second.keys["b"].serial);
    }

    #[test]
    fn alg_that_does_not_fit_the_key_is_skipped() {
        let mut jwk = rsa_jwk("a", 256);
        jwk["alg"] = json!("ES256");
        assert!(build_key_set(&[jwk], &KeySet::default()).is_empty());
    }
}
