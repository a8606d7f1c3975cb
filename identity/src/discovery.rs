//! OpenID Provider metadata (OIDC Discovery 1.0 section 3) and the JWK Set (RFC 7517).
//!
//! Both are public and fetched cross-origin by browser clients, hence
//! `Access-Control-Allow-Origin: *`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;
use crate::config::SUPPORTED_SCOPES;

pub async fn configuration(state: web::Data<AppState>) -> HttpResponse {
    let issuer = &state.settings.issuer;
    let body = json!({
        "issuer": issuer.as_str(),
        "authorization_endpoint": issuer.endpoint("/authorize"),
        "token_endpoint": issuer.endpoint("/token"),
        "userinfo_endpoint": issuer.endpoint("/userinfo"),
        "jwks_uri": issuer.endpoint("/jwks"),
        "revocation_endpoint": issuer.endpoint("/revoke"),
        "end_session_endpoint": issuer.endpoint("/end-session"),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login"],
        "claims_supported": [
            "iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "at_hash",
            "name", "website"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    });
    public_json(body, 300)
}

pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    let keys = state.keys.current();
    let jwks: Vec<_> = keys.published().map(|k| k.jwk()).collect();
    // Short cache lifetime: a rotation must reach relying parties well within the grace
    // period during which the previous key is still published.
    public_json(json!({ "keys": jwks }), 60)
}

fn public_json(body: serde_json::Value, max_age: u32) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={max_age}")))
        .json(body)
}
