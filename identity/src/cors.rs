//! CORS for the endpoints a browser client calls directly (Fetch standard, CORS protocol).
//!
//! Discovery and JWKS are public metadata and allow any origin. The token, revocation and
//! userinfo endpoints answer only origins that a client registered.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::AppState;

/// Answers a preflight when the origin belongs to some registered client.
pub async fn preflight(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut response = HttpResponse::NoContent();
    response.insert_header((header::VARY, "Origin"));
    if let Some(origin) = origin(&req).filter(|o| state.settings.is_known_origin(o)) {
        response
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "authorization, content-type",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"));
    }
    response.finish()
}

/// Adds `Access-Control-Allow-Origin` when the request's origin is in `allowed`.
pub fn allow<'a>(
    req: &HttpRequest,
    mut response: HttpResponse,
    allowed: impl IntoIterator<Item = &'a String>,
) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin(req)
        && allowed.into_iter().any(|o| o == origin)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    response
}

fn origin(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::ORIGIN)?.to_str().ok()
}
