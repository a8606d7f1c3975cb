//! The service icons, compiled into the binary so the page renders with no network and no
//! dependency on the working directory.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::error::ApiError;

/// Every icon served under `/icons/`, by file name.
pub const ICON_FILES: &[(&str, &[u8])] = &[
    (
        "development.svg",
        include_bytes!("../../icons/development.svg"),
    ),
    (
        "innovation-and-design.svg",
        include_bytes!("../../icons/innovation-and-design.svg"),
    ),
    (
        "data-and-analytics.svg",
        include_bytes!("../../icons/data-and-analytics.svg"),
    ),
    ("devops.svg", include_bytes!("../../icons/devops.svg")),
];

/// `GET /icons/{file}`.
pub async fn icon(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (_, bytes) = ICON_FILES
        .iter()
        .find(|(name, _)| *name == file.as_str())
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/svg+xml"))
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        // An SVG opened directly is a document; it needs nothing but its own styles.
        .insert_header((
            CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(*bytes))
}
