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
            .service(web::resource("/values").get(api::values))
            .service(web::resource("/services").get(api::services))
            .service(web::resource("/config").get(api::spa_config))
            .default_service(web::to(api_not_found)),
    )
    .service(web::resource("/healthz").get(health::healthz))
    .service(web::resource("/readyz").get(health::readyz))
    .service(web::resource("/icons/{file}").get(icons::icon));
}

/// Unknown `/api/...` paths answer JSON, never the SPA.
async fn api_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
