//! One module per route.

pub mod about;
pub mod callback;
pub mod home;
pub mod not_found;
pub mod unauthorized;
