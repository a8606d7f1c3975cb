//! The one wrapper every API call goes through.
//!
//! It prefixes the API base, attaches the bearer token only when the request stays on the
//! API's own origin (RFC 6750 section 5.3: never hand a bearer token to a third party), decodes
//! JSON into the shared wire types, and turns every failure into an [`ApiError`] a page can
//! show.

use shared::ErrorBody;

use crate::auth::{RefreshFailure, Session, is_same_origin_path, json};

/// Why an API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The request never completed: the API is down, or the network is.
    #[error("the API could not be reached: {0}")]
    Network(String),
    /// The API rejected the access token (HTTP 401); the session is gone.
    #[error("your session has expired, please sign in again")]
    SessionExpired,
    /// The access token has expired and the provider could not renew it for now (network
    /// error or HTTP 5xx); the session is kept.
    #[error("the sign-in provider could not be reached; try again")]
    ProviderUnreachable,
    /// The access token has expired and renewing it failed for another reason; the session
    /// is kept.
    #[error("the access token could not be renewed ({0}); try again")]
    RenewalFailed(String),
    /// The API answered with another HTTP error.
    #[error("the API answered HTTP {status}{}", describe(.body))]
    Status {
        status: u16,
        body: Option<ErrorBody>,
    },
    /// The API answered 2xx with a body that is not the expected JSON.
    #[error("the API sent an unexpected answer: {0}")]
    InvalidBody(String),
}

fn describe(body: &Option<ErrorBody>) -> String {
    match body {
        Some(ErrorBody {
            error_description: Some(description),
            ..
        }) => format!(": {description}"),
        Some(ErrorBody { error, .. }) => format!(": {error}"),
        None => String::new(),
    }
}

/// Where the API lives and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiClient {
    /// Base URL without a trailing slash; empty means this page's own origin.
    base: String,
}

impl ApiClient {
    /// An API served from the same origin as the app, the default deployment.
    pub fn same_origin() -> Self {
        Self::default()
    }

    /// An API under `base`, e.g. `https://api.example` (bearer tokens are then only sent if
    /// that is also the page's origin).
    // Kept for deployments with a separate API origin; this app's API shares its origin.
    #[allow(dead_code)]
    pub fn with_base(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').into(),
        }
    }

    /// The full URL for an API path such as `/api/values`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Whether a bearer token may go with a request to `url` from a page on `origin`.
///
/// Paths qualify if they stay on the page's origin ([`is_same_origin_path`]); absolute URLs
/// must start with exactly that origin followed by a path, and carry no control characters.
pub fn may_send_bearer(url: &str, origin: &str) -> bool {
    if url.starts_with('/') {
        return is_same_origin_path(url);
    }
    if url.chars().any(char::is_control) {
        return false;
    }
    url.strip_prefix(origin)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
}

/// Whether `url`, as the API sent it, may become a link or an image address: an `http` or
/// `https` URL, or a path on this origin. Anything else (`javascript:`, `data:`, `//host`) is
/// shown as text instead, so a compromised or confused API cannot run script in the page.
pub fn is_web_address(url: &str) -> bool {
    if url.chars().any(char::is_control) {
        return false;
    }
    let has_prefix = |prefix: &str| {
        url.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    has_prefix("https://") || has_prefix("http://") || is_same_origin_path(url)
}

/// Maps a response to a result: 401 is a lost session, other errors keep their error body.
pub fn decode<T: serde::de::DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    match status {
        200..=299 => json::from_str(body).map_err(ApiError::InvalidBody),
        401 => Err(ApiError::SessionExpired),
        _ => Err(ApiError::Status {
            status,
            body: json::from_str(body).ok(),
        }),
    }
}

/// The access token to call the API with after renewing `session`'s failed with `failure`:
/// a refused session is over; otherwise the old token is used while it has not expired, and
/// only then does the call fail, without ending the session.
pub fn token_after_failed_refresh(
    session: &Session,
    failure: &RefreshFailure,
    now: i64,
) -> Result<String, ApiError> {
    match (failure, session.unexpired_access_token(now)) {
        (RefreshFailure::Refused, _) => Err(ApiError::SessionExpired),
        (_, Some(token)) => Ok(token.to_owned()),
        (RefreshFailure::Unavailable, None) => Err(ApiError::ProviderUnreachable),
        (RefreshFailure::Unusable(reason), None) => Err(ApiError::RenewalFailed(reason.clone())),
    }
}

/// An API answer not yet decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
}

impl ApiResponse {
    /// Decodes the body as `T`, see [`decode`].
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        decode(self.status, &self.body)
    }
}

#[cfg(target_arch = "wasm32")]
impl ApiClient {
    /// `GET`s `path` and decodes the JSON answer. `access_token` is attached only if the
    /// request stays on this page's origin; otherwise the request is sent without it.
    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        access_token: Option<&str>,
    ) -> Result<T, ApiError> {
        self.send(path, access_token).await?.json()
    }

    /// `GET`s `path` and returns the raw answer; a network failure is an error, any HTTP
    /// status is not. Not generic, so the request code exists once in the binary.
    pub async fn send(
        &self,
        path: &str,
        access_token: Option<&str>,
    ) -> Result<ApiResponse, ApiError> {
        let url = self.url(path);
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let mut request = gloo_net::http::Request::get(&url).header("Accept", "application/json");
        if let Some(token) = access_token.filter(|_| may_send_bearer(&url, &origin)) {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let network = |e: gloo_net::Error| ApiError::Network(e.to_string());
        let response = request.send().await.map_err(network)?;
        let status = response.status();
        let body = response.text().await.map_err(network)?;
        Ok(ApiResponse { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{Service, Values};

    const ORIGIN: &str = "http://localhost:8080";

    #[test]
    fn same_origin_paths_get_the_bearer_token() {
        assert!(may_send_bearer("/api/services", ORIGIN));
        assert!(may_send_bearer(
            "http://localhost:8080/api/services",
            ORIGIN
        ));
        assert!(may_send_bearer("http://localhost:8080", ORIGIN));
    }

    #[test]
    fn other_origins_never_get_the_bearer_token() {
        for url in [
            "http://localhost:5001/userinfo",
            "http://localhost:8080.evil.example/api",
            "http://localhost:80801/api",
            "https://localhost:8080/api",
            "//evil.example/api",
            "/\\evil.example/api",
            "http://evil.example/?http://localhost:8080/",
            "/\t/evil.example/api",
            "/\n/evil.example/api",
            "/\r\\evil.example/api",
        ] {
            assert!(!may_send_bearer(url, ORIGIN), "{url}");
        }
    }

    #[test]
    fn only_web_addresses_become_links() {
        for url in [
            "https://example.com/",
            "HTTP://example.com/",
            "/icons/api.svg",
            "/",
        ] {
            assert!(is_web_address(url), "{url}");
        }
        for url in [
            "javascript:alert(1)",
            " javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:image/svg+xml,<svg/>",
            "//evil.example/",
            "/\\evil.example/",
            "java\tscript:alert(1)",
            "https:\n//example.com/",
            "icons/api.svg",
            "",
        ] {
            assert!(!is_web_address(url), "{url}");
        }
    }

    #[test]
    fn base_is_prefixed_without_double_slash() {
        assert_eq!(ApiClient::same_origin().url("/api/values"), "/api/values");
        assert_eq!(
            ApiClient::with_base("http://localhost:5000/").url("/api/values"),
            "http://localhost:5000/api/values"
        );
    }

    #[test]
    fn json_body_decodes_into_shared_types() {
        let values: Values = decode(200, r#"["value1","value2"]"#).unwrap();
        assert_eq!(values, ["value1", "value2"]);
        let services: Vec<Service> =
            decode(200, r#"[{"name":"n","uri":"u","iconUri":"/icons/n.svg"}]"#).unwrap();
        assert_eq!(services[0].icon_uri, "/icons/n.svg");
    }

    #[test]
    fn unauthorized_means_session_expired() {
        let err = decode::<Values>(401, r#"{"error":"invalid_token"}"#).unwrap_err();
        assert_eq!(err, ApiError::SessionExpired);
    }

    #[test]
    fn unreachable_provider_keeps_using_the_unexpired_access_token() {
        let session = crate::auth::session::tests::session(Some(1_000));
        // Inside the refresh margin: the token still works for a few seconds.
        let token = token_after_failed_refresh(&session, &RefreshFailure::Unavailable, 990);
        assert_eq!(token.as_deref(), Ok("at"));
        let token =
            token_after_failed_refresh(&session, &RefreshFailure::Unusable("x".into()), 990);
        assert_eq!(token.as_deref(), Ok("at"));
    }

    #[test]
    fn unreachable_provider_with_expired_access_token_asks_to_try_again() {
        let session = crate::auth::session::tests::session(Some(1_000));
        let err =
            token_after_failed_refresh(&session, &RefreshFailure::Unavailable, 1_001).unwrap_err();
        assert_eq!(err, ApiError::ProviderUnreachable);
        assert_eq!(
            err.to_string(),
            "the sign-in provider could not be reached; try again"
        );
        let err =
            token_after_failed_refresh(&session, &RefreshFailure::Unusable("bad".into()), 1_001)
                .unwrap_err();
        assert_eq!(err, ApiError::RenewalFailed("bad".into()));
    }

    #[test]
    fn refused_refresh_ends_the_session_even_with_time_left() {
        let session = crate::auth::session::tests::session(Some(1_000));
        let err = token_after_failed_refresh(&session, &RefreshFailure::Refused, 990).unwrap_err();
        assert_eq!(err, ApiError::SessionExpired);
    }

    #[test]
    fn html_body_is_an_invalid_body_error() {
        let err = decode::<Values>(200, "<!doctype html><html></html>").unwrap_err();
        assert!(matches!(err, ApiError::InvalidBody(_)), "{err}");
    }

    #[test]
    fn error_status_keeps_the_error_body() {
        let err = decode::<Values>(
            403,
            r#"{"error":"insufficient_scope","error_description":"needs api1"}"#,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "the API answered HTTP 403: needs api1");
        let err = decode::<Values>(500, "oops").unwrap_err();
        assert_eq!(err.to_string(), "the API answered HTTP 500");
    }
}
