//! End-to-end tests of the API through the same `backend::app` that `main` serves, against
//! a discovery + JWKS provider running on loopback inside the test process.

mod claims;
mod config;
mod cors;
mod keys;
mod spa;
mod support;
mod tokens;
