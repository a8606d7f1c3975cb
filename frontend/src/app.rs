//! Routes and the page shell.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use crate::components::nav::Nav;
use crate::context::AuthProvider;
use crate::pages::{about, callback::CallbackPage, home, not_found, unauthorized};
use crate::router::{Location, RouterProvider};

/// Every page of the app. `/callback` must match the configured redirect path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Home,
    About,
    Callback,
    Unauthorized,
    NotFound,
}

impl Route {
    /// The page for a path; a trailing slash is ignored.
    pub fn recognize(path: &str) -> Self {
        match path.trim_end_matches('/') {
            "" => Self::Home,
            "/about" => Self::About,
            "/callback" => Self::Callback,
            "/unauthorized" => Self::Unauthorized,
            _ => Self::NotFound,
        }
    }

    /// The canonical path of the page.
    pub fn to_path(self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::About => "/about",
            Self::Callback => "/callback",
            Self::Unauthorized => "/unauthorized",
            Self::NotFound => "/404",
        }
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
    use_effect_with((), |_| reload_when_restored_from_cache());
    html! { <RouterProvider render={Callback::from(shell)} /> }
}

/// The page shell for a location, rendered inside the router.
fn shell(location: Location) -> Html {
    html! {
        <AuthProvider>
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
            <Nav />
            <main id="main" class="container" tabindex="-1">
                { switch(Route::recognize(&location.path)) }
            </main>
        </AuthProvider>
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
            assert_eq!(Route::recognize(route.to_path()), route);
        }
        assert_eq!(Route::recognize("/about/"), Route::About);
        assert_eq!(Route::recognize("/nope"), Route::NotFound);
        assert_eq!(Route::recognize("/about/x"), Route::NotFound);
    }
}
