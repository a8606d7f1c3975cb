//! Token revocation (RFC 7009).

use actix_web::{HttpRequest, HttpResponse, web};

use crate::AppState;
use crate::error::{Error, OAuthCode};
use crate::params::Params;
use crate::token::{ACCESS_TOKEN_TYP, AccessClaims};
use crate::{authorize, cors, secret};

pub async fn revoke(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let params = Params::parse(&body);
    let client = params
        .get("client_id")
        .and_then(|id| state.settings.client(id));
    let result = if authorize::is_form(&req) {
        answer(&state, &params, client.map(|c| c.client_id.as_str()))
    } else {
        Err(Error::oauth(
            OAuthCode::InvalidRequest,
            "expected application/x-www-form-urlencoded",
        ))
    };
    let response = result.unwrap_or_else(Error::into_response);
    cors::allow(
        &req,
        response,
        client.into_iter().flat_map(|c| &c.allowed_cors_origins),
    )
}

/// RFC 7009 section 2.1-2.2: the client must be known; the token is looked up whatever
/// `token_type_hint` says; unknown tokens and tokens of other clients get the same 200.
fn answer(
    state: &AppState,
    params: &Params,
    client_id: Option<&str>,
) -> Result<HttpResponse, Error> {
    if let Some(name) = params.first_bad() {
        return Err(Error::oauth(
            OAuthCode::InvalidRequest,
            format!("parameter {name} is repeated or too long"),
        ));
    }
    let client_id = client_id
        .ok_or_else(|| Error::oauth(OAuthCode::InvalidClient, "unknown or missing client_id"))?;
    let token = params
        .get("token")
        .ok_or_else(|| Error::oauth(OAuthCode::InvalidRequest, "token is required"))?;
    let now = state.clock.now();
    if let Some(family) = state.store.family_of(&secret::hash(token))? {
        if family.client_id == client_id {
            state.store.revoke_family(&family.family_id, now)?;
            tracing::info!(client_id, "refresh token family revoked");
        }
    } else if let Ok(claims) = state
        .keys
        .current()
        .verify::<AccessClaims>(token, Some(ACCESS_TOKEN_TYP))
        && claims.client_id == client_id
        && claims.iss == state.settings.issuer.as_str()
    {
        state.store.revoke_access_token(&claims.jti, claims.exp)?;
        tracing::info!(client_id, "access token revoked");
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
