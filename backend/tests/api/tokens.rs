//! Credentials, token format, header and signature: what is refused before any claim
//! is trusted.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn valid_rs256_token_lists_the_four_services() {
    let (provider, app, _) = setup().await;
    let reply = services(&app, &token_with(&provider.issuer, &KEYS.rsa, |_| {})).await;
    assert_eq!(reply.status, StatusCode::OK);
    let names: Vec<_> = reply
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "Development",
            "Innovation and Design",
            "Data and Analytics",
            "DevOps"
        ]
    );
    assert_eq!(reply.json()[0]["iconUri"], "/icons/development.svg");
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
}

#[actix_web::test]
async fn valid_es256_token_is_accepted() {
    let (provider, app, _) = setup().await;
    let reply = services(&app, &token_with(&provider.issuer, &KEYS.ec, |_| {})).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[actix_web::test]
async fn missing_header_is_401_with_realm_only() {
    let (_provider, app, _) = setup().await;
    let reply = get(&app, "/api/services", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"api\"")
    );
    assert_eq!(reply.json()["error"], "unauthorized");
}

#[actix_web::test]
async fn other_scheme_or_empty_bearer_is_401_with_realm_only() {
    let (_provider, app, _) = setup().await;
    for value in ["Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer", "Bearer    "] {
        let reply = get(&app, "/api/services", Some(value)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{value}");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"api\""),
            "{value}"
        );
    }
}

#[actix_web::test]
async fn garbage_token_is_invalid_token() {
    let (_provider, app, _) = setup().await;
    for garbage in ["garbage", "a.b.c", "!!!.???.###", "e30.e30.", "a.b.c.d"] {
        let reply = services(&app, garbage).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{garbage}");
        assert_eq!(reply.json()["error"], "invalid_token", "{garbage}");
    }
}

#[actix_web::test]
async fn lowercase_bearer_scheme_is_accepted() {
    let (provider, app, _) = setup().await;
    let token = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    for scheme in ["bearer", "BEARER", "bEaReR"] {
        let reply = get(&app, "/api/services", Some(&format!("{scheme} {token}"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}");
    }
}

#[actix_web::test]
async fn alg_none_is_refused() {
    let (provider, app, _) = setup().await;
    let header = json!({"alg": "none", "typ": "at+jwt", "kid": KEYS.rsa.kid()});
    let claims = access_claims(&provider.issuer);
    let unsigned = format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    assert_invalid_token(&services(&app, &unsigned).await, "algorithm is not allowed");
    // Same with a (meaningless) signature appended.
    let signed = sign(&header, &claims, &KEYS.rsa);
    assert_invalid_token(&services(&app, &signed).await, "algorithm is not allowed");
}

#[actix_web::test]
async fn hs256_keyed_with_the_rsa_public_key_is_refused() {
    let (provider, app, _) = setup().await;
    let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": KEYS.rsa.kid()});
    let claims = access_claims(&provider.issuer);
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &KEYS.rsa.public_der());
    let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    let forged = format!("{input}.{}", b64(tag.as_ref()));
    assert_invalid_token(&services(&app, &forged).await, "algorithm is not allowed");
}

#[actix_web::test]
async fn algorithm_that_does_not_fit_the_key_is_refused() {
    let (provider, app, _) = setup().await;
    // An RSA key named with an EC algorithm.
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": KEYS.rsa.kid()});
    let token = sign(&header, &access_claims(&provider.issuer), &KEYS.ec);
    assert_invalid_token(
        &services(&app, &token).await,
        "does not match its signing key",
    );
    // PS256 is an RSA algorithm, but the JWK binds RS256.
    let header = json!({"alg": "PS256", "typ": "at+jwt", "kid": KEYS.rsa.kid()});
    let token = sign(&header, &access_claims(&provider.issuer), &KEYS.rsa);
    assert_invalid_token(
        &services(&app, &token).await,
        "does not match its signing key",
    );
}

#[actix_web::test]
async fn signature_by_another_key_under_a_known_kid_is_refused() {
    let (provider, app, _) = setup().await;
    let token = sign(
        &header_for(&KEYS.rsa),
        &access_claims(&provider.issuer),
        &KEYS.unpublished,
    );
    assert_invalid_token(&services(&app, &token).await, "signature is invalid");
}

#[actix_web::test]
async fn tampered_payload_is_refused() {
    let (provider, app, _) = setup().await;
    let token = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    let parts: Vec<_> = token.split('.').collect();
    let mut claims = access_claims(&provider.issuer);
    claims["sub"] = json!("mallory");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    );
    assert_invalid_token(&services(&app, &tampered).await, "signature is invalid");
}

#[actix_web::test]
async fn oversized_token_is_refused_before_any_crypto() {
    let (provider, app, _) = setup().await;
    let big = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["pad"] = json!("x".repeat(17 * 1024))
    });
    assert_invalid_token(&services(&app, &big).await, "larger than 16384 bytes");
}

#[actix_web::test]
async fn unknown_crit_is_refused() {
    let (provider, app, _) = setup().await;
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": KEYS.rsa.kid(), "crit": ["exp-ext"], "exp-ext": 1});
    let token = sign(&header, &access_claims(&provider.issuer), &KEYS.rsa);
    assert_invalid_token(&services(&app, &token).await, "critical header");
}

#[actix_web::test]
async fn keys_or_key_urls_in_the_header_are_refused() {
    let (provider, app, _) = setup().await;
    let cases = [
        ("jwk", KEYS.unpublished.jwk()),
        ("jku", json!("https://evil.example.com/jwks")),
        ("x5u", json!("https://evil.example.com/cert.pem")),
        ("x5c", json!(["MIIB"])),
    ];
    for (name, value) in cases {
        let mut header = header_for(&KEYS.rsa);
        header[name] = value;
        let token = sign(&header, &access_claims(&provider.issuer), &KEYS.rsa);
        assert_invalid_token(
            &services(&app, &token).await,
            &format!("parameter {name} is not accepted"),
        );
    }
}

#[actix_web::test]
async fn missing_kid_is_refused() {
    let (provider, app, _) = setup().await;
    let header = json!({"alg": "RS256", "typ": "at+jwt"});
    let token = sign(&header, &access_claims(&provider.issuer), &KEYS.rsa);
    assert_invalid_token(&services(&app, &token).await, "no key id");
}

#[actix_web::test]
async fn public_endpoint_needs_no_token() {
    let (_provider, app, _) = setup().await;
    let reply = get(&app, "/api/values", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!(["value1", "value2"]));
}
