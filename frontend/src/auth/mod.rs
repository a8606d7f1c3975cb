//! A small OpenID Connect relying party for single-page apps.
//!
//! Authorization code flow with PKCE (RFC 7636, `S256` only), `state` and `nonce`, ID token
//! claim checks, refresh, and RP-initiated logout. It knows nothing about the app around it:
//! settings come in as [`ClientSettings`], and the provider's endpoints come from discovery.
//! Tokens stay in memory and `sessionStorage` ([`storage`]).

pub mod client;
pub mod discovery;
pub mod id_token;
pub mod json;
pub mod pkce;
pub mod reauth;
pub mod session;
pub mod state;
pub mod storage;

#[cfg(target_arch = "wasm32")]
pub use client::browser::SignInOutcome;
pub use client::{
    AuthorizationResponse, ClientSettings, OidcClient, RefreshFailure, is_same_origin_path,
    safe_return_path,
};
pub use discovery::DiscoveryError;
pub use id_token::IdTokenError;
pub use session::Session;
pub use storage::PlatformError;

/// Everything that can go wrong while signing in or keeping a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Storage or randomness is unavailable in this browser.
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// The provider's metadata could not be loaded or is unusable.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The ID token failed a check.
    #[error("the ID token was rejected: {0}")]
    IdToken(#[from] IdTokenError),
    /// The token endpoint refused the request with an RFC 6749 section 5.2 error.
    #[error("the identity provider answered `{error}`{}", describe(.description))]
    Provider {
        /// The HTTP status it came with.
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// The authorization response names another issuer, or none where one is required.
    #[error("the authorization response came from `{found}`, expected `{expected}`")]
    IssuerMismatch { expected: String, found: String },
    /// The token endpoint could not be reached.
    #[error("the identity provider could not be reached: {0}")]
    Network(String),
    /// The token endpoint answered something that is not a usable token response.
    #[error("unexpected answer from the token endpoint: {0}")]
    InvalidResponse(String),
    /// The token endpoint answered an HTTP error without an RFC 6749 error body, as a proxy
    /// in front of it does.
    #[error("the token endpoint answered HTTP {0}")]
    TokenEndpointStatus(u16),
    /// The tokens are no longer usable and could not be renewed.
    #[error("the session has expired")]
    SessionExpired,
    /// The browser refused to navigate.
    #[error("could not navigate to the identity provider: {0}")]
    Navigation(String),
}

fn describe(description: &Option<String>) -> String {
    description
        .as_ref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

/// Current time in whole seconds since the Unix epoch, from the browser's clock.
#[cfg(target_arch = "wasm32")]
pub fn now_secs() -> i64 {
    // Truncation is intended: whole seconds, and the clock is far inside the i64 range.
    #[allow(clippy::cast_possible_truncation)]
    let seconds = (js_sys::Date::now() / 1000.0) as i64;
    seconds
}
