//! The token endpoint (RFC 6749 sections 4.1.3 and 6) and the tokens it issues.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::codes::{Issued, Redemption};
use crate::config::{API_AUDIENCE, Client};
use crate::error::{BodyAnswer, Error, OAuthCode, quoted};
use crate::keys::KeySet;
use crate::params::{Body, Params};
use crate::store::{Family, Rotation};
use crate::{authorize, cors, secret};

/// RFC 9068 section 2.1 media type of JWT access tokens.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// Claims of an access token (RFC 9068 section 2.2).
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub scope: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    pub auth_time: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Claims of an ID token (OIDC Core 2 and 3.1.3.6).
#[derive(Debug, Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    azp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    iat: u64,
    exp: u64,
    auth_time: u64,
    at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    website: Option<&'a str>,
}

/// RFC 6749 section 5.1 successful response.
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

/// Who and what a set of tokens is for.
#[derive(Debug)]
struct Grant<'a> {
    client_id: &'a str,
    sub: &'a str,
    scope: &'a str,
    auth_time: u64,
}

pub async fn token(req: HttpRequest, body: Body, state: web::Data<AppState>) -> HttpResponse {
    client_form_post(&req, body, &state, |params, client| {
        grant(&state, params, client)
    })
}

/// The common front of the endpoints a client calls with a form POST (`/token`, `/revoke`).
///
/// The body must be a form with no repeated or oversized parameter, and `client_id` must
/// name a registered client: public clients authenticate with nothing else (RFC 6749
/// section 2.3). Every answer, success or error, carries CORS headers for that client's
/// registered origins only; a body too large to read, whose `client_id` is unknown, gets
/// them for every registered origin, as a preflight does.
pub fn client_form_post(
    req: &HttpRequest,
    body: Body,
    state: &AppState,
    handle: impl FnOnce(&Params, &Client) -> Result<HttpResponse, Error>,
) -> HttpResponse {
    let body = match body {
        Ok(body) => body,
        Err(e) => {
            let response = Error::body(&e, BodyAnswer::Json).into_response();
            let origins = state
                .settings
                .clients
                .iter()
                .flat_map(|c| &c.allowed_cors_origins);
            return cors::allow(req, response, origins);
        }
    };
    let params = Params::parse(&body);
    let client = params
        .get("client_id")
        .and_then(|id| state.settings.client(id));
    let result = if !authorize::is_form(req) {
        Err(Error::oauth(
            OAuthCode::InvalidRequest,
            "expected application/x-www-form-urlencoded",
        ))
    } else if let Some(name) = params.first_bad() {
        Err(Error::oauth(
            OAuthCode::InvalidRequest,
            format!("parameter {} is repeated or too long", quoted(name)),
        ))
    } else {
        client
            .ok_or_else(|| Error::oauth(OAuthCode::InvalidClient, "unknown or missing client_id"))
            .and_then(|client| handle(&params, client))
    };
    let response = result.unwrap_or_else(Error::into_response);
    cors::allow(
        req,
        response,
        client.into_iter().flat_map(|c| &c.allowed_cors_origins),
    )
}

fn grant(state: &AppState, params: &Params, client: &Client) -> Result<HttpResponse, Error> {
    match params.get("grant_type") {
        Some("authorization_code") => authorization_code(state, params, client),
        Some("refresh_token") => refresh_token(state, params, client),
        Some(other) => Err(Error::oauth(
            OAuthCode::UnsupportedGrantType,
            format!("grant_type {} is not supported", quoted(other)),
        )),
        None => Err(Error::oauth(
            OAuthCode::InvalidRequest,
            "grant_type is required",
        )),
    }
}

/// RFC 6749 section 4.1.3 with the PKCE check of RFC 7636 section 4.6.
fn authorization_code(
    state: &AppState,
    params: &Params,
    client: &Client,
) -> Result<HttpResponse, Error> {
    let required = |name: &'static str| {
        params
            .get(name)
            .ok_or_else(|| Error::oauth(OAuthCode::InvalidRequest, format!("{name} is required")))
    };
    let code = required("code")?;
    let redirect_uri = required("redirect_uri")?;
    let verifier = required("code_verifier")?;
    if !is_code_verifier(verifier) {
        return Err(Error::oauth(
            OAuthCode::InvalidRequest,
            "malformed code_verifier",
        ));
    }
    let now = state.clock.now();
    let issued = Issued {
        family_id: Some(secret::random_token()),
        access_jti: secret::random_token(),
        access_expires_at: now + state.settings.access_token_lifetime,
    };
    let grant = match state.codes.redeem(code, now, issued.clone()) {
        Redemption::Valid(grant) => grant,
        Redemption::Invalid => {
            return Err(Error::oauth(
                OAuthCode::InvalidGrant,
                "code is invalid or expired",
            ));
        }
        Redemption::Replayed(previous) => {
            // RFC 6749 section 4.1.2: a replayed code revokes what it issued.
            tracing::warn!(client_id = %client.client_id, "authorization code replayed");
            if let Some(family_id) = &previous.family_id {
                state.store.revoke_family(family_id, now)?;
            }
            state
                .store
                .revoke_access_token(&previous.access_jti, previous.access_expires_at)?;
            return Err(Error::oauth(
                OAuthCode::InvalidGrant,
                "code was already used",
            ));
        }
    };
    // 1. bound to the client, 2. to the redirect URI, 3. to the code challenge.
    let challenge = secret::hash(verifier);
    if grant.client_id != client.client_id
        || grant.redirect_uri != redirect_uri
        || !secret::constant_time_eq(&challenge, &grant.code_challenge)
    {
        return Err(Error::oauth(
            OAuthCode::InvalidGrant,
            "code does not match client, redirect_uri or code_verifier",
        ));
    }
    let keys = state.keys.current();
    let g = Grant {
        client_id: &client.client_id,
        sub: &grant.sub,
        scope: &grant.scope,
        auth_time: grant.auth_time,
    };
    let access_token = access_token(state, &keys, &g, &issued.access_jti, now)?;
    let scopes: Vec<&str> = grant.scope.split(' ').collect();
    let id_token = if scopes.contains(&"openid") {
        Some(id_token(
            state,
            &keys,
            &g,
            grant.nonce.as_deref(),
            &access_token,
            now,
        )?)
    } else {
        None
    };
    let refresh_token = if scopes.contains(&"offline_access") {
        let token = secret::random_token();
        let family = Family {
            family_id: issued.family_id.clone().unwrap_or_default(),
            client_id: client.client_id.clone(),
            sub: grant.sub.clone(),
            scope: grant.scope.clone(),
            auth_time: grant.auth_time,
            session_hash: grant.session_hash.clone(),
            expires_at: now + state.settings.refresh_absolute_lifetime,
        };
        let token_expires = now + state.settings.refresh_sliding_lifetime;
        state
            .store
            .create_family(&family, &secret::hash(&token), token_expires, now)?;
        Some(token)
    } else {
        None
    };
    Ok(respond(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.settings.access_token_lifetime,
        scope: grant.scope.clone(),
        id_token,
        refresh_token,
    }))
}

/// RFC 6749 section 6, rotating the refresh token on every use (RFC 9700 section 4.14.2).
/// No new ID token is issued (OIDC Core 12.2 makes it optional); the client keeps the one
/// from sign-in.
///
/// In order: (1) the token must be known, bound to this client, unspent, unrevoked and
/// unexpired, and presenting a spent one revokes its family; (2) its user must still
/// exist; (3) only then is a requested `scope` checked against the grant. Every failure of
/// (1) and (2) is the same `invalid_grant` (RFC 6749 section 5.2), so the scope check
/// cannot be used to learn anything about a token that is not valid.
fn refresh_token(
    state: &AppState,
    params: &Params,
    client: &Client,
) -> Result<HttpResponse, Error> {
    let presented = params
        .get("refresh_token")
        .ok_or_else(|| Error::oauth(OAuthCode::InvalidRequest, "refresh_token is required"))?;
    let invalid = || {
        Error::oauth(
            OAuthCode::InvalidGrant,
            "refresh token is invalid or expired",
        )
    };
    let requested = params.get("scope");
    let now = state.clock.now();
    let new_token = secret::random_token();
    let sliding = state.settings.refresh_sliding_lifetime;
    // A refused request must leave the client's token usable, so the user and scope checks
    // run inside the rotation, before the token is spent.
    let acceptable = |family: &Family| {
        state.settings.user(&family.sub).is_some() && narrow_scope(requested, &family.scope).is_ok()
    };
    let family = match state.store.rotate_if(
        &client.client_id,
        &secret::hash(presented),
        &secret::hash(&new_token),
        now,
        sliding,
        acceptable,
    )? {
        Rotation::Rotated(family) => family,
        Rotation::Invalid => return Err(invalid()),
        Rotation::Reused { .. } => {
            tracing::warn!(client_id = %client.client_id,
                "rotated refresh token reused; token family revoked");
            return Err(invalid());
        }
        Rotation::Declined(family) => {
            if state.settings.user(&family.sub).is_none() {
                state.store.revoke_family(&family.family_id, now)?;
                return Err(invalid());
            }
            return Err(narrow_scope(requested, &family.scope)
                .err()
                .unwrap_or_else(invalid));
        }
    };
    let scope = narrow_scope(requested, &family.scope)?;
    let keys = state.keys.current();
    let g = Grant {
        client_id: &client.client_id,
        sub: &family.sub,
        scope: &scope,
        auth_time: family.auth_time,
    };
    let access_token = access_token(state, &keys, &g, &secret::random_token(), now)?;
    Ok(respond(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.settings.access_token_lifetime,
        scope,
        id_token: None,
        refresh_token: Some(new_token),
    }))
}

/// The scope of a refreshed access token: the original grant, or the narrower `requested`
/// one (RFC 6749 section 6), deduplicated in request order.
///
/// A `scope` made only of spaces is refused with `invalid_scope` rather than read as
/// omitted: RFC 6749 section 3.3 defines scope as one or more scope tokens, and a token
/// granting nothing is never what a client meant. (An empty `scope=` is omitted, as for
/// every parameter: section 3.1.)
fn narrow_scope(requested: Option<&str>, granted: &str) -> Result<String, Error> {
    let Some(requested) = requested else {
        return Ok(granted.to_owned());
    };
    let granted: Vec<&str> = granted.split(' ').collect();
    let mut scope: Vec<&str> = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if !granted.contains(&s) {
            return Err(Error::oauth(
                OAuthCode::InvalidScope,
                format!("scope {} exceeds the original grant", quoted(s)),
            ));
        }
        if !scope.contains(&s) {
            scope.push(s);
        }
    }
    if scope.is_empty() {
        return Err(Error::oauth(
            OAuthCode::InvalidScope,
            "scope must name at least one scope",
        ));
    }
    Ok(scope.join(" "))
}

fn access_token(
    state: &AppState,
    keys: &KeySet,
    g: &Grant<'_>,
    jti: &str,
    now: u64,
) -> Result<String, Error> {
    let profile = g.scope.split(' ').any(|s| s == "profile");
    let name = state
        .settings
        .user(g.sub)
        .and_then(|u| u.name.clone())
        .filter(|_| profile);
    let claims = AccessClaims {
        iss: state.settings.issuer.as_str().to_owned(),
        sub: g.sub.to_owned(),
        aud: API_AUDIENCE.to_owned(),
        client_id: g.client_id.to_owned(),
        scope: g.scope.to_owned(),
        iat: now,
        exp: now + state.settings.access_token_lifetime,
        jti: jti.to_owned(),
        auth_time: g.auth_time,
        name,
    };
    Ok(keys.sign(ACCESS_TOKEN_TYP, &claims)?)
}

fn id_token(
    state: &AppState,
    keys: &KeySet,
    g: &Grant<'_>,
    nonce: Option<&str>,
    access_token: &str,
    now: u64,
) -> Result<String, Error> {
    let profile = g.scope.split(' ').any(|s| s == "profile");
    let user = state.settings.user(g.sub).filter(|_| profile);
    let claims = IdClaims {
        iss: state.settings.issuer.as_str(),
        sub: g.sub,
        aud: g.client_id,
        azp: g.client_id,
        nonce,
        iat: now,
        exp: now + state.settings.id_token_lifetime,
        auth_time: g.auth_time,
        at_hash: at_hash(access_token),
        name: user.and_then(|u| u.name.as_deref()),
        website: user.and_then(|u| u.website.as_deref()),
    };
    Ok(keys.sign("JWT", &claims)?)
}

/// OIDC Core 3.1.3.6: base64url of the left half of SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// RFC 7636 section 4.1: 43 to 128 unreserved characters.
fn is_code_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// RFC 6749 section 5.1: token responses must not be cached.
fn respond(body: TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}
