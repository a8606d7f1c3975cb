//! Integration tests over real HTTP on the loopback interface.

// Helpers outside `#[test]` functions are test code too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod authorize_errors;
mod common;
mod end_session;
mod error_responses;
mod flow;
mod hardening;
mod login_page;
mod refresh;
mod relying_party;
mod restart;
