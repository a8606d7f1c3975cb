//! One access-token validation, RS256 and ES256, with and without the verified-token cache.
//!
//! `cargo bench -p backend --bench validate` measures the aws-lc-rs provider;
//! add `--features rust-crypto` to measure jsonwebtoken's RustCrypto provider beside it.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use backend::auth::{KeyStore, Policy, SystemClock, Validator};
use backend::config::IssuerUrl;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::crypto::CryptoProvider;
use serde_json::{Value, json};

const ISSUER: &str = "https://idp.example.com";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

struct Fixture {
    jwks: Value,
    rs256: String,
    es256: String,
}

fn fixture() -> Fixture {
    let rng = SystemRandom::new();
    let rsa = RsaKeyPair::generate(KeySize::Rsa2048).expect("rsa");
    let ec = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).expect("ec");
    let point = ec.public_key().as_ref();
    let jwks = json!({"keys": [
        {"kty": "RSA", "kid": "r", "alg": "RS256", "use": "sig",
         "n": b64(rsa.public_key().modulus().big_endian_without_leading_zero()),
         "e": b64(rsa.public_key().exponent().big_endian_without_leading_zero())},
        {"kty": "EC", "kid": "e", "alg": "ES256", "crv": "P-256",
         "x": b64(&point[1..33]), "y": b64(&point[33..65])},
    ]});
    let now = SystemClock::now_secs();
    let claims = json!({"iss": ISSUER, "sub": "alice", "aud": "api1", "client_id": "spa",
        "scope": "openid profile api1", "name": "Alice", "iat": now, "exp": now + 3600,
        "jti": "bench"});
    let input = |alg: &str, kid: &str| {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": kid});
        format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        )
    };
    let rs_input = input("RS256", "r");
    let mut rs_sig = vec![0; rsa.public_modulus_len()];
    rsa.sign(
        &signature::RSA_PKCS1_SHA256,
        &rng,
        rs_input.as_bytes(),
        &mut rs_sig,
    )
    .expect("sign");
    let es_input = input("ES256", "e");
    let es_sig = ec.sign(&rng, es_input.as_bytes()).expect("sign");
    Fixture {
        jwks,
        rs256: format!("{rs_input}.{}", b64(&rs_sig)),
        es256: format!("{es_input}.{}", b64(es_sig.as_ref())),
    }
}

fn validator(jwks: &Value, cache: u64, crypto: &'static CryptoProvider) -> Validator {
    let keys = Arc::new(KeyStore::new(
        IssuerUrl::parse(ISSUER).expect("issuer"),
        Duration::ZERO,
    ));
    keys.install(jwks).expect("keys");
    let policy = Policy {
        issuer: ISSUER.into(),
        audience: "api1".into(),
        leeway_secs: 60,
        require_at_jwt: false,
    };
    Validator::with_crypto(policy, keys, Arc::new(SystemClock), cache, crypto)
}

fn providers() -> Vec<(&'static str, &'static CryptoProvider)> {
    #[allow(unused_mut)]
    let mut list = vec![("aws_lc_rs", &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER)];
    #[cfg(feature = "rust-crypto")]
    list.push((
        "rust_crypto",
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    ));
    list
}

fn bench(c: &mut Criterion) {
    let fixture = fixture();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("validate");
    for (name, crypto) in providers() {
        let uncached = validator(&fixture.jwks, 0, crypto);
        for (alg, token) in [("RS256", &fixture.rs256), ("ES256", &fixture.es256)] {
            runtime
                .block_on(uncached.validate(token))
                .expect("valid token");
            group.bench_function(format!("{alg}/{name}/uncached"), |b| {
                b.iter(|| runtime.block_on(uncached.validate(token)).expect("valid"))
            });
        }
    }
    let cached = validator(
        &fixture.jwks,
        10_000,
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
    for (alg, token) in [("RS256", &fixture.rs256), ("ES256", &fixture.es256)] {
        runtime
            .block_on(cached.validate(token))
            .expect("valid token");
        group.bench_function(format!("{alg}/cached"), |b| {
            b.iter(|| runtime.block_on(cached.validate(token)).expect("valid"))
        });
        // What the extractor does on a hit: no future, no runtime.
        group.bench_function(format!("{alg}/cached_sync"), |b| {
            b.iter(|| cached.cached(token).expect("cached"))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches, parts_group);

/// What a cache hit is made of: the token digest, the cache lookup, and (to subtract from
/// the numbers above) the cost of driving one future to completion.
fn parts(c: &mut Criterion) {
    use sha2::{Digest, Sha256};
    let fixture = fixture();
    let token = fixture.rs256.clone();
    c.bench_function("parts/sha256", |b| {
        b.iter(|| Sha256::digest(std::hint::black_box(&token)))
    });
    let cache: moka::sync::Cache<[u8; 32], Arc<String>> = moka::sync::Cache::new(10_000);
    let key: [u8; 32] = Sha256::digest(&token).into();
    cache.insert(key, Arc::new(token.clone()));
    c.bench_function("parts/moka_get", |b| {
        b.iter(|| cache.get(std::hint::black_box(&key)))
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    c.bench_function("parts/block_on", |b| {
        b.iter(|| runtime.block_on(async { std::hint::black_box(1) }))
    });
}
criterion_group!(parts_group, parts);
