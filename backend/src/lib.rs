//! The API: a bearer-protected Actix service that also hosts the single-page app.
//!
//! [`app`] builds the whole application; `main` and the tests use the same function.

pub mod auth;
pub mod config;
pub mod error;
pub mod middleware;
pub mod routes;
pub mod spa;
pub mod state;

use actix_cors::Cors;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, web};

pub use config::Config;
pub use state::{AppState, StartupError};

use crate::auth::RequiredScope;

/// The application: routes, SPA fallback, CORS, security headers and request spans.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors_enabled = !state.cors_origins.is_empty();
    let cors = cors(&state.cors_origins);
    App::new()
        .app_data(web::Data::from(state.validator.clone()))
        .app_data(web::Data::new(RequiredScope(state.required_scope.clone())))
        .app_data(web::Data::new(state.documents.clone()))
        .app_data(web::Data::new(state.spa.clone()))
        .configure(routes::configure)
        .default_service(web::to(spa::serve))
        .wrap(Condition::new(cors_enabled, cors))
        .wrap(middleware::security_headers())
        .wrap(from_fn(middleware::request_span))
}

/// CORS for the configured origins. Preflight is answered here, before any route, so it
/// needs no token; error responses (401, 403, 503) carry the CORS headers too, so a
/// browser client can read the `WWW-Authenticate` challenge.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allowed_headers([header::AUTHORIZATION, header::ACCEPT, header::CONTENT_TYPE])
        .expose_headers([header::WWW_AUTHENTICATE, header::RETRY_AFTER])
        .max_age(600)
}
