use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::json;

use super::TokenError;
use super::claims::{numeric_date, string_or_array};
use super::token::allowed_algorithm;

#[test]
fn none_and_hmac_are_not_allowed() {
    for name in ["none", "None", "HS256", "HS384", "HS512", "EdDSA", ""] {
        assert_eq!(allowed_algorithm(name), None, "{name}");
    }
    assert_eq!(allowed_algorithm("RS256"), Some(Algorithm::RS256));
}

#[test]
fn exp_as_string_is_a_type_error() {
    let value = json!("1700000000");
    assert_eq!(
        numeric_date(Some(&value), "exp"),
        Err(TokenError::WrongClaimType("exp"))
    );
}

#[test]
fn empty_audience_counts_as_none() {
    assert!(
        string_or_array(Some(&json!("")), "aud")
            .expect("ok")
            .is_empty()
    );
    assert!(
        string_or_array(Some(&json!([])), "aud")
            .expect("ok")
            .is_empty()
    );
    assert_eq!(
        string_or_array(Some(&json!(["a", "api1"])), "aud").expect("ok"),
        ["a", "api1"]
    );
}

#[test]
fn repeated_claim_is_invalid() {
    let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":1,"exp":2}"#);
    assert_eq!(
        super::claims::check(&payload, &policy(), false, 0.0),
        Err(TokenError::InvalidClaims)
    );
}

fn policy() -> super::Policy {
    super::Policy {
        issuer: "https://idp.example.com".into(),
        audience: "api1".into(),
        leeway_secs: 60,
        require_at_jwt: false,
    }
}
