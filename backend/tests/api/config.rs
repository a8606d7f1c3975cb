//! The binary refuses bad configuration with one line and exit code 2.

use std::process::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_backend"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("run backend");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_config_error(args: &[&str], env: &[(&str, &str)], needle: &str) {
    let (code, stderr) = run(args, env);
    assert_eq!(code, Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn plain_http_issuer_on_a_public_host_is_refused() {
    assert_config_error(
        &[],
        &[("BACKEND_ISSUER", "http://idp.example.com")],
        "must use https",
    );
}

#[test]
fn unparsable_issuer_is_refused() {
    assert_config_error(&["--issuer", "not a url"], &[], "not a URL");
}

#[test]
fn bad_listen_address_is_refused() {
    assert_config_error(&[], &[("BACKEND_LISTEN", "localhost")], "--listen");
}

#[test]
fn bad_leeway_is_refused() {
    assert_config_error(&[], &[("BACKEND_LEEWAY_SECS", "-5")], "--leeway-secs");
    assert_config_error(&[], &[("BACKEND_LEEWAY_SECS", "100000")], "--leeway-secs");
}

#[test]
fn bad_cors_origin_is_refused() {
    assert_config_error(
        &[],
        &[("BACKEND_CORS_ORIGINS", "http://localhost:8080/app")],
        "origin",
    );
}

#[test]
fn missing_services_file_is_refused() {
    assert_config_error(
        &[],
        &[("BACKEND_SERVICES_FILE", "/nonexistent/services.json")],
        "cannot read services file",
    );
}
