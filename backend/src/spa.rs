//! Hosting of the built single-page app with an `index.html` fallback, so client-side
//! routes such as `/about` and `/callback` survive a reload.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, ContentType};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::SpaSettings;

/// Serves a file of the static folder, or `index.html` for extension-less paths.
///
/// A path whose last segment has an extension (`/missing.js`) and does not exist is a
/// 404: answering HTML for a script would only hide the mistake.
pub async fn serve(
    req: HttpRequest,
    spa: web::Data<SpaSettings>,
) -> Result<HttpResponse, ApiError> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" });
    }
    let Some(relative) = safe_relative_path(req.path()) else {
        return Err(ApiError::NotFound);
    };
    let is_index = relative.as_os_str().is_empty() || relative == Path::new("index.html");
    if !is_index {
        let candidate = spa.static_dir.join(&relative);
        if candidate.is_file() {
            let file = NamedFile::open_async(&candidate)
                .await
                .map_err(|_| ApiError::NotFound)?;
            return Ok(file.into_response(&req));
        }
        if relative.extension().is_some() {
            return Err(ApiError::NotFound);
        }
    }
    Ok(index(&spa).await)
}

/// `index.html`, never cached without revalidation, with a CSP that admits exactly its
/// own inline scripts (by hash) and the provider's origin.
async fn index(spa: &SpaSettings) -> HttpResponse {
    let path = spa.static_dir.join("index.html");
    let read = web::block(move || std::fs::read(path)).await;
    let Ok(Ok(html)) = read else {
        return missing_build(&spa.static_dir);
    };
    let csp = spa_csp(&String::from_utf8_lossy(&html), &spa.issuer_origin);
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((CACHE_CONTROL, "no-cache"))
        .insert_header((CONTENT_SECURITY_POLICY, csp))
        .body(html)
}

/// The Content-Security-Policy for the SPA document.
///
/// `'wasm-unsafe-eval'` lets the page compile its WebAssembly without allowing `eval`;
/// Trunk's inline `<script type="module">` loader is admitted by its SHA-256 (CSP Level 3
/// hash source), so no `'unsafe-inline'` is needed for scripts. Styles allow inline
/// because component libraries set `style` attributes.
pub fn spa_csp(html: &str, issuer_origin: &str) -> String {
    let hashes: String = inline_scripts(html)
        .map(|body| {
            format!(
                " 'sha256-{}'",
                STANDARD.encode(Sha256::digest(body.as_bytes()))
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self' {issuer_origin}; frame-src {issuer_origin}; \
         form-action 'self' {issuer_origin}; object-src 'none'; base-uri 'self'; \
         frame-ancestors 'none'"
    )
}

/// The text of every `<script>` element without a `src` attribute.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let start = find_ascii_ci(rest, "<script")?;
            let after = &rest[start + "<script".len()..];
            let open_end = after.find('>')?;
            let attributes = &after[..open_end];
            let body_and_more = &after[open_end + 1..];
            let close = find_ascii_ci(body_and_more, "</script")?;
            rest = &body_and_more[close..];
            if !attributes.to_ascii_lowercase().contains("src=") {
                return Some(&body_and_more[..close]);
            }
        }
    })
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// A request path as a relative file path, or `None` for anything that could leave the
/// folder or reach hidden files (`..`, `.git`, backslashes, NUL).
fn safe_relative_path(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let decoded = percent_decode(segment)?;
        if decoded.starts_with('.') || decoded.contains(['\\', '\0', '/']) {
            return None;
        }
        out.push(decoded);
    }
    Some(out)
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Shown instead of the app when the SPA has not been built.
fn missing_build(dir: &Path) -> HttpResponse {
    let dir = html_escape(&dir.display().to_string());
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>SPA not built</title></head><body>\
         <h1>The single-page app has not been built</h1>\
         <p>No <code>index.html</code> was found in <code>{dir}</code>.</p>\
         <p>Build it with <code>cargo xtask dev</code> (or <code>trunk build</code> in the \
         workspace root), or point <code>BACKEND_STATIC_DIR</code> at a built <code>dist</code> \
         folder. The API under <code>/api/</code> works without it.</p></body></html>"
    );
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
        .content_type(ContentType::html())
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body)
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_hidden_paths_are_refused() {
        assert_eq!(safe_relative_path("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative_path("/a/b.js"), Some(PathBuf::from("a/b.js")));
        assert_eq!(safe_relative_path("/../etc/passwd"), None);
        assert_eq!(safe_relative_path("/%2e%2e/etc/passwd"), None);
        assert_eq!(safe_relative_path("/a%2fb"), None);
        assert_eq!(safe_relative_path("/.git/config"), None);
    }

    #[test]
    fn csp_hashes_inline_module_script_only() {
        let html = "<script type=\"module\">import init from '/a.js';</script>\
                    <SCRIPT src=\"/b.js\"></SCRIPT>";
        let csp = spa_csp(html, "http://localhost:5001");
        let expected = STANDARD.encode(Sha256::digest(b"import init from '/a.js';"));
        assert!(csp.contains(&format!("'sha256-{expected}'")));
        assert_eq!(csp.matches("'sha256-").count(), 1);
        assert!(csp.contains("connect-src 'self' http://localhost:5001"));
        assert!(
            !csp.contains("unsafe-inline';") || csp.contains("style-src 'self' 'unsafe-inline'")
        );
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"));
    }
}
