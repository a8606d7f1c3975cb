//! The provider's signing keys: discovery, JWKS download, caching and refresh.
//!
//! Keys come only from the configured issuer's discovery document, never from a token
//! (RFC 8725 section 3.10: `jku`, `x5u`, `jwk` and `x5c` are refused by the validator).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;

use crate::config::{IssuerUrl, require_secure_transport};

mod keys;
#[cfg(test)]
mod tests;

use keys::build_key_set;
pub use keys::{KeySet, KeyType, VerificationKey};

/// Largest discovery document or key set accepted, in bytes.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Upper bound of the retry delay while the provider cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Why the keys could not be refreshed. Never contains a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The request did not complete. The message carries the whole cause chain (for
    /// example "Connection refused"), which reqwest's own message leaves out.
    #[error("request to {url} failed: {}", with_causes(source))]
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

/// An error's message followed by each of its sources, `": "`-separated, skipping a source
/// whose message its parent already ends with.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let message = cause.to_string();
        if !text.ends_with(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        next = cause.source();
    }
    text
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
        // The URL is already in the message once; reqwest would repeat it.
        let http = |source: reqwest::Error| JwksError::Http {
            url: url.to_owned(),
            source: source.without_url(),
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
