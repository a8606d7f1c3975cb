//! The authorization endpoint (RFC 6749 section 4.1.1, OIDC Core 3.1.2, RFC 7636).
//!
//! Validation order matters: the client and its redirect URI are checked first, and until
//! both are known to be registered every error is shown as a page, never redirected, so
//! the endpoint cannot be used as an open redirector (RFC 6749 section 4.1.2.1).

use std::net::IpAddr;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use url::Url;

use crate::AppState;
use crate::codes::{CODE_LIFETIME_SECS, CodeGrant};
use crate::config::Client;
use crate::error::{BodyAnswer, Error, quoted};
use crate::params::{Body, Params};
use crate::secret;
use crate::session;
use crate::store::Session;

/// How long a sign-in started by an authorization request may take.
pub const PENDING_LIFETIME_SECS: u64 = 600;
const MAX_QUERY_BYTES: usize = 8 * 1024;
/// Longest `state` and `nonce` accepted. Both are kept in memory with every pending
/// sign-in, so this bounds what an unauthenticated request can make the provider hold;
/// clients use a few dozen characters (OIDC Core 15.5.2 suggests a hash or random value).
pub const MAX_STATE_BYTES: usize = 512;

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub prompt_none: bool,
    pub prompt_login: bool,
    pub max_age: Option<u64>,
}

/// An authorization request waiting for the user to sign in.
#[derive(Debug)]
pub struct PendingRequest {
    pub request: AuthorizationRequest,
    /// Double-submit token of the sign-in form.
    pub csrf: String,
    /// The client address that started it, whose quota slot it holds.
    pub address: IpAddr,
}

/// Why a request was refused, and whether the refusal may be sent to the client.
#[derive(Debug)]
enum Refusal {
    /// Client or redirect URI not established: show a page.
    Page(Error),
    /// RFC 6749 section 4.1.2.1 error response to the validated redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

pub async fn authorize_get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let query = req.query_string();
    if query.len() > MAX_QUERY_BYTES {
        return Error::page("Invalid request", "The authorization request is too large.")
            .into_response();
    }
    authorize(&req, &state, &Params::parse(query.as_bytes()))
}

/// OIDC Core 3.1.2.1: the endpoint must also accept form-encoded POST.
pub async fn authorize_post(
    req: HttpRequest,
    body: Body,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = match body {
        Ok(body) => body,
        Err(e) => return Error::body(&e, BodyAnswer::Page).into_response(),
    };
    if !is_form(&req) {
        return Error::page("Invalid request", "Expected a form submission.").into_response();
    }
    authorize(&req, &state, &Params::parse(&body))
}

fn authorize(req: &HttpRequest, state: &AppState, params: &Params) -> HttpResponse {
    let request = match validate(state, params) {
        Ok(request) => request,
        Err(Refusal::Page(e)) => return e.into_response(),
        Err(Refusal::Redirect {
            redirect_uri,
            state: st,
            error,
            description,
        }) => {
            return error_redirect(state, &redirect_uri, st.as_deref(), error, &description);
        }
    };
    let current = match session::current(req, state) {
        Ok(current) => current,
        Err(e) => return Error::from(e).into_response(),
    };
    let now = state.clock.now();
    // OIDC Core 3.1.2.1: prompt=login and max_age both demand a fresh authentication.
    // A session whose user has since been removed from the configuration is ignored.
    let usable = current.filter(|(_, s)| {
        state.settings.user(&s.sub).is_some()
            && !request.prompt_login
            && request
                .max_age
                .is_none_or(|max| now.saturating_sub(s.auth_time) <= max)
    });
    match usable {
        Some((session_hash, session)) => {
            complete(state, &request, &session_hash, &session, StatusCode::FOUND)
        }
        None if request.prompt_none => error_redirect(
            state,
            &request.redirect_uri,
            request.state.as_deref(),
            "login_required",
            "the user is not signed in",
        ),
        None => start_login(state, request, peer_address(req), now),
    }
}

/// The address of the connection's peer (`0.0.0.0` when unknown, as in tests).
pub fn peer_address(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip())
}

fn start_login(
    state: &AppState,
    request: AuthorizationRequest,
    address: IpAddr,
    now: u64,
) -> HttpResponse {
    // RFC 6749 section 4.1.2.1 `temporarily_unavailable`: the client may try again later.
    if !state.pending_quota.take(address, now) {
        tracing::warn!(%address, "pending sign-in quota reached");
        return error_redirect(
            state,
            &request.redirect_uri,
            request.state.as_deref(),
            "temporarily_unavailable",
            "too many sign-ins in progress from this address",
        );
    }
    let id = secret::random_token();
    let pending = PendingRequest {
        request,
        csrf: secret::random_token(),
        address,
    };
    if !state
        .pending
        .insert(id.clone(), pending, now + PENDING_LIFETIME_SECS, now)
    {
        state.pending_quota.give_back(address, now);
        return Error::Busy("pending sign-in requests").into_response();
    }
    HttpResponse::Found()
        .insert_header((header::LOCATION, format!("/login?request={id}")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Issues a code for a signed-in user and redirects back to the client
/// (RFC 6749 section 4.1.2, with the RFC 9207 `iss` parameter).
pub fn complete(
    state: &AppState,
    request: &AuthorizationRequest,
    session_hash: &str,
    session: &Session,
    status: StatusCode,
) -> HttpResponse {
    let now = state.clock.now();
    let grant = CodeGrant {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        sub: session.sub.clone(),
        scope: request.scope.join(" "),
        nonce: request.nonce.clone(),
        auth_time: session.auth_time,
        session_hash: Some(session_hash.to_owned()),
        expires_at: now + CODE_LIFETIME_SECS,
    };
    let Some(code) = state.codes.issue(grant, now) else {
        return Error::Busy("authorization codes").into_response();
    };
    let mut pairs = vec![("code", code.as_str())];
    if let Some(st) = &request.state {
        pairs.push(("state", st));
    }
    pairs.push(("iss", state.settings.issuer.as_str()));
    redirect(&request.redirect_uri, &pairs, status)
}

fn validate(state: &AppState, params: &Params) -> Result<AuthorizationRequest, Refusal> {
    // 1. The client, by exact client_id.
    let client = params
        .get("client_id")
        .and_then(|id| state.settings.client(id))
        .ok_or_else(|| {
            Refusal::Page(Error::page(
                "Unknown client",
                "The application that sent you here is not registered with this provider.",
            ))
        })?;
    // 2. The redirect URI, by exact string comparison with a registered one
    //    (RFC 9700 section 4.1.1: no prefix, case or normalisation tricks).
    let redirect_uri = params
        .get("redirect_uri")
        .filter(|uri| client.redirect_uris.iter().any(|r| r == uri))
        .ok_or_else(|| {
            Refusal::Page(Error::page(
                "Invalid redirect URI",
                "The application asked to return to an address it has not registered.",
            ))
        })?
        .to_owned();
    // From here on, errors go back to the client.
    let st = params.get("state").map(str::to_owned);
    let refuse = |error: &'static str, description: String| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: st.clone(),
        error,
        description,
    };
    if let Some(name) = params.first_bad() {
        return Err(refuse(
            "invalid_request",
            format!("parameter {} is repeated or too long", quoted(name)),
        ));
    }
    for name in ["state", "nonce"] {
        if params.get(name).is_some_and(|v| v.len() > MAX_STATE_BYTES) {
            return Err(refuse(
                "invalid_request",
                format!("{name} is longer than {MAX_STATE_BYTES} bytes"),
            ));
        }
    }
    if params.get("request").is_some() {
        return Err(refuse(
            "request_not_supported",
            "request objects are not supported".into(),
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(refuse(
            "request_uri_not_supported",
            "request_uri is not supported".into(),
        ));
    }
    // 3. Only the authorization code flow.
    match params.get("response_type") {
        Some("code") => {}
        None => {
            return Err(refuse(
                "invalid_request",
                "response_type is required".into(),
            ));
        }
        Some(other) => {
            return Err(refuse(
                "unsupported_response_type",
                format!("expected response_type code, found {}", quoted(other)),
            ));
        }
    }
    if let Some(mode) = params.get("response_mode").filter(|m| *m != "query") {
        return Err(refuse(
            "invalid_request",
            format!("expected response_mode query, found {}", quoted(mode)),
        ));
    }
    // 4. PKCE with S256 is mandatory for this public client (RFC 7636 section 4.3,
    //    RFC 9700 section 2.1.1); `plain` would expose the verifier in the front channel.
    let code_challenge = match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
        (Some(c), Some("S256")) if is_s256_challenge(c) => c.to_owned(),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge is not a S256 value".into(),
            ));
        }
        (None, _) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge is required".into(),
            ));
        }
        (Some(_), None) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method is required".into(),
            ));
        }
        (Some(_), Some(method)) => {
            return Err(refuse(
                "invalid_request",
                format!(
                    "expected code_challenge_method S256, found {}",
                    quoted(method)
                ),
            ));
        }
    };
    // 5. Scopes within what the client may ask for.
    let scope = parse_scope(params.get("scope"), client)
        .map_err(|description| refuse("invalid_scope", description))?;
    // 6. prompt and max_age (OIDC Core 3.1.2.1).
    let mut prompt_none = false;
    let mut prompt_login = false;
    for value in params
        .get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|v| !v.is_empty())
    {
        match value {
            "none" => prompt_none = true,
            "login" => prompt_login = true,
            "consent" | "select_account" => {}
            other => {
                return Err(refuse(
                    "invalid_request",
                    format!("unknown prompt {}", quoted(other)),
                ));
            }
        }
    }
    if prompt_none && (prompt_login || params.get("prompt") != Some("none")) {
        return Err(refuse(
            "invalid_request",
            "prompt=none must be used alone".into(),
        ));
    }
    let max_age = match params.get("max_age") {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| refuse("invalid_request", "max_age must be a whole number".into()))?,
        ),
    };
    Ok(AuthorizationRequest {
        client_id: client.client_id.clone(),
        redirect_uri,
        scope,
        state: st.clone(),
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge,
        prompt_none,
        prompt_login,
        max_age,
    })
}

/// Requested scopes, deduplicated in request order; each must be allowed for the client.
pub fn parse_scope(requested: Option<&str>, client: &Client) -> Result<Vec<String>, String> {
    let requested = requested.ok_or_else(|| "scope is required".to_owned())?;
    let mut scope: Vec<String> = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if !client.allowed_scopes.iter().any(|a| a == s) {
            return Err(format!(
                "scope {} is not allowed for this client",
                quoted(s)
            ));
        }
        if !scope.iter().any(|x| x == s) {
            scope.push(s.to_owned());
        }
    }
    if scope.is_empty() {
        return Err("scope is required".into());
    }
    Ok(scope)
}

/// A S256 challenge is base64url(SHA-256), exactly 43 characters.
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn error_redirect(
    state: &AppState,
    redirect_uri: &str,
    st: Option<&str>,
    error: &str,
    description: &str,
) -> HttpResponse {
    tracing::info!(error, description, "authorization error sent to client");
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(st) = st {
        pairs.push(("state", st));
    }
    pairs.push(("iss", state.settings.issuer.as_str()));
    redirect(redirect_uri, &pairs, StatusCode::FOUND)
}

/// Redirects to a registered URI with `pairs` added to its query.
fn redirect(redirect_uri: &str, pairs: &[(&str, &str)], status: StatusCode) -> HttpResponse {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return Error::page(
            "Invalid redirect URI",
            "The registered redirect URI is malformed.",
        )
        .into_response();
    };
    url.query_pairs_mut().extend_pairs(pairs);
    HttpResponse::build(status)
        .insert_header((header::LOCATION, url.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish()
}

pub fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}
