//! What the sign-in page shows: the client's name, and pages for a request that completed
//! (the browser's Back button) or that is unknown.

use reqwest::header::CONTENT_SECURITY_POLICY;

use crate::common::{Browser, OTHER_REDIRECT_URI, REDIRECT_URI, TestServer, location, pkce};

#[actix_web::test]
async fn login_page_names_the_client_escaped() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let login = location(&browser.authorize(&challenge, &[]).await);
    let html = browser.get(&login).await.text().await.unwrap();
    assert!(
        html.contains("to continue to <strong>Example &lt;SPA&gt;</strong>"),
        "{html}"
    );
    server.stop().await;
}

#[actix_web::test]
async fn back_to_a_completed_sign_in_links_to_the_registered_application() {
    let server = TestServer::start().await;
    for (redirect_uri, home) in [
        (REDIRECT_URI, "http://localhost:5000/"),
        (OTHER_REDIRECT_URI, "http://localhost:8080/"),
    ] {
        // A fresh browser each time: with a session, /authorize would skip the sign-in page.
        let browser = Browser::new(&server);
        let (_, challenge) = pkce();
        let login = location(
            &browser
                .authorize(&challenge, &[("redirect_uri", redirect_uri)])
                .await,
        );
        let resp = browser.submit_login(&login, "alice", "password").await;
        assert_eq!(resp.status(), 303);
        let back = browser.get(&login).await;
        assert_eq!(back.status(), 200);
        let csp = back.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        let html = back.text().await.unwrap();
        assert!(html.contains("You are already signed in"), "{html}");
        assert!(
            html.contains(&format!(
                "<a id=\"return\" href=\"{home}\">Return to the application</a>"
            )),
            "{html}"
        );
        assert!(!html.contains("name=\"password\""));
        // Another browser (no provider session) is not told it is signed in.
        let html = Browser::new(&server)
            .get(&login)
            .await
            .text()
            .await
            .unwrap();
        assert!(!html.contains("already signed in"), "{html}");
        assert!(html.contains("Sign-in already completed"), "{html}");
        assert!(html.contains(&format!("href=\"{home}\"")), "{html}");
    }
    server.stop().await;
}

#[actix_web::test]
async fn completed_sign_in_is_forgotten_when_its_request_would_have_expired() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let (_, challenge) = pkce();
    let login = location(&browser.authorize(&challenge, &[]).await);
    let resp = browser.submit_login(&login, "alice", "password").await;
    assert_eq!(resp.status(), 303);
    let html = browser.get(&login).await.text().await.unwrap();
    assert!(html.contains("You are already signed in"), "{html}");
    // The pending request lived 10 minutes from /authorize; the record lives no longer.
    server.state.clock.advance(601);
    let html = browser.get(&login).await.text().await.unwrap();
    assert!(html.contains("Sign-in request expired"), "{html}");
    server.stop().await;
}

#[actix_web::test]
async fn unknown_sign_in_request_says_what_to_do() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let resp = browser.get("/login?request=no-such-request").await;
    let html = resp.text().await.unwrap();
    assert!(html.contains("Sign-in request expired"), "{html}");
    assert!(html.contains("use its Sign in button"), "{html}");
    assert!(!html.contains("Return to the application</a>"));
    server.stop().await;
}
