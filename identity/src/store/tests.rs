use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("identity.sqlite3")).unwrap();
    (dir, store)
}

fn family(id: &str) -> Family {
    Family {
        family_id: id.into(),
        client_id: "spa".into(),
        sub: "alice".into(),
        scope: "openid offline_access".into(),
        auth_time: 10,
        session_hash: Some("s".into()),
        expires_at: 1000,
    }
}

#[test]
fn rotated_token_reuse_revokes_family() {
    let (_dir, store) = store();
    store.create_family(&family("f"), "t1", 500, 100).unwrap();
    assert!(matches!(
        store.rotate("spa", "t1", "t2", 110, 300).unwrap(),
        Rotation::Rotated(_)
    ));
    assert_eq!(
        store.rotate("spa", "t1", "t3", 120, 300).unwrap(),
        Rotation::Reused {
            family_id: "f".into()
        }
    );
    assert_eq!(
        store.rotate("spa", "t2", "t4", 130, 300).unwrap(),
        Rotation::Invalid
    );
}

#[test]
fn expired_token_is_rejected() {
    let (_dir, store) = store();
    store.create_family(&family("f"), "t1", 500, 100).unwrap();
    assert_eq!(
        store.rotate("spa", "t1", "t2", 500, 300).unwrap(),
        Rotation::Invalid
    );
}

#[test]
fn successor_never_outlives_family() {
    let (_dir, store) = store();
    store.create_family(&family("f"), "t1", 900, 100).unwrap();
    store.rotate("spa", "t1", "t2", 800, 300).unwrap();
    assert_eq!(
        store.rotate("spa", "t2", "t3", 1000, 300).unwrap(),
        Rotation::Invalid
    );
}

#[test]
fn ending_session_revokes_its_families() {
    let (_dir, store) = store();
    let session = Session {
        sub: "alice".into(),
        auth_time: 10,
    };
    store.create_session("s", &session, 1000).unwrap();
    store.create_family(&family("f"), "t1", 500, 100).unwrap();
    assert_eq!(store.session("s", 100).unwrap(), Some(session));
    assert!(store.end_session("s", 120).unwrap());
    assert_eq!(store.session("s", 130).unwrap(), None);
    assert_eq!(
        store.rotate("spa", "t1", "t2", 130, 300).unwrap(),
        Rotation::Invalid
    );
}

#[test]
fn rotate_if_asks_only_about_valid_tokens_and_a_refusal_spends_nothing() {
    let (_dir, store) = store();
    store.create_family(&family("f"), "t1", 500, 100).unwrap();
    let asked = std::cell::Cell::new(0);
    let refuse = |_: &Family| {
        asked.set(asked.get() + 1);
        false
    };
    assert_eq!(
        store
            .rotate_if("other", "t1", "t2", 110, 300, refuse)
            .unwrap(),
        Rotation::Invalid
    );
    assert_eq!(
        store
            .rotate_if("spa", "nope", "t2", 110, 300, refuse)
            .unwrap(),
        Rotation::Invalid
    );
    assert_eq!(asked.get(), 0);
    assert!(matches!(
        store
            .rotate_if("spa", "t1", "t2", 110, 300, refuse)
            .unwrap(),
        Rotation::Declined(_)
    ));
    assert_eq!(asked.get(), 1);
    // Still unspent: the next rotation succeeds, and then the spent token is a reuse
    // whatever the check would say.
    assert!(matches!(
        store.rotate("spa", "t1", "t2", 120, 300).unwrap(),
        Rotation::Rotated(_)
    ));
    assert_eq!(
        store
            .rotate_if("spa", "t1", "t3", 130, 300, refuse)
            .unwrap(),
        Rotation::Reused {
            family_id: "f".into()
        }
    );
    assert_eq!(asked.get(), 1);
}
