//! The shape of refusals: status codes, challenge and cache headers, bodies.

use crate::common::*;

#[actix_web::test]
async fn unknown_or_missing_client_is_400_invalid_client_without_a_challenge() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    for path in ["/token", "/revoke"] {
        for form in [
            &[("grant_type", "refresh_token"), ("token", "x")][..],
            &[("client_id", "nope"), ("token", "x")][..],
        ] {
            let resp = browser
                .http
                .post(server.url(path))
                .form(form)
                .send()
                .await
                .unwrap();
            assert!(resp.headers().get("www-authenticate").is_none(), "{path}");
            assert_eq!(resp.headers()["cache-control"], "no-store");
            assert_eq!(
                oauth_error(resp).await,
                (400, "invalid_client".into()),
                "{path} {form:?}"
            );
        }
    }
    server.stop().await;
}

#[actix_web::test]
async fn userinfo_with_a_token_lacking_openid_is_403_insufficient_scope() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let cb = browser
        .sign_in("alice", &[("scope", "api1 offline_access")])
        .await;
    let tokens: serde_json::Value = browser.exchange(&cb).await.json().await.unwrap();
    let resp = browser
        .http
        .get(server.url("/userinfo"))
        .header("origin", ORIGIN)
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.headers()["www-authenticate"],
        r#"Bearer error="insufficient_scope", scope="openid""#
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(oauth_error(resp).await, (403, "insufficient_scope".into()));
    server.stop().await;
}

/// POSTs a form body just over the 16 KiB limit from the SPA's origin.
async fn post_oversized(browser: &Browser, server: &TestServer, path: &str) -> reqwest::Response {
    let body = format!("client_id=spa&token={}", "a".repeat(17 * 1024));
    browser
        .http
        .post(server.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn oversized_body_on_token_and_revoke_is_an_rfc6749_json_error() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    for path in ["/token", "/revoke"] {
        let resp = post_oversized(&browser, &server, path).await;
        let headers = resp.headers().clone();
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert_eq!(headers["content-type"], "application/json", "{path}");
        assert_eq!(headers["access-control-allow-origin"], ORIGIN, "{path}");
        assert_eq!(
            oauth_error(resp).await,
            (413, "invalid_request".into()),
            "{path}"
        );
    }
    server.stop().await;
}

#[actix_web::test]
async fn oversized_body_on_browser_endpoints_is_an_html_page_with_security_headers() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    for path in ["/login", "/authorize", "/end-session"] {
        let resp = post_oversized(&browser, &server, path).await;
        assert_eq!(resp.status(), 413, "{path}");
        let headers = resp.headers();
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(resp.text().await.unwrap().contains("Request too large"));
    }
    server.stop().await;
}

#[actix_web::test]
async fn method_not_allowed_names_the_allowed_methods() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let cases = [
        (reqwest::Method::GET, "/token", "POST, OPTIONS"),
        (reqwest::Method::PUT, "/revoke", "POST, OPTIONS"),
        (reqwest::Method::POST, "/jwks", "GET"),
        (
            reqwest::Method::DELETE,
            "/.well-known/openid-configuration",
            "GET",
        ),
        (reqwest::Method::PUT, "/authorize", "GET, POST"),
        (reqwest::Method::DELETE, "/login", "GET, POST"),
        (reqwest::Method::PATCH, "/userinfo", "GET, POST, OPTIONS"),
        (reqwest::Method::PUT, "/end-session", "GET, POST"),
    ];
    for (method, path, allow) in cases {
        let resp = browser
            .http
            .request(method.clone(), server.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
    }
    server.stop().await;
}
