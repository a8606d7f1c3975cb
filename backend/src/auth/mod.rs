//! Bearer authentication: credential extraction (RFC 6750 section 2.1), token validation
//! and the [`Authenticated`] extractor handlers use.

pub mod jwks;
pub mod validate;

use std::fmt;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{Header as _, HeaderValue, InvalidHeaderValue, TryIntoHeaderValue};
use actix_web::{FromRequest, HttpRequest, web};
use actix_web_httpauth::headers::authorization::{Authorization, ParseError, Scheme};
use futures_util::future::LocalBoxFuture;

pub use jwks::{JwksError, KeyStore};
pub use validate::{AccessClaims, Clock, Policy, SystemClock, TokenError, Validator};

use crate::error::ApiError;

/// A bearer credential. Unlike `actix_web_httpauth`'s own `Bearer`, the scheme name is
/// matched case-insensitively, as RFC 9110 section 11.1 requires (`bearer x` is valid).
#[derive(Clone)]
pub struct BearerToken(String);

impl BearerToken {
    /// The token text.
    pub fn token(&self) -> &str {
        &self.0
    }
}

impl Scheme for BearerToken {
    fn parse(header: &HeaderValue) -> Result<Self, ParseError> {
        let text = header.to_str().map_err(ParseError::ToStrError)?;
        let (scheme, token) = text.split_once(' ').ok_or(ParseError::MissingScheme)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ParseError::MissingScheme);
        }
        let token = token.trim_matches(' ');
        if token.is_empty() {
            return Err(ParseError::Invalid);
        }
        Ok(Self(token.to_owned()))
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer [redacted]")
    }
}

impl fmt::Display for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer [redacted]")
    }
}

impl TryIntoHeaderValue for BearerToken {
    type Error = InvalidHeaderValue;

    fn try_into_value(self) -> Result<HeaderValue, Self::Error> {
        HeaderValue::from_str(&format!("Bearer {}", self.0))
    }
}

/// The scope every protected endpoint requires, stored as app data.
#[derive(Debug, Clone)]
pub struct RequiredScope(pub String);

/// The validated caller of a protected endpoint.
///
/// Extracting it validates the bearer token and requires [`RequiredScope`]; a handler
/// that takes it as an argument is protected.
#[derive(Debug, Clone)]
pub struct Authenticated(Arc<AccessClaims>);

impl Authenticated {
    /// `sub`.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// Granted scopes.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// `name`, when present.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// All validated claims.
    pub fn claims(&self) -> &AccessClaims {
        &self.0
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let validator = req.app_data::<web::Data<Validator>>().cloned();
        let scope = req.app_data::<web::Data<RequiredScope>>().cloned();
        let credential = Authorization::<BearerToken>::parse(req).map(Authorization::into_scheme);
        Box::pin(async move {
            let (Some(validator), Some(scope)) = (validator, scope) else {
                tracing::error!("validator or required scope missing from app data");
                return Err(ApiError::Internal);
            };
            let credential = credential.map_err(|_| ApiError::MissingCredentials)?;
            let claims = validator.validate(credential.token()).await?;
            if !claims.has_scope(&scope.0) {
                return Err(ApiError::InsufficientScope {
                    required: scope.0.clone(),
                });
            }
            Ok(Self(claims))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_is_case_insensitive_and_others_are_refused() {
        for header in ["Bearer abc", "bearer abc", "BEARER  abc"] {
            let parsed = BearerToken::parse(&HeaderValue::from_static(header)).expect(header);
            assert_eq!(parsed.token(), "abc");
        }
        for header in ["Basic abc", "Bearer", "Bearer   ", "Bearerabc"] {
            assert!(
                BearerToken::parse(&HeaderValue::from_static(header)).is_err(),
                "{header}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = BearerToken("secret-token".into());
        assert!(!format!("{token:?} {token}").contains("secret"));
    }
}
