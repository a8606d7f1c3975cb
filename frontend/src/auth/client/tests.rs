use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::*;
use crate::auth::discovery::ProviderMetadata;

const NOW: i64 = 1_700_000_000;
const ISSUER: &str = "http://localhost:5001";

/// A client for a provider with, or without, the optional end-session and revocation
/// endpoints.
fn client(optional_endpoints: bool) -> OidcClient {
    let metadata = ProviderMetadata {
        issuer: ISSUER.into(),
        authorization_endpoint: format!("{ISSUER}/authorize"),
        token_endpoint: format!("{ISSUER}/token"),
        end_session_endpoint: optional_endpoints.then(|| format!("{ISSUER}/end-session")),
        revocation_endpoint: optional_endpoints.then(|| format!("{ISSUER}/revoke")),
        code_challenge_methods_supported: Some(vec!["S256".into()]),
        authorization_response_iss_parameter_supported: true,
    };
    let settings = ClientSettings {
        authority: ISSUER.into(),
        client_id: "spa".into(),
        scope: "openid profile api1".into(),
        redirect_uri: "http://localhost:8080/callback".into(),
        post_logout_redirect_uri: "http://localhost:8080/".into(),
        leeway_secs: 60,
        extra_authorize_params: Vec::new(),
    };
    OidcClient::new(settings, metadata)
}

fn randomness() -> RequestRandomness {
    RequestRandomness {
        state: [1; 32],
        nonce: [2; 32],
        verifier: [3; 32],
    }
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn id_token(nonce: Option<&str>, sub: &str) -> String {
    let mut claims = json!({
        "iss": ISSUER, "sub": sub, "aud": "spa", "azp": "spa",
        "exp": NOW + 300, "iat": NOW, "name": "Alice"
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

fn token_response(id_token: Option<String>, refresh: Option<&str>) -> TokenResponse {
    TokenResponse {
        access_token: "access".into(),
        token_type: "Bearer".into(),
        expires_in: Some(300),
        refresh_token: refresh.map(Into::into),
        id_token,
    }
}

#[test]
fn new_request_encodes_randomness_and_keeps_return_path() {
    let request = client(true).new_request("/about", &randomness(), NOW);
    assert_eq!(request.state, URL_SAFE_NO_PAD.encode([1u8; 32]));
    assert_eq!(request.nonce, URL_SAFE_NO_PAD.encode([2u8; 32]));
    assert_eq!(request.code_verifier.len(), 43);
    assert_eq!(request.return_path, "/about");
    assert_eq!(request.created_at, NOW);
}

#[test]
fn authorization_url_carries_every_parameter() {
    let client = client(true);
    let request = client.new_request("/about", &randomness(), NOW);
    let challenge = CodeVerifier::from_stored(request.code_verifier.clone()).challenge();
    let url = client.authorization_url(&request, &challenge);
    assert!(url.starts_with("http://localhost:5001/authorize?"), "{url}");
    let expected: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", "spa"),
        ("redirect_uri", "http://localhost:8080/callback"),
        ("scope", "openid profile api1"),
        ("state", request.state.as_str()),
        ("nonce", request.nonce.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(query_pairs(&url), expected);
    assert!(
        !url.contains(&request.code_verifier),
        "the verifier never leaves the browser"
    );
    assert!(url.contains("scope=openid+profile+api1"));
    assert!(url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback"));
}

#[test]
fn authorization_url_adds_configured_params_but_never_reserved_ones() {
    let mut client = client(true);
    client.settings.extra_authorize_params = vec![
        ("audience".into(), "https://api.example.com".into()),
        ("state".into(), "attacker-chosen".into()),
        ("code_challenge_method".into(), "plain".into()),
    ];
    let request = client.new_request("/about", &randomness(), NOW);
    let challenge = CodeVerifier::from_stored(request.code_verifier.clone()).challenge();
    let pairs = query_pairs(&client.authorization_url(&request, &challenge));
    assert!(pairs.contains(&("audience".into(), "https://api.example.com".into())));
    let values = |name: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    };
    assert_eq!(values("state"), [request.state.as_str()]);
    assert_eq!(values("code_challenge_method"), ["S256"]);
}

#[test]
fn authorization_url_extends_an_existing_query() {
    let mut client = client(true);
    client.metadata.authorization_endpoint = format!("{ISSUER}/authorize?tenant=a");
    let request = client.new_request("/", &randomness(), NOW);
    let challenge = CodeVerifier::from_stored(request.code_verifier.clone()).challenge();
    let url = client.authorization_url(&request, &challenge);
    assert!(url.starts_with("http://localhost:5001/authorize?tenant=a&response_type=code"));
}

#[test]
fn end_session_url_has_hint_and_post_logout_redirect() {
    let url = client(true).end_session_url(Some("the.id.token")).unwrap();
    assert!(
        url.starts_with("http://localhost:5001/end-session?"),
        "{url}"
    );
    let pairs = query_pairs(&url);
    assert!(pairs.contains(&("id_token_hint".into(), "the.id.token".into())));
    assert!(pairs.contains(&(
        "post_logout_redirect_uri".into(),
        "http://localhost:8080/".into()
    )));
}

#[test]
fn end_session_url_is_none_without_endpoint() {
    assert_eq!(client(false).end_session_url(Some("t")), None);
}

#[test]
fn code_exchange_body_is_a_pkce_form() {
    let body = client(true).code_exchange_body("the code", "verifier");
    let pairs = query_pairs(&format!("?{body}"));
    assert_eq!(
        pairs,
        [
            ("grant_type", "authorization_code"),
            ("code", "the code"),
            ("redirect_uri", "http://localhost:8080/callback"),
            ("client_id", "spa"),
            ("code_verifier", "verifier"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
}

#[test]
fn refresh_body_uses_refresh_token_grant() {
    let body = client(true).refresh_body("rt");
    assert_eq!(
        body,
        "grant_type=refresh_token&refresh_token=rt&client_id=spa"
    );
}

#[test]
fn revocation_names_the_refresh_token_and_the_client() {
    let with_endpoint = client(true);
    let (endpoint, body) = with_endpoint.revocation_request("r t").unwrap();
    assert_eq!(endpoint, format!("{ISSUER}/revoke"));
    assert_eq!(
        body,
        "token=r+t&token_type_hint=refresh_token&client_id=spa"
    );
    assert_eq!(client(false).revocation_request("rt"), None);
}

#[test]
fn code_response_becomes_session() {
    let response = token_response(Some(id_token(Some("n"), "alice")), Some("rt"));
    let session = client(true)
        .session_from_code_response(response, "n", NOW)
        .unwrap();
    assert_eq!(session.access_token(), "access");
    assert_eq!(session.refresh_token(), Some("rt"));
    assert_eq!(session.display_name(), "Alice");
    assert_eq!(session.expires_at, Some(NOW + 300));
}

#[test]
fn code_response_with_wrong_nonce_is_rejected() {
    let response = token_response(Some(id_token(Some("other"), "alice")), None);
    let err = client(true)
        .session_from_code_response(response, "n", NOW)
        .unwrap_err();
    assert_eq!(
        err,
        AuthError::IdToken(id_token::IdTokenError::InvalidNonce)
    );
}

#[test]
fn code_response_without_id_token_is_rejected() {
    let err = client(true)
        .session_from_code_response(token_response(None, None), "n", NOW)
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidResponse(_)), "{err}");
}

#[test]
fn non_bearer_token_type_is_rejected() {
    let mut response = token_response(Some(id_token(Some("n"), "alice")), None);
    response.token_type = "mac".into();
    let err = client(true)
        .session_from_code_response(response, "n", NOW)
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidResponse(_)), "{err}");
}

#[test]
fn refresh_response_renews_access_and_rotates_refresh_token() {
    let client = client(true);
    let first = token_response(Some(id_token(Some("n"), "alice")), Some("rt1"));
    let session = client.session_from_code_response(first, "n", NOW).unwrap();
    let later = NOW + 400;
    let mut renewed = token_response(None, Some("rt2"));
    renewed.access_token = "access2".into();
    let next = client
        .session_from_refresh_response(&session, renewed, later)
        .unwrap();
    assert_eq!(next.access_token(), "access2");
    assert_eq!(next.refresh_token(), Some("rt2"));
    assert_eq!(next.expires_at, Some(later + 300));
    assert_eq!(next.id_token(), session.id_token());
}

#[test]
fn refresh_response_for_another_subject_is_rejected() {
    let client = client(true);
    let first = token_response(Some(id_token(Some("n"), "alice")), Some("rt"));
    let session = client.session_from_code_response(first, "n", NOW).unwrap();
    let other = token_response(Some(id_token(None, "mallory")), None);
    let err = client
        .session_from_refresh_response(&session, other, NOW)
        .unwrap_err();
    assert_eq!(
        err,
        AuthError::IdToken(id_token::IdTokenError::SubjectChanged)
    );
}

#[test]
fn token_error_response_is_reported_with_description() {
    let body = r#"{"error":"invalid_grant","error_description":"code expired"}"#;
    let err = parse_token_response(400, body).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the identity provider answered `invalid_grant`: code expired"
    );
}

#[test]
fn non_json_token_error_keeps_its_status() {
    let err = parse_token_response(502, "<html>bad gateway</html>").unwrap_err();
    assert_eq!(err, AuthError::TokenEndpointStatus(502));
}

#[test]
fn invalid_grant_and_invalid_client_end_the_session() {
    for (status, body) in [
        (
            400,
            r#"{"error":"invalid_grant","error_description":"revoked"}"#,
        ),
        (401, r#"{"error":"invalid_client"}"#),
    ] {
        let err = parse_token_response(status, body).unwrap_err();
        assert_eq!(
            RefreshFailure::of(&err),
            RefreshFailure::Refused,
            "{status} {body}"
        );
    }
    assert_eq!(
        RefreshFailure::of(&AuthError::SessionExpired),
        RefreshFailure::Refused
    );
}

#[test]
fn network_errors_and_server_errors_keep_the_session() {
    let unreachable = AuthError::Network("TypeError: Failed to fetch".into());
    assert_eq!(
        RefreshFailure::of(&unreachable),
        RefreshFailure::Unavailable
    );
    for (status, body) in [
        (500, "oops"),
        (502, "<html>bad gateway</html>"),
        (503, r#"{"error":"temporarily_unavailable"}"#),
    ] {
        let err = parse_token_response(status, body).unwrap_err();
        assert_eq!(
            RefreshFailure::of(&err),
            RefreshFailure::Unavailable,
            "{status}"
        );
    }
}

#[test]
fn other_refresh_errors_keep_the_session_and_say_why() {
    // The error code alone is not enough: it must come with the status RFC 6749 gives it.
    for (status, body) in [
        (401, r#"{"error":"invalid_grant"}"#),
        (400, r#"{"error":"invalid_request"}"#),
        (200, "{not json"),
    ] {
        let err = parse_token_response(status, body).unwrap_err();
        assert!(
            matches!(RefreshFailure::of(&err), RefreshFailure::Unusable(_)),
            "{status} {body}"
        );
    }
}

#[test]
fn authorization_response_with_code_is_parsed() {
    assert_eq!(
        AuthorizationResponse::from_query("?code=abc&state=xyz&iss=http%3A%2F%2Flocalhost"),
        AuthorizationResponse::Code {
            code: "abc".into(),
            state: "xyz".into(),
            iss: Some("http://localhost".into()),
        }
    );
}

#[test]
fn authorization_error_wins_over_code() {
    let parsed = AuthorizationResponse::from_query(
        "error=access_denied&error_description=The+user+said+no&state=s&code=c&iss=http%3A%2F%2Fi",
    );
    assert_eq!(
        parsed,
        AuthorizationResponse::Error {
            error: "access_denied".into(),
            description: Some("The user said no".into()),
            state: Some("s".into()),
            iss: Some("http://i".into()),
        }
    );
}

#[test]
fn query_without_code_and_state_is_missing() {
    assert_eq!(
        AuthorizationResponse::from_query(""),
        AuthorizationResponse::Missing
    );
    assert_eq!(
        AuthorizationResponse::from_query("?code=a"),
        AuthorizationResponse::Missing
    );
}

#[test]
fn return_path_must_stay_on_this_origin() {
    assert_eq!(safe_return_path("/about?tab=1#x"), "/about?tab=1#x");
    for hostile in [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example",
        "",
        "about",
    ] {
        assert_eq!(safe_return_path(hostile), "/", "{hostile}");
    }
    assert_eq!(safe_return_path("/a\nb"), "/");
}

#[test]
fn response_from_this_issuer_is_accepted() {
    assert_eq!(client(true).check_response_issuer(Some(ISSUER)), Ok(()));
}

#[test]
fn response_from_another_issuer_is_rejected() {
    let err = client(true)
        .check_response_issuer(Some("https://evil.example"))
        .unwrap_err();
    assert!(matches!(err, AuthError::IssuerMismatch { .. }), "{err}");
}

#[test]
fn missing_iss_is_rejected_only_when_the_provider_sends_it() {
    let mut client = client(true);
    assert!(client.check_response_issuer(None).is_err());
    client
        .metadata
        .authorization_response_iss_parameter_supported = false;
    assert_eq!(client.check_response_issuer(None), Ok(()));
}
