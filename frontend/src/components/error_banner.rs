//! A visible, announced error message.

use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct ErrorBannerProps {
    /// A title such as "Sign-in failed".
    pub title: AttrValue,
    /// The detail, shown as text.
    pub message: AttrValue,
    /// Actions such as a retry button.
    #[prop_or_default]
    pub children: Html,
}

/// An error box with class `error`, announced by screen readers (`role="alert"`).
#[function_component]
pub fn ErrorBanner(props: &ErrorBannerProps) -> Html {
    html! {
        <div class="error" role="alert">
            <strong>{ props.title.clone() }</strong>
            <p>{ props.message.clone() }</p>
            { props.children.clone() }
        </div>
    }
}
