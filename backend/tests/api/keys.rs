//! Key discovery, rotation, outages and readiness.

use actix_web::http::StatusCode;

use crate::support::*;

#[actix_web::test]
async fn rotated_key_is_fetched_on_the_first_request_and_the_old_one_dies() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let (app, state) = backend_with(&config(&provider.issuer, &[]), TestClock::new()).await;
    let old = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    assert_eq!(
        services(&app, &old).await.status,
        StatusCode::OK,
        "old key before rotation"
    );

    provider.publish(vec![KEYS.rotated.jwk()]);
    let new = token_with(&provider.issuer, &KEYS.rotated, |_| {});
    assert_eq!(
        services(&app, &new).await.status,
        StatusCode::OK,
        "first request after rotation"
    );
    assert_eq!(provider.jwks_hits(), 2);

    // The old token was cached as verified; its key is gone, so the verdict is gone too.
    assert_invalid_token(&services(&app, &old).await, "signing key is unknown");
    assert!(state.keys().is_loaded());
}

#[actix_web::test]
async fn unknown_kid_refetches_at_most_once_per_cooldown() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let (app, _) = backend_with(&config(&provider.issuer, &[]), TestClock::new()).await;
    assert_eq!(provider.jwks_hits(), 1);
    let stranger = token_with(&provider.issuer, &KEYS.unpublished, |_| {});
    for _ in 0..5 {
        assert_invalid_token(&services(&app, &stranger).await, "signing key is unknown");
    }
    assert_eq!(
        provider.jwks_hits(),
        2,
        "one refetch for five unknown-kid requests"
    );
    // Known keys keep working meanwhile, without fetching.
    let known = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    assert_eq!(services(&app, &known).await.status, StatusCode::OK);
    assert_eq!(provider.jwks_hits(), 2);
}

#[actix_web::test]
async fn provider_down_with_cached_keys_still_serves() {
    let provider = Provider::start(vec![KEYS.rsa.jwk(), KEYS.ec.jwk()]).await;
    let (app, state) = backend_with(&config(&provider.issuer, &[]), TestClock::new()).await;
    provider.stop().await;
    assert!(
        state.keys().refresh().await.is_err(),
        "the provider is really down"
    );
    // Tokens never seen before, so no verdict comes from the token cache.
    let rsa = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["jti"] = "after-outage-1".into()
    });
    let ec = token_with(&provider.issuer, &KEYS.ec, |c| {
        c["jti"] = "after-outage-2".into()
    });
    assert_eq!(services(&app, &rsa).await.status, StatusCode::OK);
    assert_eq!(services(&app, &ec).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/readyz", None).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn provider_never_reachable_gives_503_with_retry_after() {
    let issuer = unreachable_issuer();
    let (app, state) = backend_with(&config(&issuer, &[]), TestClock::new()).await;
    assert!(!state.keys().is_loaded());
    let token = token_with(&issuer, &KEYS.rsa, |_| {});
    let reply = services(&app, &token).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.header("retry-after"), Some("5"));
    assert_eq!(reply.json()["error"], "temporarily_unavailable");
    // Public endpoints are unaffected.
    assert_eq!(get(&app, "/api/values", None).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/config", None).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/healthz", None).await.status, StatusCode::OK);
    let ready = get(&app, "/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.header("retry-after"), Some("5"));
}

#[actix_web::test]
async fn public_endpoint_works_with_no_provider_at_all() {
    let issuer = unreachable_issuer();
    let state = backend::AppState::new(&config(&issuer, &[]), TestClock::new()).expect("state");
    let app = actix_web::test::init_service(backend::app(state)).await;
    let reply = get(&app, "/api/values", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), serde_json::json!(["value1", "value2"]));
}

#[actix_web::test]
async fn readiness_follows_key_loading() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let state =
        backend::AppState::new(&config(&provider.issuer, &[]), TestClock::new()).expect("state");
    let app = actix_web::test::init_service(backend::app(state.clone())).await;
    assert_eq!(
        get(&app, "/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    state.keys().refresh().await.expect("refresh");
    assert_eq!(get(&app, "/readyz", None).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn discovery_with_a_different_issuer_is_refused() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    provider.claim_issuer(&format!("{}/", provider.issuer));
    let (app, state) = backend_with(&config(&provider.issuer, &[]), TestClock::new()).await;
    let error = state.keys().refresh().await.expect_err("mismatch");
    assert!(error.to_string().contains("issuer mismatch"), "{error}");
    assert!(!state.keys().is_loaded());
    let token = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    assert_eq!(
        services(&app, &token).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[actix_web::test]
async fn key_set_without_usable_keys_keeps_the_last_good_keys() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let (app, state) = backend_with(&config(&provider.issuer, &[]), TestClock::new()).await;
    provider.publish(vec![
        serde_json::json!({"kty": "oct", "kid": "h", "k": "c2VjcmV0"}),
    ]);
    assert!(state.keys().refresh().await.is_err());
    let token = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    assert_eq!(services(&app, &token).await.status, StatusCode::OK);
}

/// Polls `condition` every 20 ms for up to 5 s (loopback only, so this is quick).
async fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..250 {
        if condition() {
            return true;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[actix_web::test]
async fn background_refresher_loads_keys_and_follows_rotation() {
    let provider = Provider::start(vec![KEYS.rsa.jwk()]).await;
    let state =
        backend::AppState::new(&config(&provider.issuer, &[]), TestClock::new()).expect("state");
    let keys = state.keys().clone();
    backend::auth::jwks::spawn_refresher(keys.clone(), std::time::Duration::from_millis(50));
    assert!(
        eventually(|| keys.is_loaded()).await,
        "keys loaded in the background"
    );
    provider.publish(vec![KEYS.rotated.jwk()]);
    assert!(
        eventually(|| keys.get(KEYS.rotated.kid()).is_some() && keys.get(KEYS.rsa.kid()).is_none())
            .await,
        "scheduled refresh picked up the rotation"
    );
}
