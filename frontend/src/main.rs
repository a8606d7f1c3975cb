//! A single-page app that signs users in with OpenID Connect and calls a protected API.
//!
//! The browser code compiles for `wasm32` only; on other targets the crate builds its pure
//! modules so their unit tests run natively.

// The pure modules are only used by the browser code; native builds compile them for tests.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]

mod api;
// Written as a self-contained client library: the app does not use every part of its API.
#[allow(dead_code)]
mod auth;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod context;
#[cfg(target_arch = "wasm32")]
mod pages;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<app::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the frontend runs in a browser: build it with `trunk build`");
    std::process::exit(2);
}
