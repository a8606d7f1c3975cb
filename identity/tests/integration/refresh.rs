//! Refresh tokens: rotation, reuse detection, lifetimes, binding and revocation.

use serde_json::Value;

use crate::common::*;

#[actix_web::test]
async fn refresh_rotates_the_token_on_every_use() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let tokens = browser.tokens("alice").await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let resp = browser.refresh(&first).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let next: Value = resp.json().await.unwrap();
    let second = next["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(next["scope"], FULL_SCOPE);
    let (_, at) =
        crate::flow::verify(&server.base, next["access_token"].as_str().unwrap(), "api1").await;
    assert_eq!(at["sub"], "alice");
    let third: Value = browser.refresh(&second).await.json().await.unwrap();
    assert!(third["refresh_token"].is_string());
    server.stop().await;
}

#[actix_web::test]
async fn reusing_a_rotated_token_revokes_the_whole_family() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let tokens = browser.tokens("alice").await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let next: Value = browser.refresh(&first).await.json().await.unwrap();
    let second = next["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        oauth_error(browser.refresh(&first).await).await,
        (400, "invalid_grant".into())
    );
    // The legitimate latest token is now dead too.
    assert_eq!(
        oauth_error(browser.refresh(&second).await).await,
        (400, "invalid_grant".into())
    );
    server.stop().await;
}

#[actix_web::test]
async fn refresh_token_is_bound_to_its_client() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let tokens = browser.tokens("alice").await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let resp = browser
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", "other"),
            ("refresh_token", rt),
        ])
        .await;
    assert_eq!(oauth_error(resp).await, (400, "invalid_grant".into()));
    assert_eq!(
        browser.refresh(rt).await.status(),
        200,
        "still usable by its own client"
    );
    server.stop().await;
}

#[actix_web::test]
async fn sliding_and_absolute_lifetimes_end_the_family() {
    let server = TestServer::start_with(
        "refresh_token_sliding_lifetime_secs = 100\nrefresh_token_absolute_lifetime_secs = 250",
    )
    .await;
    let browser = Browser::new(&server);
    let mut rt = browser.tokens("alice").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Used every 90 s the family lives on past one sliding lifetime...
    for _ in 0..2 {
        server.state.clock.advance(90);
        let next: Value = browser.refresh(&rt).await.json().await.unwrap();
        rt = next["refresh_token"].as_str().unwrap().to_owned();
    }
    // ...but never past the absolute lifetime.
    server.state.clock.advance(90);
    assert_eq!(
        oauth_error(browser.refresh(&rt).await).await,
        (400, "invalid_grant".into())
    );

    // Unused for longer than the sliding lifetime, a token expires.
    let rt = browser.tokens("alice").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    server.state.clock.advance(101);
    assert_eq!(
        oauth_error(browser.refresh(&rt).await).await,
        (400, "invalid_grant".into())
    );
    server.stop().await;
}

#[actix_web::test]
async fn narrower_scope_may_be_requested_but_not_a_wider_one() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let cb = browser
        .sign_in("alice", &[("scope", "openid api1 offline_access")])
        .await;
    let tokens: Value = browser.exchange(&cb).await.json().await.unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    let wider = browser
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", "spa"),
            ("refresh_token", rt),
            ("scope", "openid profile"),
        ])
        .await;
    assert_eq!(oauth_error(wider).await, (400, "invalid_scope".into()));
    let narrower: Value = browser
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", "spa"),
            ("refresh_token", rt),
            ("scope", "api1"),
        ])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(narrower["scope"], "api1");
    server.stop().await;
}

#[actix_web::test]
async fn revoked_refresh_token_no_longer_works_and_unknown_tokens_get_200() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let tokens = browser.tokens("alice").await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let revoke = |token: String| {
        let http = browser.http.clone();
        let url = server.url("/revoke");
        async move {
            http.post(url)
                .form(&[("client_id", "spa"), ("token", &token)])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(revoke("no-such-token".into()).await.status(), 200);
    assert_eq!(revoke(rt.to_owned()).await.status(), 200);
    assert_eq!(
        oauth_error(browser.refresh(rt).await).await,
        (400, "invalid_grant".into())
    );

    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(revoke(access.clone()).await.status(), 200);
    let info = browser
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 401);

    let no_client = browser
        .http
        .post(server.url("/revoke"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(no_client).await, (401, "invalid_client".into()));
    server.stop().await;
}
