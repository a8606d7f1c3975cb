//! Server-rendered pages: sign-in form, error and signed-out pages.
//!
//! Every page carries a strict Content-Security-Policy: no scripts at all, the one inline
//! stylesheet allowed by its hash, and `frame-ancestors 'none'` against clickjacking.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}\
main{max-width:24rem;margin:4rem auto;padding:2rem;background:#fff;border:1px solid #d0d4d9;\
border-radius:.5rem}h1{margin-top:0;font-size:1.5rem}label{display:block;margin-top:1rem;\
font-weight:600}input{box-sizing:border-box;width:100%;padding:.5rem;margin-top:.25rem;\
font-size:1rem;border:1px solid #8a9099;border-radius:.25rem}button{margin-top:1.5rem;\
width:100%;padding:.6rem;font-size:1rem;border:0;border-radius:.25rem;background:#0b5cad;\
color:#fff}button:focus,input:focus{outline:3px solid #f3b61f;outline-offset:1px}\
.error{color:#a4161a;background:#fdecea;padding:.5rem;border-radius:.25rem}\
.hint{color:#4a5058;font-size:.9rem}";

static STYLE_HASH: LazyLock<String> =
    LazyLock::new(|| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(STYLE))));

/// Escapes text for an HTML text node or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A complete page. `form_target` is the origin a form on this page may lead to after the
/// provider's own redirect (CSP `form-action` also governs redirects after a submission).
pub fn page(
    status: StatusCode,
    title: &str,
    body: &str,
    form_target: Option<&str>,
) -> HttpResponse {
    let form_action = match form_target {
        Some(origin) => format!("'self' {origin}"),
        None => "'none'".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; style-src {}; form-action {form_action}; frame-ancestors 'none'; \
         base-uri 'none'",
        *STYLE_HASH
    );
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n\
         <body><main>\n{body}\n</main></body></html>\n",
        escape(title)
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

pub fn error_page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"error\" role=\"alert\">{}</p>",
        escape(title),
        escape(message)
    );
    page(status, title, &body, None)
}

/// What the sign-in form shows.
#[derive(Debug)]
pub struct LoginForm<'a> {
    pub request_id: &'a str,
    pub csrf: &'a str,
    /// The client's display name (`client_name`, else its id).
    pub client_name: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    pub development_users: bool,
    pub form_target: &'a str,
}

pub fn login_page(status: StatusCode, form: &LoginForm<'_>) -> HttpResponse {
    let error = form.error.map_or(String::new(), |message| {
        format!(
            "<p id=\"login-error\" class=\"error\" role=\"alert\">{}</p>\n",
            escape(message)
        )
    });
    let described = if form.error.is_some() {
        " aria-describedby=\"login-error\""
    } else {
        ""
    };
    let hint = if form.development_users {
        "<p class=\"hint\">Development users: <code>alice</code> and <code>bob</code>, \
         password <code>password</code>.</p>\n"
    } else {
        ""
    };
    let body = format!(
        "<h1>Sign in</h1>\n<p>to continue to <strong>{client}</strong></p>\n{error}\
         <form method=\"post\" action=\"/login\">\n\
         <input type=\"hidden\" name=\"request\" value=\"{request}\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <label for=\"username\">Username</label>\n\
         <input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" \
         autocapitalize=\"none\" spellcheck=\"false\" required autofocus \
         value=\"{username}\"{described}>\n\
         <label for=\"password\">Password</label>\n\
         <input id=\"password\" name=\"password\" type=\"password\" \
         autocomplete=\"current-password\" required{described}>\n\
         <button id=\"login\" type=\"submit\">Sign in</button>\n</form>\n{hint}",
        client = escape(form.client_name),
        request = escape(form.request_id),
        csrf = escape(form.csrf),
        username = escape(form.username),
    );
    page(status, "Sign in", &body, Some(form.form_target))
}

/// Shown when the browser comes back (for example with Back) to a sign-in request that
/// already completed. `return_to` must be an address registered for the client, so the
/// link can never lead anywhere the client did not register. `signed_in` tells whether
/// this browser still has a live provider session.
pub fn completed_sign_in_page(return_to: &str, signed_in: bool) -> HttpResponse {
    let (heading, text) = if signed_in {
        (
            "You are already signed in",
            "This sign-in has been completed.",
        )
    } else {
        (
            "Sign-in already completed",
            "You are no longer signed in here. Return to the application and sign in again.",
        )
    };
    let body = format!(
        "<h1>{heading}</h1>\n<p>{text}</p>\n\
         <p><a id=\"return\" href=\"{}\">Return to the application</a></p>",
        escape(return_to)
    );
    page(StatusCode::OK, heading, &body, None)
}

pub fn signed_out_page() -> HttpResponse {
    page(
        StatusCode::OK,
        "Signed out",
        "<h1>Signed out</h1>\n<p>You are signed out of the identity provider. \
         You can close this window.</p>",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
        );
    }

    async fn body_text(resp: HttpResponse) -> String {
        let bytes = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[actix_web::test]
    async fn login_page_escapes_the_client_name() {
        let form = LoginForm {
            request_id: "r",
            csrf: "c",
            client_name: "<b>Shop & Co</b>",
            username: "",
            error: None,
            development_users: false,
            form_target: "http://localhost:5000",
        };
        let html = body_text(login_page(StatusCode::OK, &form)).await;
        assert!(html.contains("to continue to <strong>&lt;b&gt;Shop &amp; Co&lt;/b&gt;</strong>"));
    }

    #[actix_web::test]
    async fn completed_sign_in_page_escapes_the_link() {
        let page = completed_sign_in_page("http://localhost:5000/?a=\"x", true);
        let html = body_text(page).await;
        assert!(html.contains("href=\"http://localhost:5000/?a=&quot;x\""));
    }

    #[test]
    fn pages_forbid_framing_and_scripts() {
        let resp = error_page(StatusCode::BAD_REQUEST, "Bad", "msg");
        let csp = resp
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.starts_with("default-src 'none'"));
    }
}
