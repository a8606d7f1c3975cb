//! Everything built once at start-up and shared by all workers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use shared::{Service, SpaConfig, Values};

use crate::auth::{Clock, KeyStore, Policy, Validator};
use crate::config::Config;

/// Why the service could not be set up from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The services file could not be read.
    #[error("cannot read services file {path}: {source}")]
    ServicesRead {
        /// The configured path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The services file is not a JSON list of services.
    #[error("invalid services file {path}: {source}")]
    ServicesParse {
        /// The configured path.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The services file holds no service.
    #[error("services file {0} lists no service")]
    ServicesEmpty(PathBuf),
}

/// Response bodies serialized once, so the hot paths only copy a reference-counted buffer.
#[derive(Debug, Clone)]
pub struct Documents {
    /// `GET /api/values`.
    pub values: Bytes,
    /// `GET /api/services`.
    pub services: Bytes,
    /// `GET /api/config`.
    pub spa_config: Bytes,
}

/// The SPA host's settings.
#[derive(Debug, Clone)]
pub struct SpaSettings {
    /// Folder of the built SPA.
    pub static_dir: PathBuf,
    /// The issuer's origin, which the SPA must be allowed to connect to.
    pub issuer_origin: String,
}

/// Shared state handed to [`crate::app`].
#[derive(Debug, Clone)]
pub struct AppState {
    /// Token validator (holds the key store).
    pub validator: Arc<Validator>,
    /// Scope protected endpoints require.
    pub required_scope: String,
    /// Pre-serialized bodies.
    pub documents: Documents,
    /// SPA hosting settings.
    pub spa: SpaSettings,
    /// Allowed CORS origins; empty means CORS is off.
    pub cors_origins: Vec<String>,
}

impl AppState {
    /// Builds the state from configuration. Reads the services file; fetches nothing.
    pub fn new(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let services = load_services(&config.services_file)?;
        let keys = Arc::new(KeyStore::new(
            config.issuer.clone(),
            Duration::from_secs(config.jwks_cooldown_secs),
        ));
        let policy = Policy {
            issuer: config.issuer.as_str().to_owned(),
            audience: config.audience.clone(),
            leeway_secs: config.leeway_secs,
            require_at_jwt: config.require_at_jwt,
        };
        let validator = Validator::new(policy, keys, clock, config.token_cache_capacity);
        let values: Values = vec!["value1".into(), "value2".into()];
        let spa_config = SpaConfig {
            authority: config.issuer.as_str().to_owned(),
            client_id: config.spa_client_id.clone(),
            scope: config.spa_scope.clone(),
            redirect_path: "/callback".into(),
            post_logout_redirect_path: "/".into(),
            authorize_params: config.spa_authorize_params.0.clone(),
        };
        Ok(Self {
            validator: Arc::new(validator),
            required_scope: config.scope.clone(),
            documents: Documents {
                values: to_bytes(&values),
                services: to_bytes(&services),
                spa_config: to_bytes(&spa_config),
            },
            spa: SpaSettings {
                static_dir: config.static_dir.clone(),
                issuer_origin: config.issuer.origin(),
            },
            cors_origins: config.cors_origins().map(str::to_owned).collect(),
        })
    }

    /// The signing-key store, for starting its refresher or refreshing by hand.
    pub fn keys(&self) -> &Arc<KeyStore> {
        self.validator.keys()
    }
}

fn load_services(path: &PathBuf) -> Result<Vec<Service>, StartupError> {
    let text = std::fs::read_to_string(path).map_err(|source| StartupError::ServicesRead {
        path: path.clone(),
        source,
    })?;
    let services: Vec<Service> =
        serde_json::from_str(&text).map_err(|source| StartupError::ServicesParse {
            path: path.clone(),
            source,
        })?;
    if services.is_empty() {
        return Err(StartupError::ServicesEmpty(path.clone()));
    }
    Ok(services)
}

fn to_bytes<T: serde::Serialize>(value: &T) -> Bytes {
    // Serializing plain structs and vectors of strings cannot fail.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}
