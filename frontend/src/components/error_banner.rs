//! A visible, announced error message.

use yew::prelude::*;

/// An error box with class `error`, announced by screen readers (`role="alert"`): a title,
/// the detail as text, and optional actions such as a retry button.
pub fn error_banner(title: &'static str, message: impl Into<AttrValue>, actions: Html) -> Html {
    html! {
        <div class="error" role="alert">
            <strong>{ title }</strong>
            <p>{ message.into() }</p>
            { actions }
        </div>
    }
}
