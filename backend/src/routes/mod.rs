//! The HTTP surface: `/api/*`, health probes and icons.

mod api;
mod health;
mod icons;

use actix_web::{HttpResponse, web};

use crate::error::ApiError;

pub use icons::ICON_FILES;

/// Registers the API scope, the probes and the icons.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .service(read_only("/values").get(api::values))
            .service(read_only("/services").get(api::services))
            .service(read_only("/config").get(api::spa_config))
            .default_service(web::to(api_not_found)),
    )
    .service(read_only("/healthz").get(health::healthz))
    .service(read_only("/readyz").get(health::readyz))
    .service(read_only("/icons/{file}").get(icons::icon));
}

/// A GET-only resource whose other methods get a JSON 405 instead of an empty one.
fn read_only(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed { allow: "GET" })
}

/// Unknown `/api/...` paths answer JSON, never the SPA.
async fn api_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
