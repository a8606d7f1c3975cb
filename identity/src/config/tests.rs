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

#[test]
fn client_name_is_read_and_defaults_to_the_client_id() {
    let file: FileConfig = toml::from_str(
        "[[clients]]\nclient_id = \"a\"\nclient_name = \"App A\"\n\
         redirect_uris = [\"http://localhost:7000/cb\"]\nallowed_scopes = [\"openid\"]\n\
         [[clients]]\nclient_id = \"b\"\n\
         redirect_uris = [\"http://localhost:7001/cb\"]\nallowed_scopes = [\"openid\"]\n",
    )
    .unwrap();
    let s = Settings::from_file_config(issuer(), file).unwrap();
    assert_eq!(s.client("a").unwrap().display_name(), "App A");
    assert_eq!(s.client("b").unwrap().display_name(), "b");
}

#[test]
fn development_client_has_a_readable_name() {
    let s = Settings::from_file_config(issuer(), FileConfig::default()).unwrap();
    assert_eq!(s.client("spa").unwrap().display_name(), "Example SPA");
}

#[test]
fn empty_client_name_is_rejected() {
    let file: FileConfig = toml::from_str(
        "[[clients]]\nclient_id = \"a\"\nclient_name = \" \"\n\
         redirect_uris = [\"http://localhost:7000/cb\"]\nallowed_scopes = [\"openid\"]\n",
    )
    .unwrap();
    assert!(Settings::from_file_config(issuer(), file).is_err());
}

/// Parses `args` as if no `IDENTITY_*` variable were set.
fn parse_without_env(args: &[OsString]) -> clap::Error {
    use clap::CommandFactory;
    shared::cli::without_env(Cli::command())
        .try_get_matches_from(args)
        .unwrap_err()
}

#[test]
fn bad_value_from_the_environment_names_the_variable() {
    let error = parse_without_env(&["identity".into(), "--listen".into(), "nope".into()]);
    // As if the value had come from IDENTITY_LISTEN: the flag is not on the command line.
    let line = Cli::describe_parse_error(&error, &["identity".into()], |name| {
        name == "IDENTITY_LISTEN"
    });
    assert!(
        line.starts_with("invalid value 'nope' for '--listen"),
        "{line}"
    );
    assert!(line.ends_with(" (from IDENTITY_LISTEN)"), "{line}");
}

#[test]
fn bad_value_on_the_command_line_names_only_the_flag() {
    let args = ["identity".into(), "--listen=nope".into()];
    let error = parse_without_env(&args);
    let line = Cli::describe_parse_error(&error, &args, |_| true);
    assert!(!line.contains("(from"), "{line}");
}
