//! The main code + PKCE flow and the claims of both tokens, verified independently with
//! `jsonwebtoken` and the keys published at /jwks.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

/// Verifies a JWT against the provider's JWKS without using any provider code.
pub async fn verify(
    server_base: &str,
    token: &str,
    audience: &str,
) -> (jsonwebtoken::Header, Value) {
    let jwks: Value = reqwest::get(format!("{server_base}/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = decode_header(token).unwrap();
    let kid = header.kid.clone().expect("kid in header");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid published in JWKS");
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["use"], "sig");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[server_base]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    let data = decode::<Value>(token, &key, &validation).unwrap();
    (header, data.claims)
}

#[actix_web::test]
async fn code_flow_with_pkce_issues_tokens_that_verify_independently() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);

    // Discovery names every endpoint below the issuer.
    let disco: Value = browser
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disco["issuer"], server.base.as_str());
    assert_eq!(disco["token_endpoint"], server.url("/token"));
    assert_eq!(
        disco["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );

    let (verifier, challenge) = pkce();
    let resp = browser.authorize(&challenge, &[]).await;
    assert_eq!(resp.status(), 302);
    let login = location(&resp);
    assert!(login.starts_with("/login?request="), "{login}");

    let page = browser.get(&login).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Sign in</title>"));
    for id in ["id=\"username\"", "id=\"password\"", "id=\"login\""] {
        assert!(html.contains(id), "missing {id}");
    }

    let resp = browser.submit_login(&login, "alice", "password").await;
    assert_eq!(resp.status(), 303);
    let set_cookie: Vec<_> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("identity_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert!(!session.contains("Secure"), "issuer is http");
    let callback = location(&resp);
    assert!(callback.starts_with(REDIRECT_URI));
    assert_eq!(
        query_param(&callback, "state").as_deref(),
        Some("state-123")
    );
    assert_eq!(
        query_param(&callback, "iss").as_deref(),
        Some(server.base.as_str())
    );
    let code = query_param(&callback, "code").unwrap();

    let resp = browser
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 300);
    assert_eq!(tokens["scope"], FULL_SCOPE);
    assert!(tokens["refresh_token"].is_string());

    let access = tokens["access_token"].as_str().unwrap();
    let (header, at) = verify(&server.base, access, "api1").await;
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(at["iss"], server.base.as_str());
    assert_eq!(at["sub"], "alice");
    assert_eq!(at["aud"], "api1");
    assert_eq!(at["client_id"], "spa");
    assert_eq!(at["scope"], FULL_SCOPE);
    assert_eq!(at["name"], "Alice");
    assert!(at["jti"].as_str().is_some_and(|j| j.len() >= 32));
    assert_eq!(
        at["exp"].as_u64().unwrap() - at["iat"].as_u64().unwrap(),
        300
    );

    let id_token = tokens["id_token"].as_str().unwrap();
    let (_, id) = verify(&server.base, id_token, "spa").await;
    assert_eq!(id["sub"], "alice");
    assert_eq!(id["aud"], "spa");
    assert_eq!(id["azp"], "spa");
    assert_eq!(id["nonce"], "nonce-456");
    assert_eq!(id["name"], "Alice");
    assert_eq!(id["website"], "https://alice.example.com");
    assert!(id["auth_time"].as_u64().unwrap() <= id["iat"].as_u64().unwrap());
    let digest = Sha256::digest(access.as_bytes());
    assert_eq!(id["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));

    // The kid is the RFC 7638 thumbprint of the published key.
    let jwks: Value = browser.get("/jwks").await.json().await.unwrap();
    let k = &jwks["keys"][0];
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        k["e"].as_str().unwrap(),
        k["n"].as_str().unwrap()
    );
    assert_eq!(
        k["kid"],
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    );

    let info: Value = browser
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], "alice");
    assert_eq!(info["name"], "Alice");
    assert_eq!(info["website"], "https://alice.example.com");
    server.stop().await;
}

#[actix_web::test]
async fn without_profile_scope_tokens_carry_no_profile_claims() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let cb = browser.sign_in("bob", &[("scope", "openid api1")]).await;
    let tokens: Value = browser.exchange(&cb).await.json().await.unwrap();
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let (_, at) = verify(
        &server.base,
        tokens["access_token"].as_str().unwrap(),
        "api1",
    )
    .await;
    assert!(at.get("name").is_none());
    let (_, id) = verify(&server.base, tokens["id_token"].as_str().unwrap(), "spa").await;
    assert_eq!(id["sub"], "bob");
    assert!(id.get("name").is_none() && id.get("website").is_none());
    server.stop().await;
}

#[actix_web::test]
async fn second_authorization_needs_no_password() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser.sign_in("alice", &[]).await;
    let (_, challenge) = pkce();
    let resp = browser.authorize(&challenge, &[]).await;
    assert_eq!(resp.status(), 302);
    assert!(query_param(&location(&resp), "code").is_some());
    server.stop().await;
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_get_the_same_generic_message() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    for (user, pass) in [("alice", "wrong"), ("mallory", "password")] {
        let login = location(&browser.authorize(&challenge, &[]).await);
        let resp = browser.submit_login(&login, user, pass).await;
        assert_eq!(resp.status(), 401);
        let html = resp.text().await.unwrap();
        assert!(html.contains("id=\"login-error\""));
        assert!(html.contains("Invalid username or password"));
    }
    server.stop().await;
}

#[actix_web::test]
async fn prompt_none_without_session_returns_login_required() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let resp = browser.authorize(&challenge, &[("prompt", "none")]).await;
    assert_eq!(resp.status(), 302);
    let loc = location(&resp);
    assert!(loc.starts_with(REDIRECT_URI));
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(query_param(&loc, "state").as_deref(), Some("state-123"));
    server.stop().await;
}

#[actix_web::test]
async fn prompt_none_with_session_returns_code() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser.sign_in("alice", &[]).await;
    let cb = browser.sign_in("alice", &[("prompt", "none")]).await;
    assert_eq!(cb.state.as_deref(), Some("state-123"));
    assert_eq!(cb.iss.as_deref(), Some(server.base.as_str()));
    assert_eq!(browser.exchange(&cb).await.status(), 200);
    server.stop().await;
}

#[actix_web::test]
async fn prompt_login_and_max_age_force_a_fresh_sign_in() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser.sign_in("alice", &[]).await;
    let (_, challenge) = pkce();
    let resp = browser.authorize(&challenge, &[("prompt", "login")]).await;
    assert!(location(&resp).starts_with("/login"));

    server.state.clock.advance(10);
    let resp = browser.authorize(&challenge, &[("max_age", "5")]).await;
    assert!(location(&resp).starts_with("/login"));
    let resp = browser.authorize(&challenge, &[("max_age", "60")]).await;
    assert!(query_param(&location(&resp), "code").is_some());
    let resp = browser
        .authorize(&challenge, &[("max_age", "5"), ("prompt", "none")])
        .await;
    assert_eq!(
        query_param(&location(&resp), "error").as_deref(),
        Some("login_required")
    );

    // After the fresh sign-in, auth_time moves forward.
    let cb = browser.sign_in("alice", &[("prompt", "login")]).await;
    let tokens: Value = browser.exchange(&cb).await.json().await.unwrap();
    let (_, id) = verify(&server.base, tokens["id_token"].as_str().unwrap(), "spa").await;
    assert!(id["auth_time"].as_u64().unwrap() >= server.state.clock.now() - 1);
    server.stop().await;
}

#[actix_web::test]
async fn code_replay_is_rejected_and_revokes_what_it_issued() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let cb = browser.sign_in("alice", &[]).await;
    let tokens: Value = browser.exchange(&cb).await.json().await.unwrap();
    assert_eq!(
        oauth_error(browser.exchange(&cb).await).await,
        (400, "invalid_grant".into())
    );
    let refresh = browser
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(oauth_error(refresh).await, (400, "invalid_grant".into()));
    let info = browser
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 401);
    server.stop().await;
}

#[actix_web::test]
async fn expired_code_is_rejected() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let cb = browser.sign_in("alice", &[]).await;
    server.state.clock.advance(61);
    assert_eq!(
        oauth_error(browser.exchange(&cb).await).await,
        (400, "invalid_grant".into())
    );
    server.stop().await;
}

#[actix_web::test]
async fn code_is_bound_to_verifier_redirect_uri_and_client() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (other_verifier, _) = pkce();
    let cases: [(&str, &str, bool); 3] = [
        ("spa", OTHER_REDIRECT_URI, false),
        ("other", REDIRECT_URI, false),
        ("spa", REDIRECT_URI, true),
    ];
    for (client_id, redirect_uri, wrong_verifier) in cases {
        let cb = browser.sign_in("alice", &[]).await;
        let verifier = if wrong_verifier {
            &other_verifier
        } else {
            &cb.verifier
        };
        let resp = browser
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", client_id),
                ("code", &cb.code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ])
            .await;
        assert_eq!(
            oauth_error(resp).await,
            (400, "invalid_grant".into()),
            "{client_id} {redirect_uri}"
        );
    }
    server.stop().await;
}
