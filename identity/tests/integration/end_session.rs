//! RP-initiated logout.

use serde_json::Value;

use crate::common::*;

async fn signed_in(server: &TestServer) -> (Browser, Value) {
    let browser = Browser::new(server);
    let tokens = browser.tokens("alice").await;
    (browser, tokens)
}

async fn assert_signed_out(browser: &Browser) {
    let (_, challenge) = pkce();
    let resp = browser.authorize(&challenge, &[("prompt", "none")]).await;
    assert_eq!(
        query_param(&location(&resp), "error").as_deref(),
        Some("login_required")
    );
}

#[actix_web::test]
async fn registered_post_logout_uri_gets_a_redirect_with_state() {
    let server = TestServer::start().await;
    let (browser, tokens) = signed_in(&server).await;
    let resp = browser
        .http
        .get(server.url("/end-session"))
        .query(&[
            ("id_token_hint", tokens["id_token"].as_str().unwrap()),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ("state", "bye"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(location(&resp), format!("{POST_LOGOUT_URI}?state=bye"));
    assert_signed_out(&browser).await;
    // Refresh tokens issued under the ended session are revoked with it.
    let refresh = browser
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(oauth_error(refresh).await, (400, "invalid_grant".into()));
    server.stop().await;
}

#[actix_web::test]
async fn unregistered_post_logout_uri_shows_the_signed_out_page() {
    let server = TestServer::start().await;
    let (browser, tokens) = signed_in(&server).await;
    for uri in [
        "http://evil.example/",
        "http://localhost:5000",
        "http://localhost:7000/",
    ] {
        let resp = browser
            .http
            .get(server.url("/end-session"))
            .query(&[
                ("id_token_hint", tokens["id_token"].as_str().unwrap()),
                ("post_logout_redirect_uri", uri),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{uri}");
        assert!(resp.headers().get("location").is_none());
        assert!(resp.text().await.unwrap().contains("Signed out"));
    }
    assert_signed_out(&browser).await;
    server.stop().await;
}

#[actix_web::test]
async fn missing_or_forged_hint_shows_the_signed_out_page() {
    let server = TestServer::start().await;
    let (browser, tokens) = signed_in(&server).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let forged = format!("{}x", &id_token[..id_token.len() - 1]);
    for hint in ["", "garbage", forged.as_str()] {
        let resp = browser
            .http
            .get(server.url("/end-session"))
            .query(&[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().get("location").is_none());
    }
    assert_signed_out(&browser).await;
    server.stop().await;
}

#[actix_web::test]
async fn expired_id_token_is_still_a_valid_hint() {
    let server = TestServer::start().await;
    let (browser, tokens) = signed_in(&server).await;
    server.state.clock.advance(3600);
    let resp = browser
        .http
        .post(server.url("/end-session"))
        .form(&[
            ("id_token_hint", tokens["id_token"].as_str().unwrap()),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(location(&resp), POST_LOGOUT_URI);
    server.stop().await;
}
