//! The provider's error type and the one place that turns errors into HTTP responses.

use std::borrow::Cow;

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::html;
use crate::keys::KeyError;
use crate::store::StoreError;

/// Longest client-supplied value repeated in an error description.
const MAX_QUOTED_CHARS: usize = 40;

/// OAuth 2.0 error codes (RFC 6749 section 5.2, RFC 7009 section 2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    UnsupportedTokenType,
}

impl OAuthCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthCode::InvalidRequest => "invalid_request",
            OAuthCode::InvalidClient => "invalid_client",
            OAuthCode::InvalidGrant => "invalid_grant",
            OAuthCode::UnauthorizedClient => "unauthorized_client",
            OAuthCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthCode::InvalidScope => "invalid_scope",
            OAuthCode::UnsupportedTokenType => "unsupported_token_type",
        }
    }
}

impl std::fmt::Display for OAuthCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can fail while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An OAuth error answered as JSON by the token and revocation endpoints.
    #[error("{code}: {description}")]
    OAuth {
        code: OAuthCode,
        description: Cow<'static, str>,
    },
    /// A request a browser made that cannot be answered with a redirect.
    #[error("{title}: {message}")]
    Page {
        status: StatusCode,
        title: &'static str,
        message: Cow<'static, str>,
    },
    /// RFC 6750 section 3.1: the bearer token was missing.
    #[error("missing bearer token")]
    MissingToken,
    /// RFC 6750 section 3.1: the bearer token was expired, revoked or malformed.
    #[error("invalid bearer token: {0}")]
    InvalidToken(&'static str),
    /// RFC 6750 section 3.1: the bearer token is valid but lacks the scope named here.
    #[error("bearer token lacks scope {0}")]
    InsufficientScope(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("server busy: {0}")]
    Busy(&'static str),
    /// The request body was larger than [`crate::MAX_BODY_BYTES`]: RFC 6749 section 5.2
    /// `invalid_request`, with the status that names the cause (RFC 9110 section 15.5.14).
    #[error("request body too large")]
    BodyTooLarge,
}

/// How an endpoint answers a body it could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyAnswer {
    /// RFC 6749 section 5.2 JSON (`/token`, `/revoke`).
    Json,
    /// An HTML error page (endpoints a browser navigates to).
    Page,
}

impl Error {
    pub fn oauth(code: OAuthCode, description: impl Into<Cow<'static, str>>) -> Self {
        Error::OAuth {
            code,
            description: description.into(),
        }
    }

    /// The response for this error (the same as actix would produce).
    pub fn into_response(self) -> HttpResponse {
        self.error_response()
    }

    /// The error for a request body the extractor refused: too large (413) or cut short,
    /// badly encoded or of unknown length (400).
    pub fn body(e: &actix_web::Error, answer: BodyAnswer) -> Self {
        let too_large = matches!(e.as_error::<PayloadError>(), Some(PayloadError::Overflow));
        tracing::info!(error = %e, "request body refused");
        match (answer, too_large) {
            (BodyAnswer::Json, true) => Error::BodyTooLarge,
            (BodyAnswer::Json, false) => {
                Error::oauth(OAuthCode::InvalidRequest, "request body could not be read")
            }
            (BodyAnswer::Page, true) => Error::Page {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                title: "Request too large",
                message: "The request was larger than this provider accepts.".into(),
            },
            (BodyAnswer::Page, false) => {
                Error::page("Invalid request", "The request could not be read.")
            }
        }
    }

    pub fn page(title: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Error::Page {
            status: StatusCode::BAD_REQUEST,
            title,
            message: message.into(),
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            // RFC 6749 section 5.2 asks for 401 with a `WWW-Authenticate` challenge only when
            // the client tried the `Authorization` header. The clients here are public and
            // send no credentials (`token_endpoint_auth_methods_supported: ["none"]`), so an
            // unknown or missing `client_id` is a plain 400 `invalid_client`.
            Error::OAuth { .. } => StatusCode::BAD_REQUEST,
            Error::Page { status, .. } => *status,
            Error::MissingToken | Error::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Error::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Error::Store(_) | Error::Key(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            Error::OAuth { code, description } => {
                tracing::info!(error = %code, description = %description, "oauth error");
                json_error(status, code.as_str(), description)
            }
            Error::Page { title, message, .. } => {
                tracing::info!(title, message = %message, "error page");
                html::error_page(status, title, message)
            }
            Error::MissingToken => HttpResponse::build(status)
                .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish(),
            Error::InvalidToken(reason) => {
                tracing::info!(reason, "bearer token rejected");
                HttpResponse::build(status)
                    .insert_header((
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static(r#"Bearer error="invalid_token""#),
                    ))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .json(serde_json::json!({"error": "invalid_token"}))
            }
            Error::InsufficientScope(scope) => {
                tracing::info!(scope, "bearer token lacks scope");
                let challenge = format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
                HttpResponse::build(status)
                    .insert_header((header::WWW_AUTHENTICATE, challenge))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .json(serde_json::json!({"error": "insufficient_scope"}))
            }
            Error::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                json_error(status, "server_error", "internal error")
            }
            Error::Key(e) => {
                tracing::error!(error = %e, "key failure");
                json_error(status, "server_error", "internal error")
            }
            Error::Busy(what) => {
                tracing::warn!(what, "capacity reached");
                json_error(status, "temporarily_unavailable", "try again later")
            }
            Error::BodyTooLarge => json_error(
                status,
                OAuthCode::InvalidRequest.as_str(),
                &format!(
                    "request body is larger than {} bytes",
                    crate::MAX_BODY_BYTES
                ),
            ),
        }
    }
}

/// A client-supplied value as an error description shows it: in single quotes, at most
/// [`MAX_QUOTED_CHARS`] characters, each character the description may not hold
/// replaced by `?`.
///
/// RFC 6749 sections 4.1.2.1 and 5.2 allow only printable ASCII without `"` and `\` in
/// `error_description`, so Rust debug text (`"plain"`, `Some(..)`) must not reach it.
pub fn quoted(value: &str) -> String {
    let mut out = String::from("'");
    for (i, c) in value.chars().enumerate() {
        if i == MAX_QUOTED_CHARS {
            out.push_str("...");
            break;
        }
        let printable = matches!(c, ' '..='~') && c != '"' && c != '\\';
        out.push(if printable { c } else { '?' });
    }
    out.push('\'');
    out
}

/// RFC 6749 section 5.2 error body, never cached (section 5.1).
fn json_error(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(serde_json::json!({"error": code, "error_description": description}))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6749 section 5.2: `error_description` is %x20-21 / %x23-5B / %x5D-7E.
    fn is_description_safe(text: &str) -> bool {
        text.bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
    }

    #[test]
    fn quoted_value_is_readable_and_within_the_description_characters() {
        assert_eq!(quoted("plain"), "'plain'");
        for hostile in ["a\"b\\c", "caf\u{e9}\n", &"x".repeat(500)] {
            let shown = quoted(hostile);
            assert!(is_description_safe(&shown), "{shown}");
            assert!(shown.len() <= MAX_QUOTED_CHARS + 5, "{shown}");
        }
        assert_eq!(quoted("a\"b"), "'a?b'");
    }
}
