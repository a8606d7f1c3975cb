//! The real binary, restarted on the same data folder, keeps keys, sessions and refresh
//! tokens; `identity rotate-key` publishes a new key and keeps the old one.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::*;

struct Provider {
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn identity(dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_identity"));
    cmd.env("IDENTITY_LISTEN", format!("127.0.0.1:{port}"))
        .env("IDENTITY_ISSUER", format!("http://127.0.0.1:{port}"))
        .env("IDENTITY_DATA_DIR", dir.join("data"))
        .env("IDENTITY_CONFIG", dir.join("identity.toml"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

async fn start(dir: &Path, port: u16) -> Provider {
    let provider = Provider {
        child: identity(dir, port).spawn().unwrap(),
    };
    let url = format!("http://127.0.0.1:{port}/.well-known/openid-configuration");
    for _ in 0..200 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
            return provider;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("provider did not start on port {port}");
}

async fn kids(base: &str) -> Vec<String> {
    let jwks: Value = reqwest::get(format!("{base}/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn restart_keeps_keys_sessions_and_refresh_tokens() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("identity.toml"), test_config("")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let browser = Browser {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: base.clone(),
    };

    let provider = start(dir.path(), port).await;
    let kids_before = kids(&base).await;
    let tokens = browser.tokens("alice").await;
    drop(provider);

    // Keys, the session cookie's server row and the refresh token all survive.
    use std::os::unix::fs::PermissionsExt;
    let data = dir.path().join("data");
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let provider = start(dir.path(), port).await;
    assert_eq!(kids(&base).await, kids_before);
    let (_, challenge) = pkce();
    let resp = browser.authorize(&challenge, &[("prompt", "none")]).await;
    assert!(
        query_param(&location(&resp), "code").is_some(),
        "session survived"
    );
    let refreshed = browser
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), 200, "refresh token survived");
    let (_, at) =
        crate::flow::verify(&base, tokens["access_token"].as_str().unwrap(), "api1").await;
    assert_eq!(at["sub"], "alice");
    drop(provider);

    // Rotation: a new active key; the old one stays published, so old tokens verify.
    let status = identity(dir.path(), port)
        .arg("rotate-key")
        .status()
        .unwrap();
    assert!(status.success());
    let _provider = start(dir.path(), port).await;
    let kids_after = kids(&base).await;
    assert_eq!(kids_after.len(), 2);
    assert!(kids_after.contains(&kids_before[0]));
    crate::flow::verify(&base, tokens["access_token"].as_str().unwrap(), "api1").await;
    let fresh = browser.tokens("alice").await;
    let header = jsonwebtoken::decode_header(fresh["access_token"].as_str().unwrap()).unwrap();
    assert_ne!(
        header.kid.as_deref(),
        Some(kids_before[0].as_str()),
        "new key signs"
    );
}

#[test]
fn bad_configuration_exits_with_status_2_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("identity.toml"), "no_such_key = 1\n").unwrap();
    let out = identity(dir.path(), 1)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    let out = identity(dir.path(), 1)
        .env("IDENTITY_ISSUER", "not a url")
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
}

#[test]
fn hash_password_prints_an_argon2id_phc_string() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = identity(dir.path(), 1)
        .env_remove("IDENTITY_CONFIG")
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"s3cret\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let phc = String::from_utf8(out.stdout).unwrap();
    assert!(identity::password::verify("s3cret", phc.trim()));
    assert!(phc.starts_with("$argon2id$"));
}
