//! Claims and token type: issuer, audience, time, scope, and ID tokens.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn wrong_issuer_is_refused_including_a_trailing_slash() {
    let (provider, app, _) = setup().await;
    for iss in [
        format!("{}/", provider.issuer),
        "https://evil.example.com".into(),
        provider.issuer.to_uppercase(),
    ] {
        let token = token_with(&provider.issuer, &KEYS.rsa, |c| c["iss"] = json!(iss));
        assert_invalid_token(&services(&app, &token).await, "issuer is not accepted");
    }
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c.as_object_mut().expect("object").remove("iss");
    });
    assert_invalid_token(&services(&app, &token).await, "no iss claim");
}

#[actix_web::test]
async fn wrong_missing_or_empty_audience_is_refused() {
    let (provider, app, _) = setup().await;
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| c["aud"] = json!("api2"));
    assert_invalid_token(&services(&app, &token).await, "audience is not accepted");
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["aud"] = json!(["spa", "api2"])
    });
    assert_invalid_token(&services(&app, &token).await, "audience is not accepted");
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c.as_object_mut().expect("object").remove("aud");
    });
    assert_invalid_token(&services(&app, &token).await, "no aud claim");
    for empty in [json!(""), json!([])] {
        let token = token_with(&provider.issuer, &KEYS.rsa, |c| c["aud"] = empty.clone());
        assert_invalid_token(&services(&app, &token).await, "no aud claim");
    }
}

#[actix_web::test]
async fn audience_array_containing_api1_is_accepted() {
    let (provider, app, _) = setup().await;
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["aud"] = json!(["other", "api1"])
    });
    assert_eq!(services(&app, &token).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn expired_beyond_leeway_is_refused_and_within_leeway_accepted() {
    let (provider, app, _) = setup().await;
    let expired = token_with(&provider.issuer, &KEYS.rsa, |c| c["exp"] = json!(NOW - 61));
    assert_invalid_token(&services(&app, &expired).await, "expired");
    let within = token_with(&provider.issuer, &KEYS.rsa, |c| c["exp"] = json!(NOW - 59));
    assert_eq!(services(&app, &within).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn cached_token_is_refused_once_it_expires() {
    let (provider, app, clock) = setup().await;
    let token = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    assert_eq!(services(&app, &token).await.status, StatusCode::OK);
    assert_eq!(services(&app, &token).await.status, StatusCode::OK);
    clock.set(NOW + 300 + 60);
    assert_invalid_token(&services(&app, &token).await, "expired");
}

#[actix_web::test]
async fn leeway_is_configurable() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let (app, _) = backend_with(
        &config(&provider.issuer, &["--leeway-secs", "0"]),
        TestClock::new(),
    )
    .await;
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| c["exp"] = json!(NOW - 1));
    assert_invalid_token(&services(&app, &token).await, "expired");
}

#[actix_web::test]
async fn nbf_in_the_future_is_refused() {
    let (provider, app, _) = setup().await;
    let early = token_with(&provider.issuer, &KEYS.rsa, |c| c["nbf"] = json!(NOW + 120));
    assert_invalid_token(&services(&app, &early).await, "not valid yet");
    let within = token_with(&provider.issuer, &KEYS.rsa, |c| c["nbf"] = json!(NOW + 30));
    assert_eq!(services(&app, &within).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn exp_as_a_string_or_missing_is_refused() {
    let (provider, app, _) = setup().await;
    let text = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["exp"] = json!((NOW + 300).to_string())
    });
    assert_invalid_token(&services(&app, &text).await, "exp claim has the wrong type");
    let missing = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c.as_object_mut().expect("object").remove("exp");
    });
    assert_invalid_token(&services(&app, &missing).await, "no exp claim");
}

#[actix_web::test]
async fn id_token_presented_as_access_token_is_refused() {
    let (provider, app, _) = setup().await;
    // What the identity service issues as an ID token, addressed to the API for the attack.
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KEYS.rsa.kid()});
    let id_claims = json!({
        "iss": provider.issuer, "sub": "alice", "aud": "api1", "azp": "spa",
        "nonce": "n-0S6_WzA2Mj", "iat": NOW, "exp": NOW + 300, "auth_time": NOW,
        "at_hash": "77QmUPtjPfzWtF2AnpK9RQ", "name": "Alice", "scope": "api1",
    });
    let token = sign(&header, &id_claims, &KEYS.rsa);
    assert_invalid_token(
        &services(&app, &token).await,
        "id token is not an access token",
    );
    // Without typ and with only azp == aud as the mark.
    let header = json!({"alg": "RS256", "kid": KEYS.rsa.kid()});
    let claims = json!({
        "iss": provider.issuer, "sub": "alice", "aud": "api1", "azp": "api1",
        "iat": NOW, "exp": NOW + 300, "scope": "api1",
    });
    assert_invalid_token(
        &services(&app, &sign(&header, &claims, &KEYS.rsa)).await,
        "id token",
    );
    // A typical ID token (aud = client) is refused as well.
    let mut spa = id_claims.clone();
    spa["aud"] = json!("spa");
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KEYS.rsa.kid()});
    assert_invalid_token(
        &services(&app, &sign(&header, &spa, &KEYS.rsa)).await,
        "id token",
    );
}

#[actix_web::test]
async fn untyped_access_token_with_scp_array_is_accepted() {
    let (provider, app, _) = setup().await;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KEYS.rsa.kid()});
    let mut claims = access_claims(&provider.issuer);
    claims.as_object_mut().expect("object").remove("scope");
    claims["scp"] = json!(["read", "api1"]);
    claims["azp"] = json!("spa");
    assert_eq!(
        services(&app, &sign(&header, &claims, &KEYS.rsa))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn strict_mode_refuses_untyped_access_tokens() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let (app, _) = backend_with(
        &config(&provider.issuer, &["--require-at-jwt"]),
        TestClock::new(),
    )
    .await;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KEYS.rsa.kid()});
    let token = sign(&header, &access_claims(&provider.issuer), &KEYS.rsa);
    assert_invalid_token(&services(&app, &token).await, "not at+jwt");
    let typed = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    assert_eq!(services(&app, &typed).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn other_token_types_are_refused() {
    let (provider, app, _) = setup().await;
    for typ in ["id_token+jwt", "logout+jwt", "JOSE"] {
        let header = json!({"alg": "RS256", "typ": typ, "kid": KEYS.rsa.kid()});
        let token = sign(&header, &access_claims(&provider.issuer), &KEYS.rsa);
        assert_invalid_token(&services(&app, &token).await, "not at+jwt");
    }
    let header = json!({"alg": "RS256", "typ": "application/AT+JWT", "kid": KEYS.rsa.kid()});
    let token = sign(&header, &access_claims(&provider.issuer), &KEYS.rsa);
    assert_eq!(services(&app, &token).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn missing_scope_is_403_insufficient_scope() {
    let (provider, app, _) = setup().await;
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["scope"] = json!("openid profile")
    });
    let reply = services(&app, &token).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let challenge = reply.header("www-authenticate").expect("challenge");
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(challenge.contains("scope=\"api1\""), "{challenge}");
    assert_eq!(reply.json()["error"], "insufficient_scope");
    // A scope that merely starts with the required one does not count.
    let token = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["scope"] = json!("api10 xapi1")
    });
    assert_eq!(services(&app, &token).await.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn repeated_claim_is_refused() {
    let (provider, app, _) = setup().await;
    let header = header_for(&KEYS.rsa);
    let payload = format!(
        r#"{{"iss":"{}","sub":"alice","aud":"api1","scope":"api1","exp":{},"exp":{}}}"#,
        provider.issuer,
        NOW - 1000,
        NOW + 300
    );
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.as_bytes())
    );
    let token = format!("{input}.{}", b64(&KEYS.rsa.sign_raw(input.as_bytes())));
    assert_invalid_token(&services(&app, &token).await, "claims are invalid");
}

#[actix_web::test]
async fn far_future_or_fractional_exp_is_handled() {
    let (provider, app, _) = setup().await;
    let far = token_with(&provider.issuer, &KEYS.rsa, |c| c["exp"] = json!(1e300));
    assert_eq!(services(&app, &far).await.status, StatusCode::OK);
    assert_eq!(services(&app, &far).await.status, StatusCode::OK, "cached");
    let fractional = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["exp"] = json!(NOW as f64 + 0.5)
    });
    assert_eq!(services(&app, &fractional).await.status, StatusCode::OK);
    let negative = token_with(&provider.issuer, &KEYS.rsa, |c| c["exp"] = json!(-1));
    assert_invalid_token(&services(&app, &negative).await, "expired");
}
