//! Decoding the ID token and checking its claims (OpenID Connect Core 1.0, section 3.1.3.7).
//!
//! # Signature
//!
//! The signature is not verified here. The client only accepts ID tokens it received itself,
//! directly from the token endpoint over TLS, in reply to a request that carried its one-time
//! PKCE verifier. OpenID Connect Core section 3.1.3.7, item 6, allows exactly this: "the TLS
//! server validation MAY be used to validate the issuer in place of checking the token
//! signature". The API never trusts this decision: it verifies every access token's signature
//! against the provider's JWKS. A deployment that serves the provider over plain HTTP (local
//! development only) has no such protection.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// Default clock-skew allowance for `exp` and `iat`, in seconds.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

/// Why an ID token was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a compact JWS with a JSON claims set.
    #[error("the ID token is malformed: {0}")]
    Malformed(String),
    /// A claim that OpenID Connect Core section 2 requires is absent.
    #[error("the ID token lacks the required claim `{0}`")]
    MissingRequiredClaim(&'static str),
    /// `iss` differs from the issuer of the discovery document (item 2).
    #[error("invalid issuer: expected `{expected}`, found `{found}`")]
    InvalidIssuer { expected: String, found: String },
    /// `aud` does not contain this client (item 3).
    #[error("invalid audience: expected `{expected}` among {found:?}")]
    InvalidAudience {
        expected: String,
        found: Vec<String>,
    },
    /// Several audiences but no `azp` naming the client it was issued to (item 4).
    #[error("the ID token has several audiences but no authorized party (`azp`)")]
    MissingAuthorizedParty,
    /// `azp` names another client (item 5).
    #[error("invalid authorized party: expected `{expected}`, found `{found}`")]
    InvalidAuthorizedParty { expected: String, found: String },
    /// `exp` is in the past, beyond the leeway (item 9).
    #[error("the ID token expired at {exp} (now {now}, leeway {leeway}s)")]
    ExpiredSignature { exp: i64, now: i64, leeway: i64 },
    /// `iat` is in the future, beyond the leeway (item 10).
    #[error("the ID token was issued in the future at {iat} (now {now}, leeway {leeway}s)")]
    IssuedInFuture { iat: i64, now: i64, leeway: i64 },
    /// `nonce` does not match the value sent in the authorization request (item 11).
    #[error("the ID token's nonce does not match the sign-in request")]
    InvalidNonce,
    /// A refreshed ID token names another user (section 12.2).
    #[error("the refreshed ID token is for another subject")]
    SubjectChanged,
}

/// The `aud` claim: one string or an array of strings (RFC 7519 section 4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// All audiences as a slice.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    // Hand-written rather than `#[serde(untagged)]`, which buffers the value and costs
    // noticeably more code in the wasm binary.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;

        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of strings")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Audience, E> {
                Ok(Audience::One(value.to_owned()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<String>()? {
                    all.push(one);
                }
                Ok(Audience::Many(all))
            }
        }

        deserializer.deserialize_any(AudienceVisitor)
    }
}

/// The claims of an ID token, before validation.
///
/// Required claims are optional here so that a missing one is reported by name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdTokenClaims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Option<Audience>,
    #[serde(default, deserialize_with = "numeric_date")]
    pub exp: Option<i64>,
    #[serde(default, deserialize_with = "numeric_date")]
    pub iat: Option<i64>,
    pub azp: Option<String>,
    pub nonce: Option<String>,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
}

/// Which `nonce` the token must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedNonce<'a> {
    /// A token from the code exchange: the claim must be present and equal (item 11).
    Exactly(&'a str),
    /// A token from a refresh: if present, it must equal the original one (section 12.2).
    SameIfPresent(&'a str),
}

/// What the claims are checked against. `now` is an input so the checks are testable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectations<'a> {
    /// The issuer from discovery, which equals the configured authority.
    pub issuer: &'a str,
    /// This client's `client_id`.
    pub client_id: &'a str,
    /// The nonce rule for this token.
    pub nonce: ExpectedNonce<'a>,
    /// Current time in seconds since the Unix epoch.
    pub now: i64,
    /// Allowed clock skew between this browser and the provider, in seconds.
    pub leeway: i64,
}

/// An ID token whose claims passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedClaims {
    /// The end-user's stable identifier at the issuer.
    pub subject: String,
    /// A name to show, from `name` or else `preferred_username`.
    pub display_name: Option<String>,
}

/// Decodes the claims set of a compact JWS without checking its signature (see module docs).
pub fn decode(id_token: &str) -> Result<IdTokenClaims, IdTokenError> {
    let mut parts = id_token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed(
            "expected three dot-separated parts".into(),
        ));
    };
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|e| IdTokenError::Malformed(format!("payload is not base64url: {e}")))?;
    let json = std::str::from_utf8(&json)
        .map_err(|_| IdTokenError::Malformed("payload is not UTF-8".into()))?;
    super::json::from_str(json)
        .map_err(|e| IdTokenError::Malformed(format!("payload is not a claims set: {e}")))
}

/// Checks the claims in the order of OpenID Connect Core section 3.1.3.7.
pub fn validate(
    claims: &IdTokenClaims,
    expected: &Expectations<'_>,
) -> Result<ValidatedClaims, IdTokenError> {
    let Expectations {
        issuer,
        client_id,
        now,
        leeway,
        ..
    } = *expected;

    // Item 2: the issuer must match exactly, no normalisation.
    let iss = claims
        .iss
        .as_deref()
        .ok_or(IdTokenError::MissingRequiredClaim("iss"))?;
    if iss != issuer {
        return Err(IdTokenError::InvalidIssuer {
            expected: issuer.into(),
            found: iss.into(),
        });
    }

    // Item 3: this client must be an audience.
    let aud = claims
        .aud
        .as_ref()
        .ok_or(IdTokenError::MissingRequiredClaim("aud"))?;
    let audiences = aud.as_slice();
    if !audiences.iter().any(|a| a == client_id) {
        return Err(IdTokenError::InvalidAudience {
            expected: client_id.into(),
            found: audiences.to_vec(),
        });
    }

    // Items 4 and 5: with several audiences `azp` is required; when present it must be us.
    match claims.azp.as_deref() {
        Some(azp) if azp != client_id => {
            return Err(IdTokenError::InvalidAuthorizedParty {
                expected: client_id.into(),
                found: azp.into(),
            });
        }
        None if audiences.len() > 1 => return Err(IdTokenError::MissingAuthorizedParty),
        _ => {}
    }

    // Item 6 (signature replaced by TLS) is explained in the module docs; items 7 and 8 only
    // apply to signature checks.

    // Item 9: not expired, allowing for clock skew.
    let exp = claims
        .exp
        .ok_or(IdTokenError::MissingRequiredClaim("exp"))?;
    if now > exp.saturating_add(leeway) {
        return Err(IdTokenError::ExpiredSignature { exp, now, leeway });
    }

    // Item 10: not issued in the future, allowing for clock skew.
    let iat = claims
        .iat
        .ok_or(IdTokenError::MissingRequiredClaim("iat"))?;
    if iat > now.saturating_add(leeway) {
        return Err(IdTokenError::IssuedInFuture { iat, now, leeway });
    }

    // Item 11: the nonce binds the token to the request this browser tab made.
    match (expected.nonce, claims.nonce.as_deref()) {
        (ExpectedNonce::Exactly(want), Some(got)) if want == got => {}
        (ExpectedNonce::Exactly(_), _) => return Err(IdTokenError::InvalidNonce),
        (ExpectedNonce::SameIfPresent(want), Some(got)) if want != got => {
            return Err(IdTokenError::InvalidNonce);
        }
        (ExpectedNonce::SameIfPresent(_), _) => {}
    }

    let subject = claims
        .sub
        .clone()
        .ok_or(IdTokenError::MissingRequiredClaim("sub"))?;
    let display_name = claims
        .name
        .clone()
        .or_else(|| claims.preferred_username.clone());
    Ok(ValidatedClaims {
        subject,
        display_name,
    })
}

/// A NumericDate (RFC 7519 section 2) may be fractional; whole seconds are enough here.
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let seconds = Option::<f64>::deserialize(deserializer)?;
    // Truncation is intended: sub-second precision does not matter against the leeway.
    #[allow(clippy::cast_possible_truncation)]
    Ok(seconds.map(|s| s.floor() as i64))
}

#[cfg(test)]
mod tests;
