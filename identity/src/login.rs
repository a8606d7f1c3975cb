//! The sign-in page: a plain server-rendered form that continues a pending authorization.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use url::Url;

use crate::AppState;
use crate::authorize::{self, AuthorizationRequest};
use crate::error::{BodyAnswer, Error};
use crate::html::{self, LoginForm};
use crate::params::{Body, Params};
use crate::session::{self, CSRF_COOKIE};
use crate::store::Session;
use crate::{password, secret};

/// The one message for every failed sign-in, so it reveals nothing about which part failed.
pub const FAILURE_MESSAGE: &str = "Invalid username or password.";
pub const THROTTLED_MESSAGE: &str =
    "Too many failed sign-in attempts. Wait a few minutes and try again.";

/// GET /login?request=<id>
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params = Params::parse(req.query_string().as_bytes());
    let Some(id) = params.get("request") else {
        return expired();
    };
    let id = id.to_owned();
    let now = state.clock.now();
    let Some((request, csrf)) = state
        .pending
        .with(&id, now, |p| (p.request.clone(), p.csrf.clone()))
    else {
        return match state
            .completed
            .with(&id, now, |return_to| return_to.clone())
        {
            Some(return_to) => {
                let signed_in = matches!(session::current(&req, &state), Ok(Some(_)));
                html::completed_sign_in_page(&return_to, signed_in)
            }
            None => expired(),
        };
    };
    let mut response = render(&state, &id, &csrf, &request, "", None, StatusCode::OK);
    let secure = state.settings.issuer.is_https();
    let _ = response.add_cookie(&session::csrf_cookie(csrf, secure));
    response
}

/// POST /login: checks the CSRF token, the throttle, then the password.
pub async fn submit(req: HttpRequest, body: Body, state: web::Data<AppState>) -> HttpResponse {
    let body = match body {
        Ok(body) => body,
        Err(e) => return Error::body(&e, BodyAnswer::Page).into_response(),
    };
    if !authorize::is_form(&req) {
        return Error::page("Invalid request", "Expected a form submission.").into_response();
    }
    let form = Params::parse(&body);
    let now = state.clock.now();
    let Some(id) = form.get("request").map(str::to_owned) else {
        return expired();
    };
    let Some((request, csrf)) = state
        .pending
        .with(&id, now, |p| (p.request.clone(), p.csrf.clone()))
    else {
        return expired();
    };
    // Double-submit check: the form field and the cookie must both carry the token.
    let cookie_ok = req
        .cookie(CSRF_COOKIE)
        .is_some_and(|c| secret::constant_time_eq(c.value(), &csrf));
    let field_ok = form
        .get("csrf")
        .is_some_and(|f| secret::constant_time_eq(f, &csrf));
    if !cookie_ok || !field_ok {
        tracing::warn!("sign-in form rejected: CSRF token mismatch");
        return Error::page(
            "Sign-in form expired",
            "The sign-in form could not be verified. Return to the application and sign in again.",
        )
        .into_response();
    }
    let username = form.get("username").unwrap_or("").to_owned();
    // The form again, with the name kept and one generic message.
    let refuse = |message, status| {
        render(
            &state,
            &id,
            &csrf,
            &request,
            &username,
            Some(message),
            status,
        )
    };
    let Some(password) = form.get("password").map(str::to_owned) else {
        return refuse(FAILURE_MESSAGE, StatusCode::UNAUTHORIZED);
    };
    let address = authorize::peer_address(&req);
    let Some(attempt) = state.throttle.begin(&username, address, now) else {
        tracing::warn!(%address, "sign-in throttled");
        return refuse(THROTTLED_MESSAGE, StatusCode::TOO_MANY_REQUESTS);
    };
    let verified = {
        let state = state.clone();
        let username = username.clone();
        // Argon2 is deliberately slow: run it off the request threads.
        web::block(move || {
            let user = state.settings.user(&username);
            let phc = user.map_or(state.dummy_password_hash.as_str(), |u| &u.password_hash);
            password::verify(&password, phc) && user.is_some()
        })
        .await
        .unwrap_or(false)
    };
    if !verified {
        tracing::info!(%address, "sign-in failed");
        return refuse(FAILURE_MESSAGE, StatusCode::UNAUTHORIZED);
    }
    let now = state.clock.now();
    state.throttle.succeeded(attempt, now);
    // The pending request is consumed exactly once, even if the form is posted twice.
    let Some((pending, expires_at)) = state.pending.take(&id, now) else {
        return expired();
    };
    state.pending_quota.give_back(pending.address, now);
    if let Some(return_to) = return_address(&state, &pending.request) {
        // Bounded like the pending table; when full, Back shows the expired page instead.
        state
            .completed
            .insert(id.clone(), return_to, expires_at, now);
    }
    let session_id = secret::random_token();
    let session_hash = secret::hash(&session_id);
    let session = Session {
        sub: username,
        auth_time: now,
    };
    let lifetime = state.settings.session_lifetime;
    if let Err(e) = state
        .store
        .create_session(&session_hash, &session, now + lifetime)
    {
        return Error::from(e).into_response();
    }
    tracing::info!(sub = %session.sub, "signed in");
    let secure = state.settings.issuer.is_https();
    let mut response = authorize::complete(
        &state,
        &request,
        &session_hash,
        &session,
        StatusCode::SEE_OTHER,
    );
    let _ = response.add_cookie(&session::session_cookie(session_id, lifetime, secure));
    let _ = response.add_cookie(&session::removal(CSRF_COOKIE, "/login"));
    response
}

fn render(
    state: &AppState,
    id: &str,
    csrf: &str,
    request: &AuthorizationRequest,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    // After a successful submission the provider redirects to the client; CSP form-action
    // must allow that origin or browsers block the redirect.
    let target = Url::parse(&request.redirect_uri)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "'none'".into());
    html::login_page(
        status,
        &LoginForm {
            request_id: id,
            csrf,
            client_name: state
                .settings
                .client(&request.client_id)
                .map_or(request.client_id.as_str(), |c| c.display_name()),
            username,
            error,
            development_users: state.settings.development_users,
            form_target: &target,
        },
    )
}

/// Where the "already signed in" page links to. Only addresses derived from the client's
/// registration, never from request input, so the link is no open redirect (RFC 9700
/// section 4.11): a registered post-logout redirect URI on the origin of the (exactly
/// registered) redirect URI, else that origin, else the first post-logout redirect URI.
fn return_address(state: &AppState, request: &AuthorizationRequest) -> Option<String> {
    let client = state.settings.client(&request.client_id)?;
    if !client.redirect_uris.contains(&request.redirect_uri) {
        return client.post_logout_redirect_uris.first().cloned();
    }
    let origin = Url::parse(&request.redirect_uri)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null");
    let Some(origin) = origin else {
        return client.post_logout_redirect_uris.first().cloned();
    };
    let same_origin = client
        .post_logout_redirect_uris
        .iter()
        .find(|uri| Url::parse(uri).is_ok_and(|u| u.origin().ascii_serialization() == origin));
    Some(same_origin.cloned().unwrap_or(format!("{origin}/")))
}

fn expired() -> HttpResponse {
    Error::page(
        "Sign-in request expired",
        "This sign-in request is unknown or has expired. \
         Return to the application and sign in again. \
         To do that, open the application's address in this browser and use its Sign in \
         button; while you are still signed in here, no password is needed.",
    )
    .into_response()
}
