//! Routes and the page shell.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::nav::Nav;
use crate::context::AuthProvider;
use crate::pages::{about, callback::CallbackPage, home, not_found, unauthorized};

/// Every page of the app. `/callback` must match the configured redirect path.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/about")]
    About,
    #[at("/callback")]
    Callback,
    #[at("/unauthorized")]
    Unauthorized,
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// Where to go after signing in: `return_path` if it is a safe path of this app, home
/// otherwise. The callback and unauthorized pages are never a destination: reached with
/// nothing to complete, or with an error text taken from the link, they would leave a user
/// who has just signed in on a page that is stuck or says sign-in failed.
pub fn landing_path(return_path: &str) -> &str {
    let path = crate::auth::safe_return_path(return_path);
    let route_path = path.split(['?', '#']).next().unwrap_or(path);
    match Route::recognize(route_path) {
        Some(Route::Callback | Route::Unauthorized) => "/",
        _ => path,
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Home => home::page(),
        Route::About => about::page(),
        Route::Callback => html! { <CallbackPage /> },
        Route::Unauthorized => html! { <unauthorized::UnauthorizedPage /> },
        Route::NotFound => not_found::page(),
    }
}

/// The root component.
#[function_component]
pub fn App() -> Html {
    use_effect_with((), |_| {
        remove_boot_message();
        reload_when_restored_from_cache();
    });
    html! {
        <BrowserRouter>
            <AuthProvider>
                <a class="skip-link" href="#main">{ "Skip to content" }</a>
                <Nav />
                <main id="main" class="container" tabindex="-1">
                    <Switch<Route> render={switch} />
                </main>
            </AuthProvider>
        </BrowserRouter>
    }
}

/// index.html shows a message until the app has rendered, so a page whose wasm fails to load
/// or start is never blank; once this component is on screen it is no longer needed.
fn remove_boot_message() {
    if let Some(message) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("boot"))
    {
        message.remove();
    }
}

/// A page restored from the back-forward cache would keep showing "Signing you in..." from
/// before it left for the provider; reloading it lets the guard see what really happened.
fn reload_when_restored_from_cache() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = Closure::<dyn Fn(web_sys::PageTransitionEvent)>::new(
        |event: web_sys::PageTransitionEvent| {
            if event.persisted()
                && let Some(window) = web_sys::window()
            {
                let _ = window.location().reload();
            }
        },
    );
    let _ = window.add_event_listener_with_callback("pageshow", listener.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    listener.forget();
}

#[cfg(test)]
#[cfg(target_arch = "wasm32")]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn paths_map_to_pages_and_back() {
        for route in [
            Route::Home,
            Route::About,
            Route::Callback,
            Route::Unauthorized,
        ] {
            assert_eq!(Route::recognize(&route.to_path()), Some(route));
        }
        assert_eq!(Route::recognize("/about/"), Some(Route::About));
        assert_eq!(Route::recognize("/nope"), Some(Route::NotFound));
        assert_eq!(Route::recognize("/about/x"), Some(Route::NotFound));
    }

    #[wasm_bindgen_test]
    fn sign_in_never_lands_on_the_callback_or_unauthorized_page() {
        for (return_path, landing) in [
            ("/about", "/about"),
            ("/about?tab=2#top", "/about?tab=2#top"),
            ("/nope", "/nope"),
            ("/callback", "/"),
            ("/callback/", "/"),
            ("/callback?code=x&state=y", "/"),
            ("/unauthorized?error=fake&error_description=Fake", "/"),
            ("/unauthorized#x", "/"),
            ("//evil.example/", "/"),
            ("https://evil.example/", "/"),
        ] {
            assert_eq!(landing_path(return_path), landing, "{return_path}");
        }
    }
}
