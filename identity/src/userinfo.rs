//! The UserInfo endpoint (OIDC Core 5.3) with bearer tokens (RFC 6750 section 2.1).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::AppState;
use crate::config::API_AUDIENCE;
use crate::cors;
use crate::error::Error;
use crate::token::{ACCESS_TOKEN_TYP, AccessClaims};

pub async fn userinfo(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let response = answer(&req, &state).unwrap_or_else(Error::into_response);
    let origins = state
        .settings
        .clients
        .iter()
        .flat_map(|c| &c.allowed_cors_origins);
    cors::allow(&req, response, origins)
}

fn answer(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, Error> {
    let token = bearer(req)?;
    let claims = verify_access_token(state, token)?;
    // OIDC Core 5.3.1: UserInfo is for tokens granted `openid`; a valid token without it
    // is a scope failure, not an invalid token (RFC 6750 section 3.1).
    if !claims.scope.split(' ').any(|s| s == "openid") {
        return Err(Error::InsufficientScope("openid"));
    }
    let mut body = json!({ "sub": claims.sub });
    if claims.scope.split(' ').any(|s| s == "profile")
        && let Some(user) = state.settings.user(&claims.sub)
    {
        body["name"] = json!(user.name);
        body["website"] = json!(user.website);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// RFC 6750 section 2.1: `Authorization: Bearer <token>`, scheme case-insensitive.
fn bearer(req: &HttpRequest) -> Result<&str, Error> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(Error::MissingToken)?
        .to_str()
        .map_err(|_| Error::InvalidToken("malformed authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(token.trim())
        }
        _ => Err(Error::MissingToken),
    }
}

/// RFC 9068 section 4 validation, in order: (1) `typ` is `at+jwt` and the signature
/// verifies with a published key; (2) `iss` is this issuer; (3) `aud` is the API;
/// (4) `exp` is in the future; (5) the token was not revoked.
pub fn verify_access_token(state: &AppState, token: &str) -> Result<AccessClaims, Error> {
    let keys = state.keys.current();
    let claims: AccessClaims = keys
        .verify(token, Some(ACCESS_TOKEN_TYP))
        .map_err(|_| Error::InvalidToken("signature or header check failed"))?;
    if claims.iss != state.settings.issuer.as_str() {
        return Err(Error::InvalidToken("unexpected issuer"));
    }
    if claims.aud != API_AUDIENCE {
        return Err(Error::InvalidToken("unexpected audience"));
    }
    if claims.exp <= state.clock.now() {
        return Err(Error::InvalidToken("expired"));
    }
    if state.store.is_access_token_revoked(&claims.jti)? {
        return Err(Error::InvalidToken("revoked"));
    }
    Ok(claims)
}
