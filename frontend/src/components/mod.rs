//! Widgets shared by several pages.

pub mod account;
pub mod error_banner;
pub mod guard;
pub mod nav;
pub mod provider_error;
pub mod status;
