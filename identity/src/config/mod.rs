//! Command line, environment and TOML configuration.
//!
//! Every top-level item of the TOML file is optional; a missing item means the development
//! default. Unknown keys are rejected so that a typo never silently weakens a setting.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use argon2::password_hash::PasswordHash;
use clap::{Parser, Subcommand};
use serde::Deserialize;
use url::Url;

/// Scopes this provider knows how to grant.
pub const SUPPORTED_SCOPES: [&str; 4] = ["openid", "profile", "api1", "offline_access"];
/// Audience of every access token: the one API resource.
pub const API_AUDIENCE: &str = "api1";

const DEFAULT_ACCESS_TOKEN_LIFETIME: u64 = 300;
const DEFAULT_ID_TOKEN_LIFETIME: u64 = 300;
const DEFAULT_REFRESH_SLIDING_LIFETIME: u64 = 24 * 3600;
const DEFAULT_REFRESH_ABSOLUTE_LIFETIME: u64 = 7 * 24 * 3600;
const DEFAULT_SESSION_LIFETIME: u64 = 8 * 3600;
const MAX_LIFETIME: u64 = 365 * 24 * 3600;
/// Longest `client_name`: it is shown in one line of the sign-in page.
const MAX_CLIENT_NAME_CHARS: usize = 100;

/// Argon2id hashes of the development password `password` (default argon2 parameters).
const DEV_ALICE_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$dqMpPzN/mMcvyJDLmTml7A$7IIU1zPFX0/28Eyx7BWqn2Zx+lE/inmSmwBZUa98HF4";
const DEV_BOB_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$kgsLFO0e2etD1m1L6+eV7Q$9wnLpNS+ZwsiJMIY3sN+Qr0Ltbai2Y0kkicJODz74vQ";

/// Development OpenID Connect provider.
#[derive(Debug, Parser)]
#[command(name = "identity", version, about)]
pub struct Cli {
    /// Socket address to listen on.
    #[arg(long, env = "IDENTITY_LISTEN", default_value = "127.0.0.1:5001")]
    pub listen: SocketAddr,
    /// Issuer identifier: the exact `iss` of every token and the base of every endpoint.
    #[arg(long, env = "IDENTITY_ISSUER", default_value = "http://localhost:5001",
          value_parser = parse_issuer)]
    pub issuer: Issuer,
    /// Folder for signing keys and the SQLite database; created owner-only.
    #[arg(long, env = "IDENTITY_DATA_DIR", default_value = ".data/identity")]
    pub data_dir: PathBuf,
    /// Optional TOML file with clients, users and lifetimes.
    #[arg(long, env = "IDENTITY_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The first line of a parse error, without clap's `error: ` prefix. clap names only
    /// the flag even when the bad value came from its environment variable; then the
    /// variable is named too, e.g. `... for '--listen <LISTEN>' (from IDENTITY_LISTEN)`.
    /// `args` are the command line, `env_is_set` tells whether a variable is present.
    pub fn describe_parse_error(
        error: &clap::Error,
        args: &[OsString],
        env_is_set: impl Fn(&OsStr) -> bool,
    ) -> String {
        use clap::CommandFactory;
        shared::cli::describe_parse_error(error, &Self::command(), args, env_is_set)
    }
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the provider (the default).
    Serve,
    /// Read a password from standard input and print its argon2id PHC string.
    HashPassword,
    /// Create a new signing key; the previous one stays published for a grace period.
    RotateKey,
}

/// The issuer identifier (OIDC Discovery 1.0 section 3): an http(s) URL with no query,
/// fragment or trailing slash, compared by exact string match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(String);

impl Issuer {
    /// The development issuer, `http://localhost:5001`.
    pub fn development() -> Self {
        Issuer("http://localhost:5001".into())
    }

    /// Parses and checks an issuer identifier.
    pub fn parse(value: &str) -> Result<Self, String> {
        parse_issuer(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Endpoint URL below the issuer, `path` starting with `/`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// Whether cookies must carry the `Secure` attribute.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

fn parse_issuer(value: &str) -> Result<Issuer, String> {
    let url = Url::parse(value).map_err(|e| format!("issuer {value:?} is not a URL: {e}"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "issuer must use http or https, found {:?}",
            url.scheme()
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || url.host().is_none() {
        return Err("issuer must have a host and no query or fragment".into());
    }
    if value.ends_with('/') {
        return Err(format!("issuer must not end with '/', found {value:?}"));
    }
    Ok(Issuer(value.to_owned()))
}

/// Errors in the configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The TOML file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub access_token_lifetime_secs: Option<u64>,
    pub id_token_lifetime_secs: Option<u64>,
    pub refresh_token_sliding_lifetime_secs: Option<u64>,
    pub refresh_token_absolute_lifetime_secs: Option<u64>,
    pub session_lifetime_secs: Option<u64>,
    pub clients: Option<Vec<Client>>,
    pub users: Option<Vec<User>>,
}

/// A registered public client (authorization code + PKCE, no secret).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub client_id: String,
    /// Shown to users on the sign-in page; the client id when absent.
    #[serde(default)]
    pub client_name: Option<String>,
    /// Compared with the `redirect_uri` parameter by exact string match
    /// (RFC 9700 section 4.1.1).
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Origins allowed to call the token, revocation and userinfo endpoints from a browser.
    #[serde(default)]
    pub allowed_cors_origins: Vec<String>,
    pub allowed_scopes: Vec<String>,
}

impl Client {
    /// The name users see: `client_name`, or the client id when none is configured.
    pub fn display_name(&self) -> &str {
        self.client_name.as_deref().unwrap_or(&self.client_id)
    }
}

/// A user who can sign in with a password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: String,
    /// Argon2id PHC string, as printed by `identity hash-password`.
    pub password_hash: String,
    pub name: Option<String>,
    pub website: Option<String>,
}

/// Validated settings used by the running provider.
#[derive(Debug, Clone)]
pub struct Settings {
    pub issuer: Issuer,
    pub access_token_lifetime: u64,
    pub id_token_lifetime: u64,
    pub refresh_sliding_lifetime: u64,
    pub refresh_absolute_lifetime: u64,
    pub session_lifetime: u64,
    pub clients: Vec<Client>,
    pub users: Vec<User>,
    /// True when the built-in users with the well-known password are active.
    pub development_users: bool,
}

impl Settings {
    /// Reads the optional TOML file and applies the development defaults.
    pub fn load(issuer: Issuer, path: Option<&Path>) -> Result<Self, ConfigError> {
        let file = match path {
            None => FileConfig::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.into(),
                    message: e.message().to_owned(),
                })?
            }
        };
        Self::from_file_config(issuer, file)
    }

    pub fn from_file_config(issuer: Issuer, file: FileConfig) -> Result<Self, ConfigError> {
        let lifetime = |name: &str, value: Option<u64>, default: u64| match value {
            None => Ok(default),
            Some(v) if (1..=MAX_LIFETIME).contains(&v) => Ok(v),
            Some(v) => Err(ConfigError::Invalid(format!(
                "{name} must be between 1 and {MAX_LIFETIME}, found {v}"
            ))),
        };
        let development_users = file.users.is_none();
        let settings = Settings {
            issuer,
            access_token_lifetime: lifetime(
                "access_token_lifetime_secs",
                file.access_token_lifetime_secs,
                DEFAULT_ACCESS_TOKEN_LIFETIME,
            )?,
            id_token_lifetime: lifetime(
                "id_token_lifetime_secs",
                file.id_token_lifetime_secs,
                DEFAULT_ID_TOKEN_LIFETIME,
            )?,
            refresh_sliding_lifetime: lifetime(
                "refresh_token_sliding_lifetime_secs",
                file.refresh_token_sliding_lifetime_secs,
                DEFAULT_REFRESH_SLIDING_LIFETIME,
            )?,
            refresh_absolute_lifetime: lifetime(
                "refresh_token_absolute_lifetime_secs",
                file.refresh_token_absolute_lifetime_secs,
                DEFAULT_REFRESH_ABSOLUTE_LIFETIME,
            )?,
            session_lifetime: lifetime(
                "session_lifetime_secs",
                file.session_lifetime_secs,
                DEFAULT_SESSION_LIFETIME,
            )?,
            clients: file.clients.unwrap_or_else(development_clients),
            users: file.users.unwrap_or_else(development_users_list),
            development_users,
        };
        settings.validate()?;
        Ok(settings)
    }

    /// How long a retired signing key stays in the JWKS: long enough for every token it
    /// signed to expire, plus a margin for clock skew and relying-party JWKS caches.
    pub fn key_grace_period(&self) -> u64 {
        self.access_token_lifetime.max(self.id_token_lifetime) + 300
    }

    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    pub fn user(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    /// Whether any client lists `origin` among its CORS origins.
    pub fn is_known_origin(&self, origin: &str) -> bool {
        self.clients
            .iter()
            .any(|c| c.allowed_cors_origins.iter().any(|o| o == origin))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if self.refresh_sliding_lifetime > self.refresh_absolute_lifetime {
            return invalid("refresh token sliding lifetime exceeds the absolute one".into());
        }
        let mut ids = HashSet::new();
        for client in &self.clients {
            if client.client_id.is_empty() || !ids.insert(client.client_id.as_str()) {
                return invalid(format!(
                    "client_id {:?} is empty or repeated",
                    client.client_id
                ));
            }
            if let Some(name) = &client.client_name
                && (name.trim().is_empty() || name.chars().count() > MAX_CLIENT_NAME_CHARS)
            {
                return invalid(format!(
                    "client {:?}: client_name must be 1 to {MAX_CLIENT_NAME_CHARS} characters",
                    client.client_id
                ));
            }
            if client.redirect_uris.is_empty() {
                return invalid(format!(
                    "client {:?} has no redirect_uris",
                    client.client_id
                ));
            }
            for uri in client
                .redirect_uris
                .iter()
                .chain(&client.post_logout_redirect_uris)
            {
                check_redirect_uri(uri)?;
            }
            for origin in &client.allowed_cors_origins {
                check_origin(origin)?;
            }
            for scope in &client.allowed_scopes {
                if !SUPPORTED_SCOPES.contains(&scope.as_str()) {
                    return invalid(format!(
                        "client {:?}: unknown scope {scope:?}, expected one of {SUPPORTED_SCOPES:?}",
                        client.client_id
                    ));
                }
            }
        }
        let mut names = HashSet::new();
        for user in &self.users {
            if user.username.is_empty() || !names.insert(user.username.as_str()) {
                return invalid(format!("username {:?} is empty or repeated", user.username));
            }
            match PasswordHash::new(&user.password_hash) {
                Ok(hash) if hash.algorithm.as_str() == "argon2id" => {}
                _ => {
                    return invalid(format!(
                        "user {:?}: password_hash is not an argon2id PHC string",
                        user.username
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Redirect URIs must be absolute and carry no fragment (RFC 6749 section 3.1.2).
fn check_redirect_uri(uri: &str) -> Result<(), ConfigError> {
    match Url::parse(uri) {
        Ok(url) if url.fragment().is_none() && url.has_host() => Ok(()),
        _ => Err(ConfigError::Invalid(format!(
            "redirect URI {uri:?} must be an absolute URL without fragment"
        ))),
    }
}

fn check_origin(origin: &str) -> Result<(), ConfigError> {
    match Url::parse(origin) {
        Ok(url) if url.origin().ascii_serialization() == origin => Ok(()),
        _ => Err(ConfigError::Invalid(format!(
            "CORS origin {origin:?} must be scheme://host[:port] with no path"
        ))),
    }
}

fn development_clients() -> Vec<Client> {
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    vec![Client {
        client_id: "spa".into(),
        client_name: Some("Example SPA".into()),
        redirect_uris: strings(&[
            "http://localhost:5000/callback",
            "http://localhost:8080/callback",
        ]),
        post_logout_redirect_uris: strings(&["http://localhost:5000/", "http://localhost:8080/"]),
        allowed_cors_origins: strings(&["http://localhost:5000", "http://localhost:8080"]),
        allowed_scopes: strings(&SUPPORTED_SCOPES),
    }]
}

fn development_users_list() -> Vec<User> {
    vec![
        User {
            username: "alice".into(),
            password_hash: DEV_ALICE_HASH.into(),
            name: Some("Alice".into()),
            website: Some("https://alice.example.com".into()),
        },
        User {
            username: "bob".into(),
            password_hash: DEV_BOB_HASH.into(),
            name: Some("Bob".into()),
            website: Some("https://bob.example.com".into()),
        },
    ]
}

#[cfg(test)]
mod tests;
