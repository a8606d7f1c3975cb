//! SPA hosting, icons, JSON 404s and security headers.

use actix_web::http::StatusCode;

use crate::support::*;

const INDEX: &str = "<!doctype html><html><head>\
    <link rel=\"modulepreload\" href=\"/frontend-1.js\"></head><body>\
    <script type=\"module\">import init from '/frontend-1.js';await init('/frontend-1_bg.wasm');</script>\
    </body></html>";

fn built_spa() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), INDEX).expect("index");
    std::fs::write(
        dir.path().join("frontend-1.js"),
        "export default function(){}",
    )
    .expect("js");
    dir
}

async fn app_with_spa(dir: &std::path::Path) -> impl TestApp + use<> {
    let issuer = unreachable_issuer();
    let config = config(&issuer, &["--static-dir", dir.to_str().expect("utf-8")]);
    backend_with(&config, TestClock::new()).await.0
}

#[actix_web::test]
async fn client_routes_fall_back_to_index_html() {
    let dir = built_spa();
    let app = app_with_spa(dir.path()).await;
    for path in ["/", "/about", "/callback?code=x&state=y", "/index.html"] {
        let reply = get(&app, path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(String::from_utf8_lossy(&reply.body), INDEX, "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{path}");
        assert!(
            reply
                .header("content-type")
                .expect("type")
                .starts_with("text/html")
        );
    }
}

#[actix_web::test]
async fn index_csp_admits_its_inline_loader_by_hash_and_wasm() {
    let dir = built_spa();
    let app = app_with_spa(dir.path()).await;
    let reply = get(&app, "/about", None).await;
    let csp = reply.header("content-security-policy").expect("csp");
    let expected = backend::spa::spa_csp(INDEX, "http://127.0.0.1:1");
    let script_src = |csp: &str| {
        csp.split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .map(str::to_owned)
    };
    assert_eq!(script_src(csp), script_src(&expected));
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("'sha256-"),
        "{csp}"
    );
    assert!(
        !script_src(csp)
            .expect("script-src")
            .contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        csp.contains("connect-src 'self' http://127.0.0.1:"),
        "{csp}"
    );
}

#[actix_web::test]
async fn existing_assets_are_served_and_missing_ones_are_404() {
    let dir = built_spa();
    let app = app_with_spa(dir.path()).await;
    let reply = get(&app, "/frontend-1.js", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header("content-type")
            .expect("type")
            .contains("javascript")
    );
    assert_eq!(
        get(&app, "/missing.js", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/../Cargo.toml", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/%2e%2e/Cargo.toml", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn unknown_api_paths_get_json_404() {
    let dir = built_spa();
    let app = app_with_spa(dir.path()).await;
    for path in ["/api/nope", "/api/", "/api/values/extra"] {
        let reply = get(&app, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.json()["error"], "not_found", "{path}");
    }
}

#[actix_web::test]
async fn missing_static_dir_gives_a_helpful_page() {
    let issuer = unreachable_issuer();
    let (app, _) = backend_with(&config(&issuer, &[]), TestClock::new()).await;
    let reply = get(&app, "/about", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let page = String::from_utf8_lossy(&reply.body);
    assert!(
        page.contains("has not been built") && page.contains("BACKEND_STATIC_DIR"),
        "{page}"
    );
    assert_eq!(get(&app, "/api/values", None).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn responses_carry_security_headers() {
    let dir = built_spa();
    let app = app_with_spa(dir.path()).await;
    for path in ["/api/values", "/about", "/api/services"] {
        let reply = get(&app, path, None).await;
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert!(
            reply
                .header("content-security-policy")
                .expect("csp")
                .contains("frame-ancestors 'none'")
        );
        assert!(reply.header("x-request-id").is_some(), "{path}");
    }
}

#[actix_web::test]
async fn every_listed_icon_is_served_as_svg() {
    let issuer = unreachable_issuer();
    let (app, _) = backend_with(&config(&issuer, &[]), TestClock::new()).await;
    let listed: Vec<shared::Service> =
        serde_json::from_str(&std::fs::read_to_string(services_file()).expect("read"))
            .expect("json");
    assert_eq!(listed.len(), 4);
    for service in listed {
        let reply = get(&app, &service.icon_uri, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", service.icon_uri);
        assert_eq!(reply.header("content-type"), Some("image/svg+xml"));
        assert!(String::from_utf8_lossy(&reply.body).starts_with("<svg"));
        assert!(service.uri.starts_with("https://"), "{}", service.uri);
    }
    assert_eq!(
        get(&app, "/icons/nope.svg", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn method_not_allowed_names_the_allowed_methods() {
    let issuer = unreachable_issuer();
    let (app, _) = backend_with(&config(&issuer, &[]), TestClock::new()).await;
    for (req, allow) in [
        (
            actix_web::test::TestRequest::post().uri("/api/values"),
            "GET",
        ),
        (
            actix_web::test::TestRequest::delete().uri("/api/services"),
            "GET",
        ),
        (actix_web::test::TestRequest::put().uri("/healthz"), "GET"),
        (
            actix_web::test::TestRequest::post().uri("/icons/devops.svg"),
            "GET",
        ),
        (
            actix_web::test::TestRequest::delete().uri("/about"),
            "GET, HEAD",
        ),
        (actix_web::test::TestRequest::post().uri("/"), "GET, HEAD"),
    ] {
        let reply = send(&app, req).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{allow}");
        assert_eq!(reply.header("allow"), Some(allow));
    }
}

#[actix_web::test]
async fn other_methods_get_json_405() {
    let issuer = unreachable_issuer();
    let (app, _) = backend_with(&config(&issuer, &[]), TestClock::new()).await;
    let req = actix_web::test::TestRequest::post().uri("/api/values");
    let reply = send(&app, req).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.json()["error"], "method_not_allowed");
    let req = actix_web::test::TestRequest::delete().uri("/about");
    assert_eq!(send(&app, req).await.status, StatusCode::METHOD_NOT_ALLOWED);
}
