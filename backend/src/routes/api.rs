//! `/api/values`, `/api/services` and `/api/config`.

use actix_web::http::header::{CACHE_CONTROL, ContentType};
use actix_web::{HttpResponse, web};

use crate::auth::Authenticated;
use crate::state::Documents;

/// `GET /api/values`: public.
pub async fn values(docs: web::Data<Documents>) -> HttpResponse {
    json(docs.values.clone())
}

/// `GET /api/services`: requires a valid access token with the configured scope.
pub async fn services(caller: Authenticated, docs: web::Data<Documents>) -> HttpResponse {
    tracing::debug!(subject = caller.subject(), "services listed");
    let mut response = json(docs.services.clone());
    // Per-user data must not be stored by shared caches (RFC 6750 section 5.3 spirit).
    response.headers_mut().insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("private, no-store"),
    );
    response
}

/// `GET /api/config`: the SPA's OpenID Connect settings.
pub async fn spa_config(docs: web::Data<Documents>) -> HttpResponse {
    json(docs.spa_config.clone())
}

fn json(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body)
}
