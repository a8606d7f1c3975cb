//! A small history router: the current location in a context, `pushState`/`replaceState`
//! for navigation, and `popstate` for Back and Forward.
//!
//! The app has five fixed paths, so it does without `yew-router`: measured here, that crate
//! (with its history and route-matching dependencies) cost about 45 KB of wasm, 19 KB gzip,
//! which is the difference between missing and meeting the size budget.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// The address bar's path and query (with its leading `?`, or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub query: String,
}

impl Location {
    fn current() -> Self {
        let location = web_sys::window().map(|w| w.location());
        let read = |f: fn(&web_sys::Location) -> Result<String, JsValue>| {
            location
                .as_ref()
                .and_then(|l| f(l).ok())
                .unwrap_or_default()
        };
        Self {
            path: read(web_sys::Location::pathname),
            query: read(web_sys::Location::search),
        }
    }
}

/// The router as components see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Router {
    location: Rc<Location>,
    changed: Callback<()>,
}

impl Router {
    /// Where the browser is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Goes to `url` (a path on this origin), adding a history entry.
    pub fn push(&self, url: &str) {
        self.navigate(url, false);
    }

    /// Goes to `url`, replacing the current history entry (`history.replaceState`).
    pub fn replace(&self, url: &str) {
        self.navigate(url, true);
    }

    fn navigate(&self, url: &str, replace: bool) {
        let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
            return;
        };
        let done = if replace {
            history.replace_state_with_url(&JsValue::NULL, "", Some(url))
        } else {
            history.push_state_with_url(&JsValue::NULL, "", Some(url))
        };
        if done.is_ok() {
            self.changed.emit(());
        }
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct RouterProviderProps {
    /// Renders the app for a location; called again whenever the location changes.
    pub render: Callback<Location, Html>,
}

/// Tracks the location and provides [`Router`] to what `render` returns.
#[function_component]
pub fn RouterProvider(props: &RouterProviderProps) -> Html {
    let location = use_state(Location::current);
    let changed = {
        let location = location.clone();
        Callback::from(move |()| location.set(Location::current()))
    };
    {
        let changed = changed.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || changed.emit(()));
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback(
                    "popstate",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(window) = &window {
                    let _ = window.remove_event_listener_with_callback(
                        "popstate",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    let router = Router {
        location: Rc::new((*location).clone()),
        changed,
    };
    html! {
        <ContextProvider<Router> context={router}>
            { props.render.emit((*location).clone()) }
        </ContextProvider<Router>>
    }
}

/// The router. Must be used below [`RouterProvider`].
#[hook]
pub fn use_router() -> Router {
    use_context::<Router>().expect("components using the router are rendered inside RouterProvider")
}
