//! CORS: preflight without a token, CORS headers on error responses, off by default.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::support::*;

const ORIGIN: &str = "http://localhost:8080";

#[actix_web::test]
async fn preflight_needs_no_token() {
    let issuer = unreachable_issuer();
    let (app, _) = backend_with(
        &config(&issuer, &["--cors-origins", ORIGIN]),
        TestClock::new(),
    )
    .await;
    let req = TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/api/services")
        .insert_header(("Origin", ORIGIN))
        .insert_header(("Access-Control-Request-Method", "GET"))
        .insert_header(("Access-Control-Request-Headers", "authorization"));
    let reply = send(&app, req).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    let allowed = reply
        .header("access-control-allow-headers")
        .expect("allow-headers");
    assert!(
        allowed.to_ascii_lowercase().contains("authorization"),
        "{allowed}"
    );
}

#[actix_web::test]
async fn unauthorized_response_carries_cors_headers() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let (app, _) = backend_with(
        &config(&provider.issuer, &["--cors-origins", ORIGIN]),
        TestClock::new(),
    )
    .await;
    let req = TestRequest::get()
        .uri("/api/services")
        .insert_header(("Origin", ORIGIN));
    let reply = send(&app, req).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    let exposed = reply
        .header("access-control-expose-headers")
        .expect("expose");
    assert!(
        exposed.to_ascii_lowercase().contains("www-authenticate"),
        "{exposed}"
    );
}

#[actix_web::test]
async fn cors_is_off_by_default() {
    let issuer = unreachable_issuer();
    let (app, _) = backend_with(&config(&issuer, &[]), TestClock::new()).await;
    let req = TestRequest::get()
        .uri("/api/values")
        .insert_header(("Origin", ORIGIN));
    let reply = send(&app, req).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn other_origins_get_no_cors_grant() {
    let issuer = unreachable_issuer();
    let (app, _) = backend_with(
        &config(&issuer, &["--cors-origins", ORIGIN]),
        TestClock::new(),
    )
    .await;
    let req = TestRequest::get()
        .uri("/api/values")
        .insert_header(("Origin", "https://evil.example.com"));
    let reply = send(&app, req).await;
    assert_ne!(
        reply.header("access-control-allow-origin"),
        Some("https://evil.example.com")
    );
}
