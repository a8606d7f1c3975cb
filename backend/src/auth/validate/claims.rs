//! The claims of an access token (RFC 9068 section 2.2, RFC 7519 section 4.1).

use serde::Deserialize;
use serde_json::Value;

use super::{AccessClaims, Policy, TokenError};

/// The claims this validator reads; a repeated claim makes the payload invalid.
#[derive(Deserialize)]
struct RawClaims {
    iss: Option<Value>,
    sub: Option<Value>,
    aud: Option<Value>,
    exp: Option<Value>,
    nbf: Option<Value>,
    scope: Option<Value>,
    scp: Option<Value>,
    name: Option<Value>,
    client_id: Option<Value>,
    azp: Option<Value>,
    nonce: Option<Value>,
    at_hash: Option<Value>,
    c_hash: Option<Value>,
}

/// Decodes and checks the claims, in the order of RFC 9068 section 4 (after the signature).
pub(super) fn check(
    payload_b64: &str,
    policy: &Policy,
    typed_access_token: bool,
    now: f64,
) -> Result<AccessClaims, TokenError> {
    let raw: RawClaims = super::token::decode_json(payload_b64, TokenError::InvalidClaims)?;
    let audiences = string_or_array(raw.aud.as_ref(), "aud")?;

    // a. Token type: untyped tokens must not look like ID tokens (see the type docs).
    if !typed_access_token {
        let azp = raw.azp.as_ref().and_then(Value::as_str);
        if raw.nonce.is_some()
            || raw.at_hash.is_some()
            || raw.c_hash.is_some()
            || azp.is_some_and(|azp| audiences.contains(&azp))
        {
            return Err(TokenError::IdToken);
        }
    }

    // b. iss: exact string comparison (RFC 9068 section 4, step 3).
    let issuer = required_str(raw.iss.as_ref(), "iss")?;
    if issuer != policy.issuer {
        return Err(TokenError::InvalidIssuer);
    }

    // c. aud: must contain the configured audience (RFC 9068 section 4, step 4).
    if audiences.is_empty() {
        return Err(TokenError::MissingClaim("aud"));
    }
    if !audiences.iter().any(|a| *a == policy.audience) {
        return Err(TokenError::InvalidAudience);
    }

    // d. exp: required NumericDate (RFC 7519 section 4.1.4), with leeway.
    let leeway = policy.leeway_secs as f64;
    let expires_at =
        numeric_date(raw.exp.as_ref(), "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
    if now >= expires_at + leeway {
        return Err(TokenError::Expired);
    }

    // e. nbf: honoured when present (RFC 7519 section 4.1.5), with leeway.
    let not_before = numeric_date(raw.nbf.as_ref(), "nbf")?;
    if not_before.is_some_and(|nbf| now + leeway < nbf) {
        return Err(TokenError::NotYetValid);
    }

    // f. sub is required in JWT access tokens (RFC 9068 section 2.2).
    let subject = required_str(raw.sub.as_ref(), "sub")?.to_owned();

    // g. Scopes: `scope` is a space-separated string (RFC 9068 section 2.2.3); `scp` is
    //    what Entra ID (string) and Okta (array) use.
    let mut scopes = match &raw.scope {
        None => Vec::new(),
        Some(Value::String(s)) => s
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(Into::into)
            .collect(),
        Some(_) => return Err(TokenError::WrongClaimType("scope")),
    };
    match &raw.scp {
        None => {}
        Some(Value::String(s)) => {
            scopes.extend(s.split(' ').filter(|s| !s.is_empty()).map(Into::into))
        }
        Some(other) => scopes.extend(
            string_or_array(Some(other), "scp")?
                .into_iter()
                .map(Into::into),
        ),
    }

    Ok(AccessClaims {
        subject,
        scopes,
        name: optional_str(raw.name.as_ref(), "name")?.map(Into::into),
        client_id: optional_str(raw.client_id.as_ref(), "client_id")?.map(Into::into),
        expires_at,
        not_before,
    })
}

fn required_str<'a>(value: Option<&'a Value>, name: &'static str) -> Result<&'a str, TokenError> {
    optional_str(value, name)?.ok_or(TokenError::MissingClaim(name))
}

fn optional_str<'a>(
    value: Option<&'a Value>,
    name: &'static str,
) -> Result<Option<&'a str>, TokenError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(TokenError::WrongClaimType(name)),
    }
}

/// A string, or an array of strings (RFC 7519 section 4.1.3), as a list; empty strings
/// are dropped so `"aud": ""` counts as no audience.
pub(super) fn string_or_array<'a>(
    value: Option<&'a Value>,
    name: &'static str,
) -> Result<Vec<&'a str>, TokenError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.as_str()]),
        Some(Value::Array(items)) => items
            .iter()
            .filter(|v| v.as_str() != Some(""))
            .map(|v| v.as_str().ok_or(TokenError::WrongClaimType(name)))
            .collect(),
        Some(_) => Err(TokenError::WrongClaimType(name)),
    }
}

/// A NumericDate: a JSON number of seconds (RFC 7519 section 2). A string is refused.
pub(super) fn numeric_date(
    value: Option<&Value>,
    name: &'static str,
) -> Result<Option<f64>, TokenError> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or(TokenError::WrongClaimType(name)),
        Some(_) => Err(TokenError::WrongClaimType(name)),
    }
}
