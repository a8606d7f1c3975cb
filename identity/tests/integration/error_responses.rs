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
