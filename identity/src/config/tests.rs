use super::*;

fn issuer() -> Issuer {
    parse_issuer("http://localhost:5001").unwrap()
}

#[test]
fn defaults_have_development_users_and_spa_client() {
    let s = Settings::from_file_config(issuer(), FileConfig::default()).unwrap();
    assert!(s.development_users);
    assert_eq!(s.access_token_lifetime, 300);
    assert!(s.client("spa").is_some());
    assert!(s.user("alice").is_some() && s.user("bob").is_some());
}

#[test]
fn unknown_key_is_rejected() {
    let err = toml::from_str::<FileConfig>("acces_token_lifetime_secs = 5").unwrap_err();
    assert!(err.message().contains("unknown field"));
}

#[test]
fn zero_lifetime_is_rejected() {
    let file = FileConfig {
        access_token_lifetime_secs: Some(0),
        ..Default::default()
    };
    assert!(Settings::from_file_config(issuer(), file).is_err());
}

#[test]
fn issuer_with_trailing_slash_or_query_is_rejected() {
    assert!(parse_issuer("http://localhost:5001/").is_err());
    assert!(parse_issuer("http://localhost:5001?x=1").is_err());
    assert!(parse_issuer("ftp://localhost").is_err());
}

#[test]
fn non_argon2id_hash_is_rejected() {
    let file: FileConfig =
        toml::from_str("[[users]]\nusername = \"x\"\npassword_hash = \"plain\"\n").unwrap();
    assert!(Settings::from_file_config(issuer(), file).is_err());
}
