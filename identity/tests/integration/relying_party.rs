//! Sign-in driven by the `openidconnect` crate, a relying-party library that knows nothing
//! of this provider: discovery, PKCE, code exchange, ID token validation (signature, iss,
//! aud, nonce, at_hash), userinfo and refresh.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

use crate::common::*;

#[derive(Debug, thiserror::Error)]
#[error("http: {0}")]
struct HttpError(String);

/// Adapts reqwest to the library's HTTP client interface; redirects are not followed.
fn http_client(
    http: reqwest::Client,
) -> impl Fn(
    openidconnect::HttpRequest,
) -> std::pin::Pin<
    Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>,
> {
    move |req| {
        let http = http.clone();
        Box::pin(async move {
            let err = |e: &dyn std::fmt::Display| HttpError(e.to_string());
            let mut builder = http
                .request(req.method().clone(), req.uri().to_string())
                .body(req.body().clone());
            for (name, value) in req.headers() {
                builder = builder.header(name, value);
            }
            let resp = builder.send().await.map_err(|e| err(&e))?;
            let mut out = openidconnect::http::Response::builder().status(resp.status());
            for (name, value) in resp.headers() {
                out = out.header(name, value);
            }
            let body = resp.bytes().await.map_err(|e| err(&e))?.to_vec();
            out.body(body).map_err(|e| err(&e))
        })
    }
}

#[actix_web::test]
async fn openidconnect_crate_signs_in_verifies_tokens_and_refreshes() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    let http = http_client(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    );

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new("spa".into()), None)
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.into()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("api1".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The user's part: follow the authorization URL and sign in.
    let resp = browser.get(auth_url.as_str()).await;
    let login = location(&resp);
    let resp = browser.submit_login(&login, "alice", "password").await;
    let callback = location(&resp);
    assert_eq!(
        query_param(&callback, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = query_param(&callback, "code").unwrap();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("ID token");
    let id_verifier = client.id_token_verifier();
    let claims = id_token.claims(&id_verifier, &nonce).unwrap();
    assert_eq!(claims.subject().as_str(), "alice");
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned());
    assert_eq!(name.as_deref(), Some("Alice"));
    let expected = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected);

    let info: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(info.subject().as_str(), "alice");

    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().expect("refresh token"))
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert!(refreshed.refresh_token().is_some());
    assert_ne!(
        refreshed.access_token().secret(),
        tokens.access_token().secret()
    );
    server.stop().await;
}
