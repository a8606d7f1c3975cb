//! The one place where failures become HTTP responses.
//!
//! Every body is a [`shared::ErrorBody`]. Bearer failures follow RFC 6750 section 3: the
//! `WWW-Authenticate` challenge names the realm and, once a token was presented, the error
//! code and a short description that never repeats any part of the token.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use shared::ErrorBody;

use crate::auth::TokenError;

/// The realm named in every bearer challenge.
pub const REALM: &str = "api";

/// Seconds a client is told to wait while no signing keys are loaded.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Everything a request to the API can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No `Authorization` header, or one that is not a bearer credential
    /// (RFC 6750 section 3.1: the challenge then carries no error code).
    #[error("a bearer access token is required")]
    MissingCredentials,
    /// A bearer token was presented but is not acceptable.
    #[error("{0}")]
    InvalidToken(#[from] TokenError),
    /// The token is valid but lacks the scope the endpoint requires.
    #[error("the access token lacks the required scope {required}")]
    InsufficientScope {
        /// The scope the endpoint requires.
        required: String,
    },
    /// No signing keys have been loaded from the provider yet.
    #[error("the token signing keys are not available yet")]
    KeysUnavailable,
    /// Nothing is served at this path.
    #[error("no such resource")]
    NotFound,
    /// The path exists but not for this method; `allow` lists the methods it serves
    /// (RFC 9110 section 15.5.6 requires them in an `Allow` header).
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The `Allow` header value, for example `GET, HEAD`.
        allow: &'static str,
    },
    /// A fault of this service; the detail is logged, not returned.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            Self::MissingCredentials => "unauthorized",
            Self::InvalidToken(_) => "invalid_token",
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::KeysUnavailable => "temporarily_unavailable",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Internal => "internal_error",
        }
    }

    fn challenge(&self) -> Option<String> {
        match self {
            Self::MissingCredentials => Some(format!("Bearer realm=\"{REALM}\"")),
            Self::InvalidToken(e) => Some(format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{}\"",
                quotable(&e.to_string())
            )),
            Self::InsufficientScope { required } => Some(format!(
                "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", \
                 error_description=\"{}\", scope=\"{}\"",
                quotable(&self.to_string()),
                quotable(required)
            )),
            _ => None,
        }
    }
}

/// Keeps only the characters RFC 6750 section 3 allows inside `error_description`.
fn quotable(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, ' '..='~') && c != '"' && c != '\\')
        .collect()
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MissingCredentials | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            Self::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(challenge) = self.challenge()
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            response.insert_header((header::WWW_AUTHENTICATE, value));
        }
        if matches!(self, Self::KeysUnavailable) {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()));
        }
        if let Self::MethodNotAllowed { allow } = self {
            response.insert_header((header::ALLOW, *allow));
        }
        response.json(ErrorBody::new(self.code(), self.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_drops_quotes_and_backslashes() {
        assert_eq!(quotable("a \"b\" \\c\n"), "a b c");
    }

    #[test]
    fn missing_credentials_challenge_has_no_error_code() {
        let response = ApiError::MissingCredentials.error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .expect("challenge"),
            "Bearer realm=\"api\""
        );
    }
}
