//! The relying party: builds requests to the provider and turns its answers into a session.
//!
//! The pure half (URL and body building, response checks) takes time and randomness as inputs
//! and is tested natively; the browser half (redirects, `fetch`) is compiled for wasm only.

use std::cell::Cell;

use form_urlencoded::Serializer;

use super::AuthError;
use super::discovery::ProviderMetadata;
use super::id_token::{self, Expectations, ExpectedNonce};
use super::json;
use super::pkce::{CodeChallenge, CodeVerifier, VERIFIER_BYTES};
use super::session::{Session, TokenErrorResponse, TokenResponse};
use super::state::PendingRequest;

/// Renew the access token when it expires within this many seconds.
pub const REFRESH_MARGIN_SECS: i64 = 30;

/// How this client is registered at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// Issuer identifier; discovery and every ID token must name exactly this issuer.
    pub authority: String,
    /// Public client identifier (no secret: RFC 6749 section 2.1, public client).
    pub client_id: String,
    /// Space-separated scopes; must include `openid`.
    pub scope: String,
    /// Absolute redirect URI registered at the provider.
    pub redirect_uri: String,
    /// Absolute URI the provider returns to after sign-out.
    pub post_logout_redirect_uri: String,
    /// Allowed clock skew for ID token times, in seconds.
    pub leeway_secs: i64,
    /// Extra authorization request parameters (e.g. Auth0's `audience`); names in
    /// [`shared::RESERVED_AUTHORIZE_PARAMS`] are never sent from here.
    pub extra_authorize_params: Vec<(String, String)>,
}

/// Fresh random input for one authorization request.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestRandomness {
    pub state: [u8; 32],
    pub nonce: [u8; 32],
    pub verifier: [u8; VERIFIER_BYTES],
}

impl std::fmt::Debug for RequestRandomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestRandomness(..)")
    }
}

/// The query of the redirect back from the provider (RFC 6749 sections 4.1.2 and 4.1.2.1).
#[derive(Clone, PartialEq, Eq)]
pub enum AuthorizationResponse {
    /// Success: an authorization code for the request identified by `state`, and the
    /// issuer that sent it if the provider says (RFC 9207).
    Code {
        code: String,
        state: String,
        iss: Option<String>,
    },
    /// The provider refused or failed, e.g. `access_denied` or `login_required`; `iss` as for
    /// a code (RFC 9207 covers error responses too).
    Error {
        error: String,
        description: Option<String>,
        state: Option<String>,
        iss: Option<String>,
    },
    /// Neither a code nor an error: not an authorization response at all.
    Missing,
}

impl std::fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code { .. } => f.write_str("Code(..)"),
            Self::Error { error, .. } => write!(f, "Error({error})"),
            Self::Missing => f.write_str("Missing"),
        }
    }
}

impl AuthorizationResponse {
    /// Parses `location.search`, with or without the leading `?`.
    pub fn from_query(query: &str) -> Self {
        let (mut code, mut state, mut error, mut description, mut iss) =
            (None, None, None, None, None);
        for (name, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let slot = match name.as_ref() {
                "code" => &mut code,
                "state" => &mut state,
                "error" => &mut error,
                "error_description" => &mut description,
                "iss" => &mut iss,
                _ => continue,
            };
            slot.get_or_insert(value.into_owned());
        }
        match (error, code, state) {
            (Some(error), _, state) => Self::Error {
                error,
                description,
                state,
                iss,
            },
            (None, Some(code), Some(state)) => Self::Code { code, state, iss },
            _ => Self::Missing,
        }
    }
}

/// An OpenID Connect client bound to one provider.
#[derive(Debug)]
pub struct OidcClient {
    settings: ClientSettings,
    metadata: ProviderMetadata,
    /// Set once the browser was sent to the provider, so no second redirect starts.
    redirecting: Cell<bool>,
}

impl OidcClient {
    /// A client for a provider whose metadata was already checked against the authority.
    pub fn new(settings: ClientSettings, metadata: ProviderMetadata) -> Self {
        Self {
            settings,
            metadata,
            redirecting: Cell::new(false),
        }
    }

    /// The client's settings.
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Whether this page already started a redirect to the provider.
    pub fn is_redirecting(&self) -> bool {
        self.redirecting.get()
    }

    /// A new request to remember until the provider redirects back.
    pub fn new_request(
        &self,
        return_path: &str,
        random: &RequestRandomness,
        now: i64,
    ) -> PendingRequest {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        PendingRequest {
            state: URL_SAFE_NO_PAD.encode(random.state),
            nonce: URL_SAFE_NO_PAD.encode(random.nonce),
            code_verifier: CodeVerifier::from_random_bytes(&random.verifier)
                .secret()
                .into(),
            return_path: safe_return_path(return_path).into(),
            created_at: now,
        }
    }

    /// The authorization request URL (RFC 6749 section 4.1.1, RFC 7636 section 4.3,
    /// OpenID Connect Core section 3.1.2.1).
    pub fn authorization_url(&self, request: &PendingRequest, challenge: &CodeChallenge) -> String {
        let mut query = Serializer::new(String::new());
        // Configured extras first, and never one this request sets itself.
        for (name, value) in &self.settings.extra_authorize_params {
            if !shared::RESERVED_AUTHORIZE_PARAMS.contains(&name.as_str()) {
                query.append_pair(name, value);
            }
        }
        let query = query
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_uri)
            .append_pair("scope", &self.settings.scope)
            .append_pair("state", &request.state)
            .append_pair("nonce", &request.nonce)
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", CodeChallenge::METHOD)
            .finish();
        with_query(&self.metadata.authorization_endpoint, &query)
    }

    /// RFC 9207 section 2.4: an `iss` in the authorization response must be this client's
    /// issuer, and must be present when the provider advertises it. This stops a mix-up attack
    /// in which another provider's response is fed to this client's callback.
    pub fn check_response_issuer(&self, iss: Option<&str>) -> Result<(), AuthError> {
        match iss {
            Some(iss) if iss == self.metadata.issuer => Ok(()),
            None if !self.metadata.authorization_response_iss_parameter_supported => Ok(()),
            found => Err(AuthError::IssuerMismatch {
                expected: self.metadata.issuer.clone(),
                found: found.unwrap_or("nothing").into(),
            }),
        }
    }

    /// The form body that exchanges a code (RFC 6749 section 4.1.3, RFC 7636 section 4.5).
    pub fn code_exchange_body(&self, code: &str, verifier: &str) -> String {
        Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.settings.redirect_uri)
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("code_verifier", verifier)
            .finish()
    }

    /// The form body that renews the access token (RFC 6749 section 6).
    pub fn refresh_body(&self, refresh_token: &str) -> String {
        Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token)
            .append_pair("client_id", &self.settings.client_id)
            .finish()
    }

    /// Where and what to POST to revoke `refresh_token` (RFC 7009 section 2.1; a public
    /// client identifies itself with `client_id`), or `None` if the provider has no
    /// revocation endpoint.
    pub fn revocation_request(&self, refresh_token: &str) -> Option<(&str, String)> {
        let endpoint = self.metadata.revocation_endpoint.as_deref()?;
        let body = Serializer::new(String::new())
            .append_pair("token", refresh_token)
            .append_pair("token_type_hint", "refresh_token")
            .append_pair("client_id", &self.settings.client_id)
            .finish();
        Some((endpoint, body))
    }

    /// Where to send the browser at sign-out (OpenID Connect RP-Initiated Logout 1.0,
    /// section 2), or `None` if the provider has no end-session endpoint.
    pub fn end_session_url(&self, id_token_hint: Option<&str>) -> Option<String> {
        let endpoint = self.metadata.end_session_endpoint.as_deref()?;
        let mut query = Serializer::new(String::new());
        if let Some(hint) = id_token_hint {
            query.append_pair("id_token_hint", hint);
        }
        query
            .append_pair("client_id", &self.settings.client_id)
            .append_pair(
                "post_logout_redirect_uri",
                &self.settings.post_logout_redirect_uri,
            );
        Some(with_query(endpoint, &query.finish()))
    }

    /// Turns the code exchange's answer into a session, checking the ID token against the
    /// request's nonce.
    pub fn session_from_code_response(
        &self,
        response: TokenResponse,
        nonce: &str,
        now: i64,
    ) -> Result<Session, AuthError> {
        check_token_type(&response)?;
        // OpenID Connect Core section 3.1.3.3: the code exchange must return an ID token.
        let id_token = response.id_token.ok_or(AuthError::InvalidResponse(
            "the token response has no id_token".into(),
        ))?;
        let claims = id_token::validate(
            &id_token::decode(&id_token)?,
            &self.expectations(ExpectedNonce::Exactly(nonce), now),
        )?;
        Ok(Session {
            access_token: response.access_token,
            id_token,
            refresh_token: response.refresh_token,
            expires_at: response.expires_in.map(|s| now.saturating_add(s)),
            subject: claims.subject,
            display_name: claims.display_name,
            nonce: nonce.into(),
        })
    }

    /// Applies a refresh response to `previous` (OpenID Connect Core section 12.2).
    pub fn session_from_refresh_response(
        &self,
        previous: &Session,
        response: TokenResponse,
        now: i64,
    ) -> Result<Session, AuthError> {
        check_token_type(&response)?;
        let mut next = previous.clone();
        if let Some(id_token) = response.id_token {
            let claims = id_token::validate(
                &id_token::decode(&id_token)?,
                &self.expectations(ExpectedNonce::SameIfPresent(&previous.nonce), now),
            )?;
            if claims.subject != previous.subject {
                return Err(id_token::IdTokenError::SubjectChanged.into());
            }
            next.id_token = id_token;
            next.display_name = claims.display_name.or(next.display_name);
        }
        next.access_token = response.access_token;
        next.expires_at = response.expires_in.map(|s| now.saturating_add(s));
        // RFC 6749 section 6: a new refresh token replaces the old one (rotation).
        if response.refresh_token.is_some() {
            next.refresh_token = response.refresh_token;
        }
        Ok(next)
    }

    fn expectations<'a>(&'a self, nonce: ExpectedNonce<'a>, now: i64) -> Expectations<'a> {
        Expectations {
            issuer: &self.metadata.issuer,
            client_id: &self.settings.client_id,
            nonce,
            now,
            leeway: self.settings.leeway_secs,
        }
    }
}

/// Parses a token endpoint answer: 200 with a token response, or an RFC 6749 section 5.2 error.
pub fn parse_token_response(status: u16, body: &str) -> Result<TokenResponse, AuthError> {
    if (200..300).contains(&status) {
        return json::from_str(body).map_err(AuthError::InvalidResponse);
    }
    match json::from_str::<TokenErrorResponse>(body) {
        Ok(error) => Err(AuthError::Provider {
            status,
            error: error.error,
            description: error.error_description,
        }),
        Err(_) => Err(AuthError::TokenEndpointStatus(status)),
    }
}

/// What a failed refresh means for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshFailure {
    /// The provider definitively refused: the session is over.
    Refused,
    /// The provider could not be reached or failed (network error, HTTP 5xx); the session is
    /// kept and the refresh may be tried again.
    Unavailable,
    /// Another problem with the answer; the session is kept, the message says what it was.
    Unusable(String),
}

impl RefreshFailure {
    /// Classifies a refresh error. Only `invalid_grant` with HTTP 400 (the refresh token is
    /// invalid, expired or revoked) and `invalid_client` with HTTP 401 are refusals (RFC 6749
    /// section 5.2), besides having no refresh token at all; an outage must not sign the user
    /// out.
    pub fn of(error: &AuthError) -> Self {
        match error {
            AuthError::Provider { status, error, .. }
                if matches!(
                    (*status, error.as_str()),
                    (400, "invalid_grant") | (401, "invalid_client")
                ) =>
            {
                Self::Refused
            }
            AuthError::SessionExpired => Self::Refused,
            AuthError::Network(_) => Self::Unavailable,
            AuthError::Provider { status, .. } | AuthError::TokenEndpointStatus(status)
                if *status >= 500 =>
            {
                Self::Unavailable
            }
            other => Self::Unusable(other.to_string()),
        }
    }
}

/// Keeps the browser on this origin after sign-in: only paths on this origin are allowed
/// (see [`is_same_origin_path`]), home otherwise.
pub fn safe_return_path(path: &str) -> &str {
    if is_same_origin_path(path) { path } else { "/" }
}

/// Whether `path` is an absolute path that the browser resolves on the page's own origin:
/// never a scheme-relative `//host`, a backslash trick (`/\host`), or anything with control
/// characters, which the browser's URL parser drops (so `/<tab>/host` would become `//host`).
pub fn is_same_origin_path(path: &str) -> bool {
    match path.as_bytes() {
        [b'/', b'/' | b'\\', ..] => false,
        [b'/', ..] => !path.chars().any(char::is_control),
        _ => false,
    }
}

fn check_token_type(response: &TokenResponse) -> Result<(), AuthError> {
    // RFC 6749 section 7.1 and RFC 6750: the type is case-insensitive; only bearer is usable.
    if response.token_type.eq_ignore_ascii_case("bearer") {
        Ok(())
    } else {
        Err(AuthError::InvalidResponse(format!(
            "unsupported token type `{}`",
            response.token_type
        )))
    }
}

fn with_query(endpoint: &str, query: &str) -> String {
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{separator}{query}")
}

#[cfg(target_arch = "wasm32")]
pub mod browser;

#[cfg(test)]
mod tests;
