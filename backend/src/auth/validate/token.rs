//! The compact JWS and its protected header (RFC 7515), checked before any key is used.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::Value;

use super::TokenError;

/// The header members this validator reads or refuses. Unknown members are ignored
/// (RFC 7515 section 4); a repeated member makes the header invalid.
#[derive(Deserialize)]
pub(super) struct Header {
    alg: Option<Value>,
    kid: Option<Value>,
    typ: Option<Value>,
    crit: Option<Value>,
    jku: Option<Value>,
    jwk: Option<Value>,
    x5u: Option<Value>,
    x5c: Option<Value>,
    enc: Option<Value>,
}

/// Maps an `alg` name to an allowed algorithm: RSA PKCS#1 v1.5 and PSS, ECDSA P-256 and
/// P-384. `none` and HMAC are never allowed (RFC 8725 sections 3.1 and 3.2): a resource
/// server holds no shared secret, and HMAC "keyed" with a public key is forgeable.
pub fn allowed_algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        _ => return None,
    })
}

/// Decodes one base64url part into `T`; anything wrong is `error`.
pub(super) fn decode_json<T: serde::de::DeserializeOwned>(
    part: &str,
    error: TokenError,
) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| error)
}

/// Header rules, returning the algorithm, the key id and the type.
pub(super) fn check_header(header: &Header) -> Result<(Algorithm, &str, Option<&str>), TokenError> {
    // Keys and key URLs named by the token are attacker-chosen (RFC 8725 section 3.10).
    for (name, present) in [
        ("jwk", header.jwk.is_some()),
        ("jku", header.jku.is_some()),
        ("x5u", header.x5u.is_some()),
        ("x5c", header.x5c.is_some()),
    ] {
        if present {
            return Err(TokenError::ForbiddenHeader(name));
        }
    }
    if header.enc.is_some() {
        return Err(TokenError::Encrypted);
    }
    // No extension is understood, so any `crit` must be refused (RFC 7515 section 4.1.11).
    if header.crit.is_some() {
        return Err(TokenError::UnknownCritical);
    }
    let alg = match &header.alg {
        Some(Value::String(name)) => {
            allowed_algorithm(name).ok_or(TokenError::DisallowedAlgorithm)?
        }
        _ => return Err(TokenError::InvalidHeader),
    };
    let kid = match &header.kid {
        Some(Value::String(kid)) if !kid.is_empty() => kid.as_str(),
        None => return Err(TokenError::MissingKeyId),
        _ => return Err(TokenError::InvalidHeader),
    };
    let typ = match &header.typ {
        None => None,
        Some(Value::String(typ)) => Some(typ.as_str()),
        Some(_) => return Err(TokenError::InvalidHeader),
    };
    Ok((alg, kid, typ))
}
