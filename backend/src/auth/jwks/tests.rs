use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::keys::{KeySet, build_key_set};

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
