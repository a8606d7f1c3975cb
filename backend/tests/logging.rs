//! Request logging: one event per request with the status, and never a token.
//!
//! A binary of its own: the subscriber installed here must not race with other tests'
//! first use of the same tracing call sites.

#[allow(dead_code)]
#[path = "api/support.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;

use crate::support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn requests_are_logged_without_tokens() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (provider, app, _) = setup().await;
    let good = token_with(&provider.issuer, &KEYS.rsa, |_| {});
    let bad = token_with(&provider.issuer, &KEYS.rsa, |c| {
        c["aud"] = "elsewhere".into()
    });
    assert_eq!(services(&app, &good).await.status, StatusCode::OK);
    assert_eq!(services(&app, &bad).await.status, StatusCode::UNAUTHORIZED);
    let query = format!("/api/values?access_token={good}");
    assert_eq!(get(&app, &query, None).await.status, StatusCode::OK);

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(log.contains("request finished"), "{log}");
    assert!(
        log.contains("status=401") && log.contains("request_id="),
        "{log}"
    );
    for token in [&good, &bad] {
        for part in token.split('.') {
            assert!(!log.contains(part), "a token part was logged");
        }
    }
}
