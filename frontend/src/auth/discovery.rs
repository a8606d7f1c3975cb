//! The provider's metadata (OpenID Connect Discovery 1.0).

use serde::Deserialize;

/// Path appended to the issuer (Discovery section 4.1).
pub const WELL_KNOWN_PATH: &str = "/.well-known/openid-configuration";

/// Why the provider's metadata could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The request did not complete (provider down, CORS refused, offline).
    #[error("the identity provider at {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    /// The provider answered with an HTTP error.
    #[error("the identity provider's metadata at {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    /// The body is not a discovery document.
    #[error("the identity provider's metadata is invalid: {0}")]
    InvalidDocument(String),
    /// The document names another issuer (Discovery section 4.3).
    #[error("issuer mismatch: configured `{expected}`, the provider says `{found}`")]
    IssuerMismatch { expected: String, found: String },
    /// The provider lists PKCE methods and `S256` is not one of them.
    #[error("the identity provider does not support PKCE with S256")]
    PkceUnsupported,
}

/// The subset of the provider metadata this client uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    /// Issuer identifier; must equal the configured authority.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: String,
    /// RP-Initiated Logout 1.0 endpoint, if the provider has one.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// Token revocation endpoint (RFC 7009, listed per RFC 8414 section 2), if any.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// PKCE methods the provider supports (RFC 8414 section 2), if it says.
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// Whether the provider adds `iss` to authorization responses (RFC 9207 section 3).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

impl ProviderMetadata {
    /// Parses and checks a discovery document fetched for `authority`.
    pub fn from_json(json: &str, authority: &str) -> Result<Self, DiscoveryError> {
        let metadata: Self =
            super::json::from_str(json).map_err(DiscoveryError::InvalidDocument)?;
        metadata.check(authority)?;
        Ok(metadata)
    }

    /// Discovery section 4.3: "The issuer value returned MUST be identical to the Issuer URL
    /// that was used as the prefix to /.well-known/openid-configuration". Without this check
    /// one provider could impersonate another.
    fn check(&self, authority: &str) -> Result<(), DiscoveryError> {
        if self.issuer != authority {
            return Err(DiscoveryError::IssuerMismatch {
                expected: authority.into(),
                found: self.issuer.clone(),
            });
        }
        match &self.code_challenge_methods_supported {
            Some(methods) if !methods.iter().any(|m| m == "S256") => {
                Err(DiscoveryError::PkceUnsupported)
            }
            _ => Ok(()),
        }
    }
}

/// The discovery document's address for an issuer (Discovery section 4.1).
pub fn discovery_url(authority: &str) -> String {
    format!("{}{WELL_KNOWN_PATH}", authority.trim_end_matches('/'))
}

#[cfg(target_arch = "wasm32")]
impl ProviderMetadata {
    /// Fetches and checks the discovery document of `authority`.
    pub async fn discover(authority: &str) -> Result<Self, DiscoveryError> {
        let url = discovery_url(authority);
        let response = gloo_net::http::Request::get(&url)
            .send()
            .await
            .map_err(|e| DiscoveryError::Unreachable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        if !response.ok() {
            return Err(DiscoveryError::Status {
                url,
                status: response.status(),
            });
        }
        let body = response
            .text()
            .await
            .map_err(|e| DiscoveryError::Unreachable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        Self::from_json(&body, authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = r#"{
        "issuer": "http://localhost:5001",
        "authorization_endpoint": "http://localhost:5001/authorize",
        "token_endpoint": "http://localhost:5001/token",
        "end_session_endpoint": "http://localhost:5001/end-session",
        "revocation_endpoint": "http://localhost:5001/revoke",
        "jwks_uri": "http://localhost:5001/jwks",
        "code_challenge_methods_supported": ["S256"]
    }"#;

    #[test]
    fn discovery_url_appends_well_known_path() {
        assert_eq!(
            discovery_url("http://localhost:5001"),
            "http://localhost:5001/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://id.example/tenant/"),
            "https://id.example/tenant/.well-known/openid-configuration"
        );
    }

    #[test]
    fn matching_document_is_accepted() {
        let metadata = ProviderMetadata::from_json(DOCUMENT, "http://localhost:5001").unwrap();
        assert_eq!(metadata.token_endpoint, "http://localhost:5001/token");
        assert_eq!(
            metadata.revocation_endpoint.as_deref(),
            Some("http://localhost:5001/revoke")
        );
    }

    #[test]
    fn issuer_mismatch_is_rejected() {
        let err = ProviderMetadata::from_json(DOCUMENT, "http://localhost:5001/").unwrap_err();
        assert!(
            matches!(err, DiscoveryError::IssuerMismatch { .. }),
            "{err}"
        );
    }

    #[test]
    fn provider_without_s256_is_rejected() {
        let plain_only = DOCUMENT.replace(r#"["S256"]"#, r#"["plain"]"#);
        let err = ProviderMetadata::from_json(&plain_only, "http://localhost:5001").unwrap_err();
        assert_eq!(err, DiscoveryError::PkceUnsupported);
    }

    #[test]
    fn document_without_token_endpoint_is_invalid() {
        let err =
            ProviderMetadata::from_json(r#"{"issuer":"x","authorization_endpoint":"y"}"#, "x")
                .unwrap_err();
        assert!(matches!(err, DiscoveryError::InvalidDocument(_)), "{err}");
    }
}
