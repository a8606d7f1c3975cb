//! The top navigation bar.

use yew::prelude::*;

use crate::app::Route;
use crate::context::use_auth;
use crate::router::use_router;

/// Links to the pages and, when signed in, who is signed in.
#[function_component]
pub fn Nav() -> Html {
    let auth = use_auth();
    let router = use_router();
    let current = Route::recognize(&router.location().path);
    let link = |id: &'static str, to: Route, label: &'static str| {
        let aria_current = (current == to).then_some("page");
        let href = to.to_path();
        let router = router.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            // Let the browser handle "open in new tab" and similar.
            if e.meta_key() || e.ctrl_key() || e.shift_key() || e.alt_key() {
                return;
            }
            e.prevent_default();
            router.push(href);
        });
        html! { <a {id} {href} {onclick} aria-current={aria_current}>{ label }</a> }
    };
    let user = auth.session.as_ref().map(|s| s.display_name().to_owned());
    html! {
        <header class="topbar">
            <nav class="container nav" aria-label="Main">
                { link("nav-home", Route::Home, "Home") }
                { link("nav-about", Route::About, "About") }
                if let Some(user) = user {
                    <span class="nav-user">{ "Signed in as " }{ user }</span>
                }
            </nav>
        </header>
    }
}
