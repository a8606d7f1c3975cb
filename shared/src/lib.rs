//! Wire types exchanged between the API (`backend`) and the single-page app (`frontend`).
//!
//! Both sides depend on this crate, so a change of shape is a compile error on both sides
//! rather than a silent mismatch at run time. The JSON field names are part of the public API
//! and are pinned by the tests at the bottom of this file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "cli")]
pub mod cli;

/// The body of `GET /api/values`: a plain JSON array of strings.
pub type Values = Vec<String>;

/// One entry of `GET /api/services`.
///
/// On the wire: `{"name": "...", "uri": "...", "iconUri": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Service {
    /// Display name, also used as the icon's alternative text.
    pub name: String,
    /// Where the service's link points.
    pub uri: String,
    /// Address of the service's icon; relative addresses resolve against the API's origin.
    pub icon_uri: String,
}

/// The JSON error body every endpoint of the API returns.
///
/// The field names follow RFC 6749 section 5.2 and RFC 6750 section 3, so the same shape
/// serves OAuth-style errors (`invalid_token`, `insufficient_scope`) and plain API errors
/// (`not_found`, `temporarily_unavailable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A short, machine-readable code in `snake_case`.
    pub error: String,
    /// A human-readable explanation. Never contains secrets or token contents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl ErrorBody {
    /// An error with a code and a description.
    pub fn new(error: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            error_description: Some(description.into()),
        }
    }
}

/// The SPA's OpenID Connect settings, served by `GET /api/config`.
///
/// Nothing about the provider is compiled into the SPA: it loads this at start, then reads
/// the provider's discovery document from `{authority}/.well-known/openid-configuration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpaConfig {
    /// The provider's issuer identifier, exactly as it appears in the `iss` claim.
    pub authority: String,
    /// The SPA's public client identifier at the provider.
    pub client_id: String,
    /// Space-separated scopes to request, e.g. `openid profile api1 offline_access`.
    pub scope: String,
    /// Path on the SPA's own origin that receives the authorization response.
    pub redirect_path: String,
    /// Path on the SPA's own origin the provider returns to after sign-out.
    pub post_logout_redirect_path: String,
    /// Extra parameters for the authorization request, for providers that need one to issue
    /// a JWT access token for the API (Auth0's `audience`, RFC 8707's `resource`). Never one
    /// of [`RESERVED_AUTHORIZE_PARAMS`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub authorize_params: BTreeMap<String, String>,
}

/// Authorization request parameters the SPA sets itself; configuration cannot override them,
/// because they carry the request's security properties (PKCE, `state`, `nonce`, the exact
/// redirect URI).
pub const RESERVED_AUTHORIZE_PARAMS: [&str; 8] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn service_uses_camel_case_icon_uri() {
        let service = Service {
            name: "Development".into(),
            uri: "https://example.com/dev".into(),
            icon_uri: "/icons/development.svg".into(),
        };
        let wire = serde_json::to_value(&service).expect("serializes");
        assert_eq!(
            wire,
            json!({
                "name": "Development",
                "uri": "https://example.com/dev",
                "iconUri": "/icons/development.svg"
            })
        );
        let back: Service = serde_json::from_value(wire).expect("deserializes");
        assert_eq!(back, service);
    }

    #[test]
    fn service_with_snake_case_field_is_rejected() {
        let wire = json!({"name": "a", "uri": "b", "icon_uri": "c"});
        assert!(serde_json::from_value::<Service>(wire).is_err());
    }

    #[test]
    fn values_are_a_plain_array() {
        let values: Values = vec!["value1".into(), "value2".into()];
        assert_eq!(
            serde_json::to_string(&values).expect("serializes"),
            r#"["value1","value2"]"#
        );
    }

    #[test]
    fn error_body_omits_missing_description() {
        let bare = ErrorBody {
            error: "not_found".into(),
            error_description: None,
        };
        assert_eq!(
            serde_json::to_value(&bare).expect("serializes"),
            json!({"error": "not_found"})
        );
        let full = ErrorBody::new("invalid_token", "the token has expired");
        assert_eq!(
            serde_json::to_value(&full).expect("serializes"),
            json!({"error": "invalid_token", "error_description": "the token has expired"})
        );
    }

    #[test]
    fn spa_config_shape_is_pinned() {
        let config = SpaConfig {
            authority: "http://localhost:5001".into(),
            client_id: "spa".into(),
            scope: "openid profile api1".into(),
            redirect_path: "/callback".into(),
            post_logout_redirect_path: "/".into(),
            authorize_params: BTreeMap::new(),
        };
        assert_eq!(
            serde_json::to_value(&config).expect("serializes"),
            json!({
                "authority": "http://localhost:5001",
                "clientId": "spa",
                "scope": "openid profile api1",
                "redirectPath": "/callback",
                "postLogoutRedirectPath": "/"
            })
        );
    }

    #[test]
    fn spa_config_carries_extra_authorize_params_when_set() {
        let wire = json!({
            "authority": "https://tenant.auth0.com/",
            "clientId": "abc",
            "scope": "openid",
            "redirectPath": "/callback",
            "postLogoutRedirectPath": "/",
            "authorizeParams": {"audience": "https://api.example.com"}
        });
        let config: SpaConfig = serde_json::from_value(wire.clone()).expect("deserializes");
        assert_eq!(
            config.authorize_params.get("audience").map(String::as_str),
            Some("https://api.example.com")
        );
        assert_eq!(serde_json::to_value(&config).expect("serializes"), wire);
    }
}
