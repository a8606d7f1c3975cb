//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::auth::Validator;
use crate::error::ApiError;

/// `GET /healthz`: the process is serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: ready once the provider's signing keys have been loaded.
pub async fn readyz(validator: web::Data<Validator>) -> Result<HttpResponse, ApiError> {
    if validator.keys().is_loaded() {
        Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
    } else {
        Err(ApiError::KeysUnavailable)
    }
}
