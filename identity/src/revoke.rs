//! Token revocation (RFC 7009).

use actix_web::{HttpRequest, HttpResponse, web};

use crate::AppState;
use crate::error::{Error, OAuthCode};
use crate::params::{Body, Params};
use crate::secret;
use crate::token::{self, ACCESS_TOKEN_TYP, AccessClaims};

pub async fn revoke(req: HttpRequest, body: Body, state: web::Data<AppState>) -> HttpResponse {
    token::client_form_post(&req, body, &state, |params, client| {
        answer(&state, params, &client.client_id)
    })
}

/// RFC 7009 section 2.1-2.2: the client must be known; the token is looked up whatever
/// `token_type_hint` says; unknown tokens and tokens of other clients get the same 200.
fn answer(state: &AppState, params: &Params, client_id: &str) -> Result<HttpResponse, Error> {
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
