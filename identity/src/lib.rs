//! A development OpenID Connect provider: authorization code flow with PKCE for public
//! clients, JWT access tokens (RFC 9068), rotating refresh tokens and RP-initiated logout.

pub mod authorize;
pub mod clock;
pub mod codes;
pub mod config;
mod cors;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod html;
pub mod keys;
pub mod login;
pub mod params;
pub mod password;
pub mod quota;
pub mod revoke;
pub mod secret;
pub mod session;
pub mod store;
pub mod throttle;
pub mod token;
pub mod ttl;
pub mod userinfo;

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};
use tracing::Instrument;

use crate::authorize::PendingRequest;
use crate::clock::Clock;
use crate::codes::CodeStore;
use crate::config::Settings;
use crate::keys::{KeyError, KeyRing};
use crate::quota::PendingQuota;
use crate::store::{Store, StoreError};
use crate::throttle::Throttle;
use crate::ttl::TtlMap;

/// Largest request body any endpoint reads (RFC 6749 requests are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
const DATABASE_FILE: &str = "identity.sqlite3";
const PENDING_CAPACITY: usize = 50_000;

/// Failures while opening the data folder.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing: {0}")]
    Password(String),
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    pub settings: Settings,
    pub keys: KeyRing,
    pub store: Store,
    pub clock: Clock,
    pub codes: CodeStore,
    pub pending: TtlMap<String, PendingRequest>,
    /// Sign-in requests that completed, kept for the rest of their lifetime with the
    /// registered address to return to, so that Back to `/login` explains itself.
    pub completed: TtlMap<String, String>,
    /// Sign-ins each client address has pending (see [`quota`]).
    pub pending_quota: PendingQuota,
    pub throttle: Throttle,
    /// Verified against when the username is unknown, so both cases cost the same time.
    pub dummy_password_hash: String,
}

impl AppState {
    /// Opens (creating if needed, owner-only) the data folder with its keys and database.
    pub fn open(settings: Settings, data_dir: &Path) -> Result<Self, StartError> {
        let io = |source| StartError::DataDir {
            path: data_dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        let clock = Clock::default();
        let now = clock.now();
        let keys = KeyRing::open(data_dir, now, settings.key_grace_period())?;
        let store = Store::open(&data_dir.join(DATABASE_FILE))?;
        store.purge_expired(now)?;
        let dummy_password_hash =
            password::dummy_hash(&settings.users).map_err(StartError::Password)?;
        Ok(AppState {
            settings,
            keys,
            store,
            clock,
            codes: CodeStore::default(),
            pending: TtlMap::new(PENDING_CAPACITY),
            completed: TtlMap::new(PENDING_CAPACITY),
            pending_quota: PendingQuota::default(),
            throttle: Throttle::default(),
            dummy_password_hash,
        })
    }
}

/// Registers every route; used by `main`, the tests and the benchmark alike.
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    use actix_web::http::Method;
    let options = || web::method(Method::OPTIONS);
    cfg.app_data(state)
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .route(
            "/.well-known/openid-configuration",
            web::get().to(discovery::configuration),
        )
        .route("/jwks", web::get().to(discovery::jwks))
        .route("/authorize", web::get().to(authorize::authorize_get))
        .route("/authorize", web::post().to(authorize::authorize_post))
        .route("/login", web::get().to(login::show))
        .route("/login", web::post().to(login::submit))
        .route("/token", web::post().to(token::token))
        .route("/token", options().to(cors::preflight))
        .route("/revoke", web::post().to(revoke::revoke))
        .route("/revoke", options().to(cors::preflight))
        .route("/userinfo", web::get().to(userinfo::userinfo))
        .route("/userinfo", web::post().to(userinfo::userinfo))
        .route("/userinfo", options().to(cors::preflight))
        .route("/end-session", web::get().to(end_session::end_session_get))
        .route(
            "/end-session",
            web::post().to(end_session::end_session_post),
        );
    // Every other method on these paths is a 405 naming the ones served above.
    for (path, allow) in [
        ("/.well-known/openid-configuration", "GET"),
        ("/jwks", "GET"),
        ("/authorize", "GET, POST"),
        ("/login", "GET, POST"),
        ("/token", "POST, OPTIONS"),
        ("/revoke", "POST, OPTIONS"),
        ("/userinfo", "GET, POST, OPTIONS"),
        ("/end-session", "GET, POST"),
    ] {
        cfg.route(path, web::to(move || method_not_allowed(allow)));
    }
    cfg.default_service(web::to(not_found));
}

/// RFC 9110 section 15.5.6: a 405 must list the methods the resource supports in `Allow`.
async fn method_not_allowed(allow: &'static str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "error": "invalid_request",
            "error_description": "method not allowed",
        }))
}

async fn not_found() -> actix_web::HttpResponse {
    html::error_page(
        actix_web::http::StatusCode::NOT_FOUND,
        "Not found",
        "No such page.",
    )
}

/// Builds the HTTP server on an already bound listener.
pub fn server(
    listener: TcpListener,
    state: web::Data<AppState>,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let mut server = HttpServer::new(move || {
        let state = state.clone();
        App::new()
            .wrap(from_fn(log_request))
            .configure(move |cfg| configure(cfg, state))
    })
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n);
    }
    Ok(server.run())
}

/// Reloads keys changed by `identity rotate-key` and drops expired state, every few seconds.
pub async fn maintenance(state: web::Data<AppState>) {
    let mut interval = tokio::time::interval(Duration::from_secs(5));
    for tick in 0u64.. {
        interval.tick().await;
        let now = state.clock.now();
        // Every ten minutes, drop database rows that can no longer matter.
        if tick % 120 == 0
            && let Err(e) = state.store.purge_expired(now)
        {
            tracing::error!(error = %e, "purging expired rows failed");
        }
        if let Err(e) = state.keys.reload(now) {
            tracing::error!(error = %e, "reloading signing keys failed");
        }
        state.pending.sweep(now);
        state.completed.sweep(now);
        state.pending_quota.sweep(now);
        state.codes.sweep(now);
        state.throttle.sweep(now);
    }
}

/// One span per request with method and path only: query strings can carry secrets.
async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let span = tracing::info_span!("request", method = %req.method(), path = %req.path());
    async move {
        let start = Instant::now();
        let result = next.call(req).await;
        let micros = start.elapsed().as_micros() as u64;
        match &result {
            Ok(res) => tracing::debug!(status = res.status().as_u16(), micros, "done"),
            Err(e) => tracing::warn!(error = %e, micros, "failed"),
        }
        result
    }
    .instrument(span)
    .await
}
