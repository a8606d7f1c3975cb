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
use futures_util::future::{Either, LocalBoxFuture, Ready, ready};

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
    /// Works on bytes: `HeaderValue::to_str` checks every byte one at a time, which is
    /// the single most expensive step of a cached validation for a 1 KiB token. Non-ASCII
    /// bytes are left to the UTF-8 check and then to the JWT parser, which refuses them.
    fn parse(header: &HeaderValue) -> Result<Self, ParseError> {
        let bytes = header.as_bytes();
        let space = bytes
            .iter()
            .position(|&b| b == b' ')
            .ok_or(ParseError::MissingScheme)?;
        if !bytes[..space].eq_ignore_ascii_case(b"bearer") {
            return Err(ParseError::MissingScheme);
        }
        let token = std::str::from_utf8(&bytes[space + 1..])
            .map_err(ParseError::Utf8Error)?
            .trim_matches(' ');
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

impl Authenticated {
    fn with_scope(claims: Arc<AccessClaims>, scope: &RequiredScope) -> Result<Self, ApiError> {
        if claims.has_scope(&scope.0) {
            Ok(Self(claims))
        } else {
            Err(ApiError::InsufficientScope {
                required: scope.0.clone(),
            })
        }
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future =
        Either<Ready<Result<Self, ApiError>>, LocalBoxFuture<'static, Result<Self, ApiError>>>;

    /// A token already verified is answered synchronously from the cache; only a miss
    /// builds the (large) future that may fetch keys and verify a signature.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let validator = req.app_data::<web::Data<Validator>>();
        let scope = req.app_data::<web::Data<RequiredScope>>();
        let (Some(validator), Some(scope)) = (validator, scope) else {
            tracing::error!("validator or required scope missing from app data");
            return Either::Left(ready(Err(ApiError::Internal)));
        };
        let Ok(credential) = Authorization::<BearerToken>::parse(req) else {
            return Either::Left(ready(Err(ApiError::MissingCredentials)));
        };
        let credential = credential.into_scheme();
        if let Some(claims) = validator.cached(credential.token()) {
            return Either::Left(ready(Self::with_scope(claims, scope)));
        }
        let (validator, scope) = (validator.clone(), scope.clone());
        Either::Right(Box::pin(async move {
            let claims = validator.validate(credential.token()).await?;
            Self::with_scope(claims, &scope)
        }))
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
