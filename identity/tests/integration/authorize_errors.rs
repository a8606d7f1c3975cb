//! Authorization requests that must be refused: with a page when the client or redirect
//! URI is not established, with an error redirect otherwise.

use crate::common::*;

async fn assert_error_page(resp: reqwest::Response) {
    assert_eq!(resp.status(), 400);
    assert!(
        resp.headers().get("location").is_none(),
        "must never redirect"
    );
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(resp.text().await.unwrap().contains("<h1>"));
}

#[actix_web::test]
async fn redirect_uri_tricks_get_an_error_page_not_a_redirect() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let tricks = [
        "http://localhost:5000/call",           // prefix of a registered URI
        "http://localhost:5000/callbackx",      // registered URI as a prefix
        "http://localhost:5000/callback/extra", // extra path
        "http://localhost:5000/callback/",      // trailing slash
        "http://localhost:5001/callback",       // other port
        "http://localhost:5000/Callback",       // other case in the path
        "HTTP://LOCALHOST:5000/callback",       // other case in scheme and host
        "http://localhost:5000/callback?x=1",   // extra query
        "http://localhost:5000/callback#frag",  // fragment
        "http://evil.example/callback",         // other host
        "http://localhost:7000/callback",       // another client's URI
    ];
    for trick in tricks {
        let resp = browser
            .authorize(&challenge, &[("redirect_uri", trick)])
            .await;
        assert_error_page(resp).await;
    }
    server.stop().await;
}

#[actix_web::test]
async fn unknown_missing_or_repeated_client_gets_an_error_page() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    assert_error_page(
        browser
            .authorize(&challenge, &[("client_id", "nope")])
            .await,
    )
    .await;
    assert_error_page(browser.authorize(&challenge, &[("client_id", "")]).await).await;
    let q = format!(
        "/authorize?client_id=spa&client_id=spa&redirect_uri={REDIRECT_URI}&response_type=code"
    );
    assert_error_page(browser.get(&q).await).await;
    let q =
        format!("/authorize?client_id=spa&redirect_uri={REDIRECT_URI}&redirect_uri={REDIRECT_URI}");
    assert_error_page(browser.get(&q).await).await;
    server.stop().await;
}

async fn assert_error_redirect(resp: reqwest::Response, error: &str) {
    assert_eq!(resp.status(), 302);
    let loc = location(&resp);
    assert!(loc.starts_with(REDIRECT_URI), "{loc}");
    assert_eq!(query_param(&loc, "error").as_deref(), Some(error), "{loc}");
    assert_eq!(query_param(&loc, "state").as_deref(), Some("state-123"));
    assert!(query_param(&loc, "code").is_none());
}

#[actix_web::test]
async fn pkce_missing_or_plain_redirects_with_invalid_request() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let cases: [&[(&str, &str)]; 4] = [
        &[("code_challenge", ""), ("code_challenge_method", "")],
        &[("code_challenge_method", "")],
        &[("code_challenge_method", "plain")],
        &[("code_challenge", "too-short")],
    ];
    for extra in cases {
        assert_error_redirect(
            browser.authorize(&challenge, extra).await,
            "invalid_request",
        )
        .await;
    }
    server.stop().await;
}

#[actix_web::test]
async fn other_bad_parameters_redirect_with_the_spec_error() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[("scope", "openid admin")], "invalid_scope"),
        (&[("scope", "")], "invalid_scope"),
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("response_type", "")], "invalid_request"),
        (&[("prompt", "none login")], "invalid_request"),
        (&[("max_age", "soon")], "invalid_request"),
        (&[("response_mode", "fragment")], "invalid_request"),
    ];
    for (extra, error) in cases {
        assert_error_redirect(browser.authorize(&challenge, extra).await, error).await;
    }
    // A repeated parameter once the client and redirect URI are known.
    let q = format!(
        "/authorize?client_id=spa&redirect_uri={REDIRECT_URI}&response_type=code&scope=openid\
         &state=state-123&code_challenge={challenge}&code_challenge_method=S256&scope=api1"
    );
    assert_error_redirect(browser.get(&q).await, "invalid_request").await;
    server.stop().await;
}

#[actix_web::test]
async fn scope_outside_the_clients_allowance_is_refused() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let resp = browser
        .authorize(
            &challenge,
            &[
                ("client_id", "other"),
                ("redirect_uri", "http://localhost:7000/callback"),
                ("scope", "openid offline_access"),
            ],
        )
        .await;
    let loc = location(&resp);
    assert!(loc.starts_with("http://localhost:7000/callback"));
    assert_eq!(query_param(&loc, "error").as_deref(), Some("invalid_scope"));
    server.stop().await;
}

/// RFC 6749 section 4.1.2.1: `error_description` is %x20-21 / %x23-5B / %x5D-7E.
fn assert_description_safe(description: &str) {
    assert!(
        description
            .bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)),
        "{description}"
    );
    assert!(!description.contains("Some("), "{description}");
}

#[actix_web::test]
async fn error_descriptions_name_values_plainly_without_debug_text() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("code_challenge_method", "plain")],
            "expected code_challenge_method S256, found 'plain'",
        ),
        (
            &[("code_challenge_method", "")],
            "code_challenge_method is required",
        ),
        (
            &[("response_type", "token")],
            "expected response_type code, found 'token'",
        ),
        (&[("prompt", "wh\"at\\")], "unknown prompt 'wh?at?'"),
        (
            &[("scope", "openid \u{e9}")],
            "scope '?' is not allowed for this client",
        ),
    ];
    for (extra, expected) in cases {
        let loc = location(&browser.authorize(&challenge, extra).await);
        let description = query_param(&loc, "error_description").unwrap();
        assert_eq!(description, expected);
        assert_description_safe(&description);
    }
    let resp = browser
        .token(&[("grant_type", "pass\"word\u{e9}"), ("client_id", "spa")])
        .await;
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        body["error_description"],
        "grant_type 'pass?word?' is not supported"
    );
    server.stop().await;
}

#[actix_web::test]
async fn state_or_nonce_over_512_bytes_is_refused_before_a_sign_in_is_stored() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let long = "s".repeat(513);
    for name in ["state", "nonce"] {
        let loc = location(&browser.authorize(&challenge, &[(name, &long)]).await);
        assert!(loc.starts_with(REDIRECT_URI), "{loc}");
        assert_eq!(
            query_param(&loc, "error").as_deref(),
            Some("invalid_request")
        );
        assert_eq!(
            query_param(&loc, "error_description").unwrap(),
            format!("{name} is longer than 512 bytes")
        );
    }
    // 512 bytes are fine.
    let fits = "s".repeat(512);
    let resp = browser
        .authorize(&challenge, &[("state", &fits), ("nonce", &fits)])
        .await;
    assert!(location(&resp).starts_with("/login?request="));
    server.stop().await;
}

#[actix_web::test]
async fn one_address_cannot_hold_more_than_its_quota_of_pending_sign_ins() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let mut first = None;
    for _ in 0..identity::quota::MAX_PER_ADDRESS {
        let loc = location(&browser.authorize(&challenge, &[]).await);
        assert!(loc.starts_with("/login?request="), "{loc}");
        first.get_or_insert(loc);
    }
    let refused = location(&browser.authorize(&challenge, &[]).await);
    assert!(refused.starts_with(REDIRECT_URI), "{refused}");
    assert_eq!(
        query_param(&refused, "error").as_deref(),
        Some("temporarily_unavailable")
    );
    assert_eq!(query_param(&refused, "state").as_deref(), Some("state-123"));

    // A completed sign-in gives its slot back.
    let done = browser
        .submit_login(&first.unwrap(), "alice", "password")
        .await;
    assert_eq!(done.status(), 303);
    let other = Browser::new(&server);
    let loc = location(&other.authorize(&challenge, &[]).await);
    assert!(loc.starts_with("/login?request="), "{loc}");
    server.stop().await;
}
