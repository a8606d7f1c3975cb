//! A polite live region for progress messages.

use yew::prelude::*;

/// "Loading..."-style text that screen readers announce without interrupting.
///
/// A plain function rather than a component: it has no state, and every component costs
/// code in the wasm binary.
pub fn status(text: &'static str) -> Html {
    html! {
        <p class="status" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            { text }
        </p>
    }
}
