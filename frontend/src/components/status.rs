//! A polite live region for progress messages.

use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct StatusProps {
    pub text: AttrValue,
}

/// "Loading..."-style text that screen readers announce without interrupting.
#[function_component]
pub fn Status(props: &StatusProps) -> Html {
    html! {
        <p class="status" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            { props.text.clone() }
        </p>
    }
}
