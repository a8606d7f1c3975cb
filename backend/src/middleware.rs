//! Cross-cutting response behaviour: request spans and security headers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use tracing::Instrument;

/// The request id header, read from trusted callers and always returned.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A span per request with method, path (never the query, which could hold a token),
/// request id, status and latency; one `info` event when the response is ready.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = incoming_request_id(&req).unwrap_or_else(new_request_id);
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.path(),
        request_id = %request_id,
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            tracing::info!(status, latency_ms, "request finished");
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(response.map_into_boxed_body())
        }
        Err(error) => {
            tracing::warn!(%error, latency_ms, "request failed");
            Err(error)
        }
    }
}

/// Accepts a caller's id only if it is short and plain, so it cannot forge log lines.
fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let plain = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    plain.then(|| value.to_owned())
}

fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static EPOCH: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let epoch = EPOCH.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64)
    });
    format!("{epoch:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Headers every response carries unless a handler set its own.
///
/// The default CSP suits JSON and static assets; the SPA document replaces it with
/// [`crate::spa::spa_csp`].
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add(("Cross-Origin-Resource-Policy", "same-site"))
}
