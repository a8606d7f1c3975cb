//! Test harness: a provider on 127.0.0.1 port 0 built with the same route configuration as
//! the binary, and a browser-like client with a cookie jar that never follows redirects.

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use actix_web::web;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use identity::AppState;
use identity::config::{FileConfig, Issuer, Settings};
use reqwest::header::LOCATION;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const REDIRECT_URI: &str = "http://localhost:5000/callback";
pub const OTHER_REDIRECT_URI: &str = "http://localhost:8080/callback";
pub const POST_LOGOUT_URI: &str = "http://localhost:5000/";
pub const ORIGIN: &str = "http://localhost:5000";
pub const FULL_SCOPE: &str = "openid profile api1 offline_access";

/// A cheap argon2id hash: test speed only, never a default.
pub fn cheap_hash(password: &str) -> String {
    let params = Params::new(1024, 1, 1, None).unwrap();
    let salt = SaltString::encode_b64(b"test-salt-16byte").unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

/// Clients `spa` (as in development) and `other`; users alice and bob, password `password`.
pub fn test_config(extra: &str) -> String {
    let hash = cheap_hash("password");
    format!(
        r#"{extra}
[[clients]]
client_id = "spa"
client_name = "Example <SPA>"
redirect_uris = ["{REDIRECT_URI}", "{OTHER_REDIRECT_URI}"]
post_logout_redirect_uris = ["{POST_LOGOUT_URI}", "http://localhost:8080/"]
allowed_cors_origins = ["{ORIGIN}", "http://localhost:8080"]
allowed_scopes = ["openid", "profile", "api1", "offline_access"]

[[clients]]
client_id = "other"
redirect_uris = ["http://localhost:7000/callback"]
post_logout_redirect_uris = ["http://localhost:7000/"]
allowed_cors_origins = ["http://localhost:7000"]
allowed_scopes = ["openid", "api1"]

[[users]]
username = "alice"
password_hash = "{hash}"
name = "Alice"
website = "https://alice.example.com"

[[users]]
username = "bob"
password_hash = "{hash}"
name = "Bob"
website = "https://bob.example.com"
"#
    )
}

pub struct TestServer {
    pub base: String,
    pub state: web::Data<AppState>,
    handle: ServerHandle,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with("").await
    }

    /// `extra` is prepended to the TOML config (top-level settings).
    pub async fn start_with(extra: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let file: FileConfig = toml::from_str(&test_config(extra)).unwrap();
        let settings = Settings::from_file_config(Issuer::parse(&base).unwrap(), file).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = web::Data::new(AppState::open(settings, dir.path()).unwrap());
        let server = identity::server(listener, state.clone(), Some(1)).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestServer {
            base,
            state,
            handle,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// A PKCE pair: (code_verifier, S256 code_challenge).
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "verifier-{}-0123456789abcdefghijklmnopqrstuvwxyz",
        rand_suffix()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location header, status {}", resp.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Value of the hidden form field `name` in the sign-in page.
pub fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name}"))
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

/// A browser: its own cookie jar, redirects not followed.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

/// What a finished sign-in returned to the client.
#[derive(Debug)]
pub struct Callback {
    pub code: String,
    pub verifier: String,
    pub state: Option<String>,
    pub iss: Option<String>,
}

impl Browser {
    pub fn new(server: &TestServer) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            http,
            base: server.base.clone(),
        }
    }

    pub async fn get(&self, path_or_url: &str) -> reqwest::Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        self.http.get(url).send().await.unwrap()
    }

    /// GET /authorize with the standard parameters plus `extra` (which may override).
    pub async fn authorize(&self, challenge: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut params: Vec<(&str, &str)> = vec![
            ("client_id", "spa"),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
            ("scope", FULL_SCOPE),
            ("state", "state-123"),
            ("nonce", "nonce-456"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            params.retain(|(name, _)| name != k);
            if !v.is_empty() {
                params.push((k, v));
            }
        }
        self.http
            .get(format!("{}/authorize", self.base))
            .query(&params)
            .send()
            .await
            .unwrap()
    }

    /// Follows a redirect to the sign-in page and submits the form.
    pub async fn submit_login(
        &self,
        login_location: &str,
        user: &str,
        pass: &str,
    ) -> reqwest::Response {
        let page = self.get(login_location).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let form = [
            ("request", hidden_field(&html, "request")),
            ("csrf", hidden_field(&html, "csrf")),
            ("username", user.to_owned()),
            ("password", pass.to_owned()),
        ];
        self.http
            .post(format!("{}/login", self.base))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// The whole front channel: authorize, sign in as `user`, come back with a code.
    pub async fn sign_in(&self, user: &str, extra: &[(&str, &str)]) -> Callback {
        let (verifier, challenge) = pkce();
        let resp = self.authorize(&challenge, extra).await;
        assert_eq!(resp.status(), 302);
        let mut loc = location(&resp);
        if loc.starts_with("/login") {
            let resp = self.submit_login(&loc, user, "password").await;
            assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
            loc = location(&resp);
        }
        assert!(
            loc.starts_with(REDIRECT_URI) || loc.starts_with(OTHER_REDIRECT_URI),
            "{loc}"
        );
        Callback {
            code: query_param(&loc, "code").unwrap_or_else(|| panic!("no code in {loc}")),
            verifier,
            state: query_param(&loc, "state"),
            iss: query_param(&loc, "iss"),
        }
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}/token", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn exchange(&self, cb: &Callback) -> reqwest::Response {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("code", &cb.code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &cb.verifier),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", "spa"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Signs in and exchanges the code; returns the token response.
    pub async fn tokens(&self, user: &str) -> Value {
        let cb = self.sign_in(user, &[]).await;
        let resp = self.exchange(&cb).await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }
}

pub async fn oauth_error(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    (status, body["error"].as_str().unwrap().to_owned())
}
