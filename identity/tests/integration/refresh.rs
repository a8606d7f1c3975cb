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
    assert_eq!(oauth_error(no_client).await, (400, "invalid_client".into()));
    server.stop().await;
}

/// A refresh with `scope` sent by `client`.
async fn refresh_with_scope(
    browser: &Browser,
    client: &str,
    rt: &str,
    scope: &str,
) -> reqwest::Response {
    browser
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", client),
            ("refresh_token", rt),
            ("scope", scope),
        ])
        .await
}

#[actix_web::test]
async fn token_validity_is_decided_before_the_scope_check() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let grant = (400, "invalid_grant".to_owned());

    // Unknown, or another client's: the same invalid_grant for a scope inside or outside
    // the grant, and the owner's token stays usable.
    let rt = browser.tokens("alice").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for scope in ["zzz", "profile"] {
        let unknown = refresh_with_scope(&browser, "spa", "no-such-token", scope).await;
        assert_eq!(oauth_error(unknown).await, grant, "{scope}");
        let other = refresh_with_scope(&browser, "other", &rt, scope).await;
        assert_eq!(oauth_error(other).await, grant, "{scope}");
    }

    // Spent: reuse detection fires even with a scope the grant never had.
    let next: Value = browser.refresh(&rt).await.json().await.unwrap();
    let latest = next["refresh_token"].as_str().unwrap().to_owned();
    let reused = refresh_with_scope(&browser, "spa", &rt, "zzz").await;
    assert_eq!(oauth_error(reused).await, grant);
    assert_eq!(
        oauth_error(browser.refresh(&latest).await).await,
        grant,
        "the family was revoked"
    );
    // Revoked (with its family, just now): still invalid_grant whatever the scope.
    for scope in ["zzz", "profile"] {
        let revoked = refresh_with_scope(&browser, "spa", &latest, scope).await;
        assert_eq!(oauth_error(revoked).await, grant, "{scope}");
    }

    // Expired: likewise.
    let rt = browser.tokens("alice").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    server.state.clock.advance(86_401);
    for scope in ["zzz", "profile"] {
        let expired = refresh_with_scope(&browser, "spa", &rt, scope).await;
        assert_eq!(oauth_error(expired).await, grant, "{scope}");
    }
    server.stop().await;
}

#[actix_web::test]
async fn refused_scope_leaves_a_valid_token_usable() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let rt = browser.tokens("alice").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let wider = refresh_with_scope(&browser, "spa", &rt, "zzz").await;
    assert_eq!(oauth_error(wider).await, (400, "invalid_scope".into()));
    assert_eq!(browser.refresh(&rt).await.status(), 200);
    server.stop().await;
}

#[actix_web::test]
async fn blank_scope_on_refresh_is_invalid_scope() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let rt = browser.tokens("alice").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for blank in [" ", "   "] {
        let resp = refresh_with_scope(&browser, "spa", &rt, blank).await;
        assert_eq!(oauth_error(resp).await, (400, "invalid_scope".into()));
    }
    // `scope=` with no value is an omitted parameter (RFC 6749 section 3.1).
    let omitted: Value = refresh_with_scope(&browser, "spa", &rt, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(omitted["scope"], FULL_SCOPE);
    server.stop().await;
}
