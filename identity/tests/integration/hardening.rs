//! Malformed, repeated and oversized input; CORS; CSRF; throttling; bearer errors.

use serde_json::Value;

use crate::common::*;

type Form<'a> = &'a [(&'a str, &'a str)];

#[actix_web::test]
async fn token_errors_are_rfc6749_json_and_never_cached() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let cases: [(Form, (u16, &str)); 6] = [
        (
            &[("grant_type", "password"), ("client_id", "spa")],
            (400, "unsupported_grant_type"),
        ),
        (&[("client_id", "spa")], (400, "invalid_request")),
        (
            &[("grant_type", "authorization_code")],
            (400, "invalid_client"),
        ),
        (
            &[("grant_type", "authorization_code"), ("client_id", "nope")],
            (400, "invalid_client"),
        ),
        (
            &[("grant_type", "authorization_code"), ("client_id", "spa")],
            (400, "invalid_request"),
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "spa"),
                ("code", "x"),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", "short"),
            ],
            (400, "invalid_request"),
        ),
    ];
    for (form, (status, error)) in cases {
        let resp = browser.token(form).await;
        assert_eq!(resp.headers()["cache-control"], "no-store");
        assert_eq!(
            oauth_error(resp).await,
            (status, error.to_owned()),
            "{form:?}"
        );
    }
    let dup = browser
        .http
        .post(server.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=refresh_token&grant_type=refresh_token&client_id=spa&refresh_token=x")
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(dup).await, (400, "invalid_request".into()));
    let json = browser
        .http
        .post(server.url("/token"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(json).await, (400, "invalid_request".into()));
    server.stop().await;
}

#[actix_web::test]
async fn oversized_and_malformed_input_is_refused_without_server_errors() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let huge = "a".repeat(64 * 1024);
    let resp = browser
        .http
        .post(server.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=authorization_code&code={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let resp = browser
        .get(&format!(
            "/authorize?client_id=spa&state={}",
            "s".repeat(9000)
        ))
        .await;
    assert_eq!(resp.status(), 400);
    for path in [
        "/authorize?%ZZ=%%&client_id=%FF",
        "/authorize",
        "/login",
        "/login?request=unknown",
        "/end-session?id_token_hint=a.b.c",
        "/end-session?id_token_hint=e30.e30.e30&post_logout_redirect_uri=x",
        "/nowhere",
        "/token",
        "/revoke",
    ] {
        let status = browser.get(path).await.status().as_u16();
        assert!((200..500).contains(&status), "{path}: {status}");
    }
    assert_eq!(browser.get("/token").await.status(), 405);
    let resp = browser
        .http
        .post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("request=%%%&csrf=&&&=")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    server.stop().await;
}

#[actix_web::test]
async fn discovery_and_jwks_allow_any_origin() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    for path in ["/.well-known/openid-configuration", "/jwks"] {
        let resp = browser
            .http
            .get(server.url(path))
            .header("origin", "http://x.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    }
    server.stop().await;
}

#[actix_web::test]
async fn token_endpoint_cors_answers_only_registered_origins() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let preflight = |origin: &'static str| {
        browser
            .http
            .request(reqwest::Method::OPTIONS, server.url("/token"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = preflight(ORIGIN).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    let evil = preflight("http://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());

    let cb = browser.sign_in("alice", &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", "spa"),
        ("code", cb.code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", cb.verifier.as_str()),
    ];
    let resp = browser
        .http
        .post(server.url("/token"))
        .header("origin", ORIGIN)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], ORIGIN);
    // The origin of another client is not allowed for this client's requests.
    let resp = browser
        .http
        .post(server.url("/token"))
        .header("origin", "http://localhost:7000")
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "spa"),
            ("refresh_token", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    server.stop().await;
}

#[actix_web::test]
async fn login_post_without_the_csrf_cookie_is_rejected() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let login = location(&browser.authorize(&challenge, &[]).await);
    let html = browser.get(&login).await.text().await.unwrap();
    // A second client without the cookie replays the form fields.
    let attacker = Browser::new(&server);
    let form = [
        ("request", hidden_field(&html, "request")),
        ("csrf", hidden_field(&html, "csrf")),
        ("username", "alice".into()),
        ("password", "password".into()),
    ];
    let resp = attacker
        .http
        .post(server.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.headers().get("location").is_none());
    server.stop().await;
}

#[actix_web::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let login = location(&browser.authorize(&challenge, &[]).await);
    for _ in 0..identity::throttle::MAX_PER_USER {
        assert_eq!(
            browser
                .submit_login(&login, "alice", "wrong")
                .await
                .status(),
            401
        );
    }
    let resp = browser.submit_login(&login, "alice", "password").await;
    assert_eq!(resp.status(), 429);
    assert!(resp.text().await.unwrap().contains("id=\"login-error\""));
    // Another user from the same address is still let through.
    assert_eq!(
        browser
            .submit_login(&login, "bob", "password")
            .await
            .status(),
        303
    );
    server.state.clock.advance(identity::throttle::WINDOW_SECS);
    let login = location(&browser.authorize(&challenge, &[("prompt", "login")]).await);
    assert_eq!(
        browser
            .submit_login(&login, "alice", "password")
            .await
            .status(),
        303
    );
    server.stop().await;
}

#[actix_web::test]
async fn userinfo_requires_a_valid_bearer_token() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let resp = browser.get("/userinfo").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let resp = browser
        .http
        .get(server.url("/userinfo"))
        .bearer_auth("a.b.c")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    // An ID token is not an access token (typ check, RFC 9068 section 4).
    let tokens: Value = browser.tokens("alice").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let resp = browser
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(id_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // Expired access tokens are refused.
    server.state.clock.advance(301);
    let access = tokens["access_token"].as_str().unwrap();
    let resp = browser
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    server.stop().await;
}
