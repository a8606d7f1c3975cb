//! Command-line and environment configuration.
//!
//! Every setting has a flag and a `BACKEND_*` environment variable, and a default that suits
//! local development against the identity provider on `http://localhost:5001`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use url::{Host, Url};

/// The issuer identifier of the OpenID provider whose access tokens the API accepts.
///
/// Kept exactly as configured: OpenID Connect Discovery 1.0 section 4.3 and RFC 9068
/// section 4 compare issuers as exact strings, so `https://a/` and `https://a` differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerUrl {
    text: String,
    url: Url,
}

impl IssuerUrl {
    /// Parses an issuer and enforces the transport rule: `https`, or `http` only on a loopback
    /// host (RFC 8414 section 2 requires `https`; loopback keeps local development possible).
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
        require_secure_transport(&url)?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("{text:?} must not have a query or fragment"));
        }
        Ok(Self {
            text: text.to_owned(),
            url,
        })
    }

    /// The issuer exactly as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where the provider publishes its metadata (OpenID Connect Discovery 1.0 section 4).
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.text.trim_end_matches('/')
        )
    }

    /// The issuer's origin (`scheme://host[:port]`), for the SPA's `connect-src`.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }
}

/// Refuses plain `http` unless the host is a loopback name or address.
pub fn require_secure_transport(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(format!(
            "{url} must use https (plain http is allowed only for localhost, 127.0.0.1 and ::1)"
        )),
        other => Err(format!("{url} has unsupported scheme {other:?}")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// An allowed CORS origin: `scheme://host[:port]` with nothing after it.
fn parse_origin(text: &str) -> Result<String, String> {
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not an origin: {e}"))?;
    let origin = url.origin().ascii_serialization();
    if origin == "null" || text.trim_end_matches('/') != origin {
        return Err(format!(
            "{text:?} is not an origin like http://localhost:8080"
        ));
    }
    Ok(origin)
}

fn parse_issuer(text: &str) -> Result<IssuerUrl, String> {
    IssuerUrl::parse(text)
}

fn parse_non_empty(text: &str) -> Result<String, String> {
    if text.trim().is_empty() || text.chars().any(char::is_whitespace) {
        return Err("must be a single non-empty word".to_owned());
    }
    Ok(text.to_owned())
}

/// The backend's settings.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "backend",
    version,
    about = "The bearer-protected API and the SPA's host"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BACKEND_LISTEN", default_value = "127.0.0.1:5000")]
    pub listen: SocketAddr,

    /// Issuer identifier of the OpenID provider; `iss` must equal it exactly.
    #[arg(long, env = "BACKEND_ISSUER", default_value = "http://localhost:5001",
          value_parser = parse_issuer)]
    pub issuer: IssuerUrl,

    /// Audience this API answers to; `aud` must contain it.
    #[arg(long, env = "BACKEND_AUDIENCE", default_value = "api1", value_parser = parse_non_empty)]
    pub audience: String,

    /// Scope every protected endpoint requires.
    #[arg(long, env = "BACKEND_SCOPE", default_value = "api1", value_parser = parse_non_empty)]
    pub scope: String,

    /// Folder holding the built SPA (`index.html` and its assets).
    #[arg(long, env = "BACKEND_STATIC_DIR", default_value = "frontend/dist")]
    pub static_dir: PathBuf,

    /// JSON file with the list served by `GET /api/services`.
    #[arg(
        long,
        env = "BACKEND_SERVICES_FILE",
        default_value = "backend/data/services.json"
    )]
    pub services_file: PathBuf,

    /// The SPA's client identifier at the provider, served by `GET /api/config`.
    #[arg(long, env = "BACKEND_SPA_CLIENT_ID", default_value = "spa",
          value_parser = parse_non_empty)]
    pub spa_client_id: String,

    /// Scopes the SPA requests, served by `GET /api/config`.
    #[arg(
        long,
        env = "BACKEND_SPA_SCOPE",
        default_value = "openid profile api1 offline_access"
    )]
    pub spa_scope: String,

    /// Extra authorization request parameters for the SPA, as a query string, e.g.
    /// `audience=https://api.example.com` for Auth0; served by `GET /api/config`.
    #[arg(long, env = "BACKEND_SPA_AUTHORIZE_PARAMS", default_value = "",
          value_parser = parse_authorize_params)]
    pub spa_authorize_params: AuthorizeParams,

    /// Comma-separated origins allowed to call the API cross-origin; empty turns CORS off.
    #[arg(long, env = "BACKEND_CORS_ORIGINS", default_value = "", value_delimiter = ',',
          value_parser = parse_origin_or_empty)]
    pub cors_origins: Vec<String>,

    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    #[arg(long, env = "BACKEND_LEEWAY_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(0..=600))]
    pub leeway_secs: u64,

    /// Interval between scheduled refreshes of the provider's keys, in seconds.
    #[arg(long, env = "BACKEND_JWKS_REFRESH_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub jwks_refresh_secs: u64,

    /// Minimum time between key refetches caused by an unknown `kid`, in seconds.
    #[arg(long, env = "BACKEND_JWKS_COOLDOWN_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub jwks_cooldown_secs: u64,

    /// Number of verified tokens remembered; 0 turns the cache off.
    #[arg(long, env = "BACKEND_TOKEN_CACHE_CAPACITY", default_value_t = 10_000)]
    pub token_cache_capacity: u64,

    /// Accept only tokens whose header says `typ: at+jwt` (strict RFC 9068 section 4).
    #[arg(long, env = "BACKEND_REQUIRE_AT_JWT", default_value_t = false)]
    pub require_at_jwt: bool,
}

/// Extra parameters the SPA adds to its authorization requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeParams(pub BTreeMap<String, String>);

/// A query string of extra authorization parameters. Each name may appear once and none may
/// be one the SPA sets itself (PKCE, `state`, `nonce`, the redirect URI, ...).
fn parse_authorize_params(text: &str) -> Result<AuthorizeParams, String> {
    let mut params = BTreeMap::new();
    for (name, value) in url::form_urlencoded::parse(text.trim().as_bytes()) {
        if name.is_empty() {
            return Err(format!("{text:?} has a parameter without a name"));
        }
        if shared::RESERVED_AUTHORIZE_PARAMS.contains(&name.as_ref()) {
            return Err(format!(
                "{name} is set by the SPA itself and cannot be configured"
            ));
        }
        if params
            .insert(name.to_string(), value.into_owned())
            .is_some()
        {
            return Err(format!("{name} is given more than once"));
        }
    }
    Ok(AuthorizeParams(params))
}

fn parse_origin_or_empty(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    parse_origin(text)
}

impl Config {
    /// Allowed CORS origins, empty entries dropped.
    pub fn cors_origins(&self) -> impl Iterator<Item = &str> {
        self.cors_origins
            .iter()
            .map(String::as_str)
            .filter(|o| !o.is_empty())
    }

    /// Clock skew tolerance.
    pub fn leeway(&self) -> Duration {
        Duration::from_secs(self.leeway_secs)
    }

    /// The first line of a parse error, without clap's `error: ` prefix. clap names only
    /// the flag even when the bad value came from its environment variable; then the
    /// variable is named too, e.g. `... for '--leeway-secs <LEEWAY_SECS>' (from
    /// BACKEND_LEEWAY_SECS)`. `args` are the command line, `env_is_set` tells whether a
    /// variable is present.
    pub fn describe_parse_error(
        error: &clap::Error,
        args: &[std::ffi::OsString],
        env_is_set: impl Fn(&std::ffi::OsStr) -> bool,
    ) -> String {
        use clap::CommandFactory;
        shared::cli::describe_parse_error(error, &Self::command(), args, env_is_set)
    }

    /// The configuration with every default, as if no flag or variable were set.
    ///
    /// Reads no environment, so tests are not affected by the caller's shell.
    pub fn defaults() -> Self {
        Self::try_parse_from_env_free(["backend"]).expect("defaults are valid")
    }

    /// Parses flags while ignoring the process environment (for tests).
    pub fn try_parse_from_env_free<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        let matches = shared::cli::without_env(Self::command()).try_get_matches_from(args)?;
        Self::from_arg_matches(&matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_value_from_the_environment_names_the_variable() {
        let error = Config::try_parse_from_env_free(["backend", "--leeway-secs", "9999"])
            .expect_err("out of range");
        // As if the value had come from BACKEND_LEEWAY_SECS: the flag is not on the line.
        let line = Config::describe_parse_error(&error, &["backend".into()], |name| {
            name == "BACKEND_LEEWAY_SECS"
        });
        assert!(
            line.starts_with("invalid value '9999' for '--leeway-secs"),
            "{line}"
        );
        assert!(line.ends_with(" (from BACKEND_LEEWAY_SECS)"), "{line}");
    }

    #[test]
    fn bad_value_on_the_command_line_names_only_the_flag() {
        let args: Vec<std::ffi::OsString> = ["backend", "--leeway-secs=9999"]
            .iter()
            .map(Into::into)
            .collect();
        let error = Config::try_parse_from_env_free(&args).expect_err("out of range");
        let line = Config::describe_parse_error(&error, &args, |_| true);
        assert!(!line.contains("(from"), "{line}");
    }

    #[test]
    fn defaults_match_the_contract() {
        let config = Config::defaults();
        assert_eq!(config.listen.to_string(), "127.0.0.1:5000");
        assert_eq!(config.issuer.as_str(), "http://localhost:5001");
        assert_eq!(config.audience, "api1");
        assert_eq!(config.scope, "api1");
        assert_eq!(config.cors_origins().count(), 0);
        assert_eq!(config.leeway_secs, 60);
    }

    #[test]
    fn plain_http_issuer_on_public_host_is_rejected() {
        assert!(IssuerUrl::parse("http://idp.example.com").is_err());
        assert!(IssuerUrl::parse("https://idp.example.com").is_ok());
        assert!(IssuerUrl::parse("http://127.0.0.1:5001").is_ok());
        assert!(IssuerUrl::parse("http://[::1]:5001").is_ok());
        assert!(IssuerUrl::parse("ftp://localhost").is_err());
    }

    #[test]
    fn issuer_is_kept_exactly_and_discovery_has_one_slash() {
        let issuer = IssuerUrl::parse("https://idp.example.com/tenant/").expect("valid");
        assert_eq!(issuer.as_str(), "https://idp.example.com/tenant/");
        assert_eq!(
            issuer.discovery_url(),
            "https://idp.example.com/tenant/.well-known/openid-configuration"
        );
        assert_eq!(issuer.origin(), "https://idp.example.com");
    }

    #[test]
    fn cors_origins_are_split_and_checked() {
        let config = Config::try_parse_from_env_free([
            "backend",
            "--cors-origins",
            "http://localhost:8080,https://app.example.com",
        ])
        .expect("valid");
        let origins: Vec<_> = config.cors_origins().collect();
        assert_eq!(
            origins,
            ["http://localhost:8080", "https://app.example.com"]
        );
        assert!(
            Config::try_parse_from_env_free(["backend", "--cors-origins", "http://a/path"])
                .is_err()
        );
    }

    #[test]
    fn authorize_params_are_parsed_and_reserved_names_refused() {
        let config = Config::try_parse_from_env_free([
            "backend",
            "--spa-authorize-params",
            "audience=https%3A%2F%2Fapi.example.com&prompt=login",
        ])
        .expect("valid");
        let params = &config.spa_authorize_params.0;
        assert_eq!(params["audience"], "https://api.example.com");
        assert_eq!(params["prompt"], "login");
        assert!(Config::defaults().spa_authorize_params.0.is_empty());
        for bad in ["state=x", "code_challenge_method=plain", "a=1&a=2", "=x"] {
            assert!(
                Config::try_parse_from_env_free(["backend", "--spa-authorize-params", bad])
                    .is_err(),
                "{bad} must be refused"
            );
        }
    }
}
