//! RP-Initiated Logout 1.0.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use url::Url;

use crate::AppState;
use crate::error::{BodyAnswer, Error};
use crate::html;
use crate::params::{Body, Params};
use crate::session::{self, SESSION_COOKIE};

/// The ID token claims needed to identify the client; expiry is deliberately not checked
/// (RP-Initiated Logout section 2: an expired ID token is still a valid hint).
#[derive(Debug, Deserialize)]
struct Hint {
    iss: String,
    aud: Audience,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

pub async fn end_session_get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params = Params::parse(req.query_string().as_bytes());
    end_session(&req, &state, &params)
}

pub async fn end_session_post(
    req: HttpRequest,
    body: Body,
    state: web::Data<AppState>,
) -> HttpResponse {
    // An unreadable request ends no session.
    match body {
        Ok(body) => end_session(&req, &state, &Params::parse(&body)),
        Err(e) => Error::body(&e, BodyAnswer::Page).into_response(),
    }
}

/// Steps: (1) end the provider session, if any (server row and cookie); (2) verify
/// `id_token_hint` (signature with a published key, `iss`); (3) redirect only to a
/// `post_logout_redirect_uri` registered exactly for the hint's client, echoing `state`;
/// otherwise show the signed-out page.
fn end_session(req: &HttpRequest, state: &AppState, params: &Params) -> HttpResponse {
    let now = state.clock.now();
    if let Ok(Some((session_hash, s))) = session::current(req, state) {
        match state.store.end_session(&session_hash, now) {
            Ok(_) => tracing::info!(sub = %s.sub, "signed out"),
            Err(e) => return Error::from(e).into_response(),
        }
    }
    let target = params
        .first_bad()
        .is_none()
        .then(|| redirect_target(state, params))
        .flatten();
    let mut response = match target {
        Some(url) => HttpResponse::Found()
            .insert_header((header::LOCATION, url.as_str()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        None => html::signed_out_page(),
    };
    let _ = response.add_cookie(&session::removal(SESSION_COOKIE, "/"));
    response
}

fn redirect_target(state: &AppState, params: &Params) -> Option<Url> {
    let uri = params.get("post_logout_redirect_uri")?;
    let hint: Hint = state
        .keys
        .current()
        .verify(params.get("id_token_hint")?, None)
        .ok()?;
    if hint.iss != state.settings.issuer.as_str() {
        return None;
    }
    let audiences = match &hint.aud {
        Audience::One(a) => vec![a.as_str()],
        Audience::Many(v) => v.iter().map(String::as_str).collect(),
    };
    if let Some(client_id) = params.get("client_id")
        && !audiences.contains(&client_id)
    {
        return None;
    }
    let registered = audiences
        .iter()
        .filter_map(|a| state.settings.client(a))
        .any(|c| c.post_logout_redirect_uris.iter().any(|r| r == uri));
    if !registered {
        tracing::info!("post_logout_redirect_uri not registered for the hinted client");
        return None;
    }
    let mut url = Url::parse(uri).ok()?;
    if let Some(st) = params.get("state") {
        url.query_pairs_mut().append_pair("state", st);
    }
    Some(url)
}
