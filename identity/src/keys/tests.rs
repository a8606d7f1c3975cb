use super::*;

#[test]
fn key_is_created_once_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let first = KeyRing::open(dir.path(), 1000, 600)
        .unwrap()
        .current()
        .active()
        .kid
        .clone();
    let again = KeyRing::open(dir.path(), 2000, 600)
        .unwrap()
        .current()
        .active()
        .kid
        .clone();
    assert_eq!(first, again);
    let meta = fs::metadata(dir.path().join("signing-key-1000.pem")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

#[test]
fn rotated_key_keeps_previous_for_grace_then_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let ring = KeyRing::open(dir.path(), 1000, 600).unwrap();
    let old = ring.current().active().kid.clone();
    let new = rotate(dir.path(), 1100, 600).unwrap();
    ring.reload(1100).unwrap();
    let set = ring.current();
    assert_eq!(set.active().kid, new);
    assert!(set.published().any(|k| k.kid == old));
    ring.reload(1100 + 600).unwrap();
    assert!(!ring.current().published().any(|k| k.kid == old));
    rotate(dir.path(), 1800, 600).unwrap();
    assert!(!dir.path().join("signing-key-1000.pem").exists());
}

#[test]
fn signed_token_verifies_and_tampering_fails() {
    let dir = tempfile::tempdir().unwrap();
    let set = KeyRing::open(dir.path(), 1000, 600).unwrap().current();
    let jwt = set
        .sign("at+jwt", &serde_json::json!({"sub": "alice"}))
        .unwrap();
    let claims: serde_json::Value = set.verify(&jwt, Some("at+jwt")).unwrap();
    assert_eq!(claims["sub"], "alice");
    assert!(matches!(
        set.verify::<serde_json::Value>(&jwt, Some("JWT")),
        Err(JwtError::UnexpectedHeader { .. })
    ));
    let mut tampered = jwt.clone();
    tampered.insert_str(jwt.find('.').unwrap() + 1, "eyJ");
    assert!(set.verify::<serde_json::Value>(&tampered, None).is_err());
}

#[test]
fn thumbprint_matches_rfc7638_example() {
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    assert_eq!(
        thumbprint(n, "AQAB"),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}
