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
