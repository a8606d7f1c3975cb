use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::keys::{KeySet, build_key_set};
use super::{KeyStore, with_causes};
use crate::config::IssuerUrl;

fn rsa_jwk(kid: &str, n_len: usize) -> serde_json::Value {
    let n = URL_SAFE_NO_PAD.encode(vec![0xC3; n_len]);
    json!({"kty": "RSA", "kid": kid, "n": n, "e": "AQAB", "use": "sig"})
}

#[test]
fn short_rsa_keys_and_private_keys_are_skipped() {
    let docs = vec![
        rsa_jwk("short", 128),
        json!({"kty": "RSA", "kid": "priv", "n": URL_SAFE_NO_PAD.encode(vec![1; 256]),
               "e": "AQAB", "d": "secret"}),
        json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
        rsa_jwk("good", 256),
    ];
    let set = build_key_set(&docs, &KeySet::default());
    assert_eq!(set.len(), 1);
    assert!(set.keys.contains_key("good"));
}

#[test]
fn unchanged_key_keeps_its_serial_and_changed_key_gets_a_new_one() {
    let first = build_key_set(&[rsa_jwk("a", 256), rsa_jwk("b", 256)], &KeySet::default());
    let changed_b = json!({"kty": "RSA", "kid": "b",
                           "n": URL_SAFE_NO_PAD.encode(vec![0xC4; 256]), "e": "AQAB"});
    let second = build_key_set(&[rsa_jwk("a", 256), changed_b], &first);
    assert_eq!(first.keys["a"].serial, second.keys["a"].serial);
    assert_ne!(first.keys["b"].serial, second.keys["b"].serial);
}

#[test]
fn alg_that_does_not_fit_the_key_is_skipped() {
    let mut jwk = rsa_jwk("a", 256);
    jwk["alg"] = json!("ES256");
    assert!(build_key_set(&[jwk], &KeySet::default()).is_empty());
}

#[derive(Debug, thiserror::Error)]
#[error("outer")]
struct Outer(#[source] Inner);

#[derive(Debug, thiserror::Error)]
#[error("inner")]
struct Inner(#[source] std::io::Error);

#[test]
fn error_message_lists_every_cause() {
    let error = Outer(Inner(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "connection refused",
    )));
    assert_eq!(with_causes(&error), "outer: inner: connection refused");
}

#[actix_web::test]
async fn unreachable_provider_error_names_the_cause() {
    // A port that was just free on loopback: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("loopback port")
        .port();
    let issuer = IssuerUrl::parse(&format!("http://127.0.0.1:{port}")).expect("issuer");
    let store = KeyStore::new(issuer, std::time::Duration::from_secs(30));
    let message = store
        .refresh()
        .await
        .expect_err("nothing listens")
        .to_string();
    assert!(
        message.to_lowercase().contains("connection refused"),
        "{message}"
    );
    assert_eq!(
        message.matches(&format!("127.0.0.1:{port}/")).count(),
        1,
        "{message}"
    );
}
