use super::*;
use serde_json::{Value, json};

const NOW: i64 = 1_700_000_000;
const ISSUER: &str = "http://localhost:5001";

fn token(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

fn good_claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "alice-id",
        "aud": "spa",
        "azp": "spa",
        "exp": NOW + 300,
        "iat": NOW,
        "nonce": "n-0S6_WzA2Mj",
        "name": "Alice"
    })
}

fn expect() -> Expectations<'static> {
    Expectations {
        issuer: ISSUER,
        client_id: "spa",
        nonce: ExpectedNonce::Exactly("n-0S6_WzA2Mj"),
        now: NOW,
        leeway: DEFAULT_LEEWAY_SECS,
    }
}

fn check(claims: Value, expected: &Expectations<'_>) -> Result<ValidatedClaims, IdTokenError> {
    validate(&decode(&token(&claims))?, expected)
}

fn with(field: &str, value: Value) -> Value {
    let mut claims = good_claims();
    claims[field] = value;
    claims
}

fn without(field: &str) -> Value {
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove(field);
    claims
}

#[test]
fn valid_token_is_accepted_with_subject_and_name() {
    let claims = check(good_claims(), &expect()).unwrap();
    assert_eq!(claims.subject, "alice-id");
    assert_eq!(claims.display_name.as_deref(), Some("Alice"));
}

#[test]
fn preferred_username_is_used_when_name_is_absent() {
    let claims = with("preferred_username", json!("alice"));
    let mut claims = claims;
    claims.as_object_mut().unwrap().remove("name");
    let validated = check(claims, &expect()).unwrap();
    assert_eq!(validated.display_name.as_deref(), Some("alice"));
}

#[test]
fn wrong_issuer_is_rejected() {
    let err = check(with("iss", json!("http://localhost:5001/")), &expect()).unwrap_err();
    assert!(matches!(err, IdTokenError::InvalidIssuer { .. }), "{err}");
}

#[test]
fn wrong_audience_is_rejected() {
    let err = check(with("aud", json!("api1")), &expect()).unwrap_err();
    assert!(matches!(err, IdTokenError::InvalidAudience { .. }), "{err}");
}

#[test]
fn audience_array_containing_client_is_accepted() {
    assert!(check(with("aud", json!(["spa", "api1"])), &expect()).is_ok());
}

#[test]
fn several_audiences_without_azp_are_rejected() {
    let mut claims = with("aud", json!(["spa", "api1"]));
    claims.as_object_mut().unwrap().remove("azp");
    let err = check(claims, &expect()).unwrap_err();
    assert_eq!(err, IdTokenError::MissingAuthorizedParty);
}

#[test]
fn single_audience_without_azp_is_accepted() {
    assert!(check(without("azp"), &expect()).is_ok());
}

#[test]
fn azp_naming_another_client_is_rejected() {
    let err = check(with("azp", json!("other")), &expect()).unwrap_err();
    assert!(
        matches!(err, IdTokenError::InvalidAuthorizedParty { .. }),
        "{err}"
    );
}

#[test]
fn expired_token_is_rejected() {
    let claims = with("exp", json!(NOW - DEFAULT_LEEWAY_SECS - 1));
    let err = check(claims, &expect()).unwrap_err();
    assert!(
        matches!(err, IdTokenError::ExpiredSignature { .. }),
        "{err}"
    );
}

#[test]
fn token_expired_within_leeway_is_accepted() {
    let claims = with("exp", json!(NOW - DEFAULT_LEEWAY_SECS));
    assert!(check(claims, &expect()).is_ok());
}

#[test]
fn token_issued_in_the_future_beyond_leeway_is_rejected() {
    let claims = with("iat", json!(NOW + DEFAULT_LEEWAY_SECS + 1));
    let err = check(claims, &expect()).unwrap_err();
    assert!(matches!(err, IdTokenError::IssuedInFuture { .. }), "{err}");
}

#[test]
fn clock_skew_within_leeway_is_accepted() {
    // The browser's clock runs 50 seconds behind the provider's.
    let claims = with("iat", json!(NOW + 50));
    assert!(check(claims, &expect()).is_ok());
}

#[test]
fn zero_leeway_rejects_small_skew() {
    let strict = Expectations {
        leeway: 0,
        ..expect()
    };
    let err = check(with("iat", json!(NOW + 1)), &strict).unwrap_err();
    assert!(matches!(err, IdTokenError::IssuedInFuture { .. }), "{err}");
}

#[test]
fn wrong_nonce_is_rejected() {
    let err = check(with("nonce", json!("replayed")), &expect()).unwrap_err();
    assert_eq!(err, IdTokenError::InvalidNonce);
}

#[test]
fn missing_nonce_is_rejected_after_code_exchange() {
    assert_eq!(
        check(without("nonce"), &expect()).unwrap_err(),
        IdTokenError::InvalidNonce
    );
}

#[test]
fn refreshed_token_without_nonce_is_accepted() {
    let refresh = Expectations {
        nonce: ExpectedNonce::SameIfPresent("n-0S6_WzA2Mj"),
        ..expect()
    };
    assert!(check(without("nonce"), &refresh).is_ok());
    let err = check(with("nonce", json!("other")), &refresh).unwrap_err();
    assert_eq!(err, IdTokenError::InvalidNonce);
}

#[test]
fn missing_required_claims_are_named() {
    for claim in ["iss", "aud", "exp", "iat", "sub"] {
        let err = check(without(claim), &expect()).unwrap_err();
        assert_eq!(err, IdTokenError::MissingRequiredClaim(claim));
    }
}

#[test]
fn fractional_dates_are_accepted() {
    assert!(check(with("exp", json!((NOW + 300) as f64 + 0.5)), &expect()).is_ok());
}

#[test]
fn malformed_tokens_are_rejected() {
    for bad in [
        "",
        "a.b",
        "a.b.c.d.e",
        "e30.!!!.c2ln",
        "e30.bm90IGpzb24.c2ln",
    ] {
        let err = decode(bad).unwrap_err();
        assert!(matches!(err, IdTokenError::Malformed(_)), "{bad}: {err}");
    }
}
