//! Test fixtures: signing keys made at test time, a loopback provider, a token minter and
//! a backend built through `backend::app`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::dev::{Server, ServerHandle, Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::{App, HttpResponse, HttpServer, test, web};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use backend::auth::Clock;
use backend::{AppState, Config};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The fixed "now" of every test, in seconds since the epoch.
pub const NOW: u64 = 1_800_000_000;

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct TestClock(AtomicU64);

impl TestClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(NOW)))
    }

    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> f64 {
        self.0.load(Ordering::SeqCst) as f64
    }
}

/// A private key and the `kid` it is published under.
pub enum SigningKey {
    Rsa { pair: RsaKeyPair, kid: String },
    Ec { pair: EcdsaKeyPair, kid: String },
}

impl SigningKey {
    pub fn kid(&self) -> &str {
        match self {
            Self::Rsa { kid, .. } | Self::Ec { kid, .. } => kid,
        }
    }

    pub fn alg(&self) -> &'static str {
        match self {
            Self::Rsa { .. } => "RS256",
            Self::Ec { .. } => "ES256",
        }
    }

    /// The public half as a JWK.
    pub fn jwk(&self) -> Value {
        match self {
            Self::Rsa { pair, kid } => {
                let public = pair.public_key();
                json!({
                    "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                })
            }
            Self::Ec { pair, kid } => {
                let point = pair.public_key().as_ref();
                json!({
                    "kty": "EC", "use": "sig", "alg": "ES256", "crv": "P-256", "kid": kid,
                    "x": b64(&point[1..33]), "y": b64(&point[33..65]),
                })
            }
        }
    }

    /// The public key's DER bytes (what an HS256 forgery would use as its secret).
    pub fn public_der(&self) -> Vec<u8> {
        match self {
            Self::Rsa { pair, .. } => pair.public_key().as_ref().to_vec(),
            Self::Ec { pair, .. } => pair.public_key().as_ref().to_vec(),
        }
    }

    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Rsa { pair, .. } => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .expect("rsa sign");
                signature
            }
            Self::Ec { pair, .. } => pair.sign(&rng, message).expect("ec sign").as_ref().to_vec(),
        }
    }
}

pub fn rsa_key(kid: &str) -> SigningKey {
    SigningKey::Rsa {
        pair: RsaKeyPair::generate(KeySize::Rsa2048).expect("rsa keygen"),
        kid: kid.into(),
    }
}

pub fn ec_key(kid: &str) -> SigningKey {
    SigningKey::Ec {
        pair: EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
            .expect("ec keygen"),
        kid: kid.into(),
    }
}

/// Keys shared by all tests (RSA generation is the slow part).
pub struct Keys {
    pub rsa: SigningKey,
    pub ec: SigningKey,
    pub rotated: SigningKey,
    pub unpublished: SigningKey,
}

pub static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    rsa: rsa_key("rsa-1"),
    ec: ec_key("ec-1"),
    rotated: rsa_key("rsa-2"),
    unpublished: rsa_key("rsa-unpublished"),
});

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `claims` under `header` with `key`, exactly as given.
pub fn sign(header: &Value, claims: &Value, key: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = key.sign_raw(input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

/// The header a conforming provider sets for `key`.
pub fn header_for(key: &SigningKey) -> Value {
    json!({"alg": key.alg(), "typ": "at+jwt", "kid": key.kid()})
}

/// Access-token claims like the identity service issues.
pub fn access_claims(issuer: &str) -> Value {
    json!({
        "iss": issuer, "sub": "alice", "aud": "api1", "client_id": "spa",
        "scope": "openid profile api1", "name": "Alice",
        "iat": NOW, "exp": NOW + 300, "jti": "test-jti",
    })
}

/// A valid access token for `issuer`, signed with `key`, with `change` applied to the claims.
pub fn token_with(issuer: &str, key: &SigningKey, change: impl FnOnce(&mut Value)) -> String {
    let mut claims = access_claims(issuer);
    change(&mut claims);
    sign(&header_for(key), &claims, key)
}

#[derive(Default)]
struct ProviderState {
    issuer: String,
    keys: Vec<Value>,
}

/// A discovery + JWKS server on 127.0.0.1 with an ephemeral port.
pub struct Provider {
    pub issuer: String,
    state: Arc<Mutex<ProviderState>>,
    jwks_hits: Arc<AtomicU64>,
    handle: ServerHandle,
}

impl Provider {
    /// Starts a provider publishing `keys`.
    pub async fn start(keys: Vec<Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let issuer = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let state = Arc::new(Mutex::new(ProviderState {
            issuer: issuer.clone(),
            keys,
        }));
        let jwks_hits = Arc::new(AtomicU64::new(0));
        let server: Server = {
            let state = state.clone();
            let jwks_hits = jwks_hits.clone();
            HttpServer::new(move || {
                let discovery_state = state.clone();
                let jwks_state = state.clone();
                let hits = jwks_hits.clone();
                App::new()
                    .route(
                        "/.well-known/openid-configuration",
                        web::get().to(move |req: actix_web::HttpRequest| {
                            let state = discovery_state.clone();
                            async move {
                                let local = req.app_config().local_addr();
                                let issuer = state.lock().expect("lock").issuer.clone();
                                HttpResponse::Ok().json(json!({
                                    "issuer": issuer,
                                    "jwks_uri": format!("http://{local}/jwks"),
                                }))
                            }
                        }),
                    )
                    .route(
                        "/jwks",
                        web::get().to(move || {
                            let state = jwks_state.clone();
                            let hits = hits.clone();
                            async move {
                                hits.fetch_add(1, Ordering::SeqCst);
                                let keys = state.lock().expect("lock").keys.clone();
                                HttpResponse::Ok().json(json!({"keys": keys}))
                            }
                        }),
                    )
            })
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run()
        };
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            issuer,
            state,
            jwks_hits,
            handle,
        }
    }

    /// Replaces the published key set (a rotation).
    pub fn publish(&self, keys: Vec<Value>) {
        self.state.lock().expect("lock").keys = keys;
    }

    /// Makes discovery claim another issuer.
    pub fn claim_issuer(&self, issuer: &str) {
        self.state.lock().expect("lock").issuer = issuer.into();
    }

    /// How often the key set was downloaded.
    pub fn jwks_hits(&self) -> u64 {
        self.jwks_hits.load(Ordering::SeqCst)
    }

    /// Stops serving; later connections are refused.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// An issuer on a loopback port where nothing listens.
pub fn unreachable_issuer() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

pub fn services_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/services.json")
}

/// Configuration for a backend trusting `issuer`, plus extra flags.
pub fn config(issuer: &str, extra: &[&str]) -> Config {
    let services = services_file();
    let mut args = vec![
        "backend",
        "--issuer",
        issuer,
        "--services-file",
        services.to_str().expect("utf-8 path"),
    ];
    if !extra.contains(&"--static-dir") {
        args.extend_from_slice(&["--static-dir", "/nonexistent/backend-test-dist"]);
    }
    args.extend_from_slice(extra);
    Config::try_parse_from_env_free(args).expect("valid test configuration")
}

/// The backend as the tests drive it.
pub trait TestApp:
    Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>
{
}

impl<S> TestApp for S where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>
{
}

/// A backend over `config` with `clock`, keys loaded if the provider is up.
pub async fn backend_with(
    config: &Config,
    clock: Arc<TestClock>,
) -> (impl TestApp + use<>, AppState) {
    let state = AppState::new(config, clock).expect("state");
    let _ = state.keys().refresh().await;
    let app = test::init_service(backend::app(state.clone())).await;
    (app, state)
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header"))
    }

    /// The `error_description` of a JSON error body.
    pub fn description(&self) -> String {
        self.json()["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends `req` and reads the response.
pub async fn send(app: &impl TestApp, req: test::TestRequest) -> Reply {
    let response = test::call_service(app, req.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = test::read_body(response).await.to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// `GET path` with an optional `Authorization` value.
pub async fn get(app: &impl TestApp, path: &str, authorization: Option<&str>) -> Reply {
    let mut req = test::TestRequest::get().uri(path);
    if let Some(value) = authorization {
        req = req.insert_header(("Authorization", value));
    }
    send(app, req).await
}

/// `GET /api/services` with `Bearer <token>`.
pub async fn services(app: &impl TestApp, token: &str) -> Reply {
    get(app, "/api/services", Some(&format!("Bearer {token}"))).await
}

/// Asserts an RFC 6750 `invalid_token` answer whose description contains `needle`.
pub fn assert_invalid_token(reply: &Reply, needle: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "body: {:?}",
        String::from_utf8_lossy(&reply.body)
    );
    let challenge = reply.header("www-authenticate").expect("challenge");
    assert!(
        challenge.starts_with("Bearer realm=\"api\", error=\"invalid_token\""),
        "{challenge}"
    );
    assert_eq!(reply.json()["error"], "invalid_token");
    let description = reply.description();
    assert!(
        description.contains(needle),
        "expected {needle:?} in {description:?}"
    );
}

/// A provider with the RSA and EC keys and a backend trusting it, with its clock.
pub async fn setup() -> (Provider, impl TestApp, std::sync::Arc<TestClock>) {
    let provider = Provider::start(vec![KEYS.rsa.jwk(), KEYS.ec.jwk()]).await;
    let clock = TestClock::new();
    let (app, _) = backend_with(&config(&provider.issuer, &[]), clock.clone()).await;
    (provider, app, clock)
}
