//! The Store conformance suite: the same assertions on SQLite and on PostgreSQL.

use crate::common::{Backend, fresh_database};
use namecard::domain::{
    Audit, AuditId, DisplayName, EmployeeId, MemberFields, MemberId, MemberQuery, NewMember,
    NewOrg, OrgId, OrgName, Role, TokenSecret,
};
use namecard::store::{self, Conflict, NewSigninLink, NewToken, Store, StoreError};
use std::sync::Arc;

async fn open(backend: Backend) -> Option<(Arc<dyn Store>, Option<tempfile::TempDir>)> {
    let (url, dir) = fresh_database(backend).await?;
    Some((
        store::connect(&url)
            .await
            .expect("store opens and migrates"),
        dir,
    ))
}

fn audit(action: &'static str) -> Audit {
    Audit {
        at: 1_700_000_000,
        actor: "operator:token/1".into(),
        org_id: None,
        action,
        target: "test".into(),
        detail: String::new(),
    }
}

fn member(name: &str, employee_id: &str) -> NewMember {
    NewMember::parse(&MemberFields {
        display_name: name.into(),
        employee_id: employee_id.into(),
        ..Default::default()
    })
    .expect("valid member")
}

async fn org(store: &dyn Store, name: &str) -> OrgId {
    let new = NewOrg {
        name: OrgName::parse(name).unwrap(),
        domain: None,
        policy: namecard::domain::ContactPolicy::Open,
        lang: namecard::domain::default_org_lang(),
    };
    store
        .create_org(&new, &audit("org.create"))
        .await
        .expect("org")
        .id
}

/// The organization Acme with one member, Ada (E1).
async fn org_with_ada(store: &dyn Store) -> (OrgId, MemberId) {
    let org = org(store, "Acme").await;
    let ada = store
        .create_members(org, &[member("Ada", "E1")], &audit("member.create"))
        .await
        .unwrap()[0]
        .id;
    (org, ada)
}

async fn a_duplicate_employee_id_is_a_conflict_and_writes_nothing(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    let org = org(&*store, "Acme").await;
    store
        .create_members(org, &[member("Ada", "E1")], &audit("member.create"))
        .await
        .unwrap();

    let batch = [member("Bob", "E2"), member("Ada again", "E1")];
    let result = store
        .create_members(org, &batch, &audit("member.import"))
        .await;

    assert!(
        matches!(result, Err(StoreError::Conflict(Conflict::EmployeeId))),
        "{result:?}"
    );
    let all = store
        .search_members(org, &MemberQuery::All, None, MemberId::new(0), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "Bob must not have been written");
}

async fn the_same_employee_id_may_exist_in_two_organizations(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    let (a, b) = (org(&*store, "A").await, org(&*store, "B").await);
    store
        .create_members(a, &[member("Ada", "E1")], &audit("member.create"))
        .await
        .unwrap();
    store
        .create_members(b, &[member("Ada", "E1")], &audit("member.create"))
        .await
        .unwrap();
}

async fn members_of_another_organization_are_not_found(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    let (a, b) = (org(&*store, "A").await, org(&*store, "B").await);
    let m = store
        .create_members(a, &[member("Ada", "E1")], &audit("member.create"))
        .await
        .unwrap()[0]
        .id;
    assert!(matches!(
        store.get_member(b, m).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .deactivate_member(b, m, &audit("member.deactivate"))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn directory_search_is_case_width_and_cjk_aware(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    let org = org(&*store, "Acme").await;
    let batch = [
        member("Alice Wang", "E1"),
        member("王小明", "E2"),
        member("100%_sure", "E3"),
    ];
    store
        .create_members(org, &batch, &audit("member.import"))
        .await
        .unwrap();
    let search = |q: &str| {
        let store = Arc::clone(&store);
        let q = namecard::domain::fold_for_search(q);
        async move {
            let found = store
                .search_members(
                    org,
                    &MemberQuery::NameContains(q),
                    None,
                    MemberId::new(0),
                    10,
                )
                .await
                .unwrap();
            found
                .into_iter()
                .map(|m| m.display_name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("ＡＬＩＣＥ").await, ["Alice Wang"]);
    assert_eq!(search("小明").await, ["王小明"]);
    assert_eq!(search("%_").await, ["100%_sure"]);
    assert!(
        search("_x").await.is_empty(),
        "LIKE wildcards in the query match literally"
    );
    let by_id = store
        .search_members(
            org,
            &MemberQuery::EmployeeId("E2".into()),
            None,
            MemberId::new(0),
            10,
        )
        .await
        .unwrap();
    assert_eq!(by_id[0].display_name, "王小明");
}

async fn deactivation_hides_the_member_and_revokes_their_tokens(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    let (org, m) = org_with_ada(&*store).await;
    let secret = TokenSecret::generate();
    let token = NewToken {
        hash: secret.hash(),
        role: Role::Member,
        org_id: Some(org),
        member_id: Some(m),
        label: String::new(),
    };
    store
        .create_token(&token, &audit("token.create"))
        .await
        .unwrap();
    assert!(store.find_token(&secret.hash()).await.unwrap().is_some());

    store
        .deactivate_member(org, m, &audit("member.deactivate"))
        .await
        .unwrap();

    assert!(store.find_token(&secret.hash()).await.unwrap().is_none());
    assert!(
        store
            .search_members(org, &MemberQuery::All, None, MemberId::new(0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let snapshot = store.revocations(0).await.unwrap();
    assert_eq!(snapshot.deactivated, [(org, m, 1_700_000_000)]);
}

async fn the_bootstrap_token_is_created_only_once(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    assert!(
        store
            .create_bootstrap_token(&TokenSecret::generate().hash(), 1)
            .await
            .unwrap()
    );
    assert!(
        !store
            .create_bootstrap_token(&TokenSecret::generate().hash(), 2)
            .await
            .unwrap()
    );
}

async fn every_change_is_in_the_audit_log_which_cannot_be_rewritten(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    let org = org(&*store, "Acme").await;
    store
        .create_members(org, &[member("Ada", "E1")], &audit("member.create"))
        .await
        .unwrap();
    let log = store.list_audit(None, AuditId::new(0), 100).await.unwrap();
    let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["org.create", "member.create"]);
    assert_eq!(log[1].org_id, Some(org));
}

async fn expired_signin_links_and_sessions_are_purged_and_live_ones_kept(backend: Backend) {
    let Some((store, _dir)) = open(backend).await else {
        return;
    };
    let (org, m) = org_with_ada(&*store).await;
    let now = 1_700_000_000;
    let maker = NewToken {
        hash: TokenSecret::generate().hash(),
        role: Role::Admin,
        org_id: Some(org),
        member_id: None,
        label: "admin".into(),
    };
    let maker = store
        .create_token(&maker, &audit("token.create"))
        .await
        .unwrap()
        .id;
    let link = |expires_at| {
        let secret = TokenSecret::generate();
        (
            NewSigninLink {
                hash: secret.hash(),
                role: Role::Member,
                org_id: org,
                member_id: Some(m),
                expires_at,
                created_by: maker,
            },
            secret,
        )
    };
    let (stale_link, stale_secret) = link(now - 1);
    let (used_link, used_secret) = link(now + 600);
    let (live_link, live_secret) = link(now + 600);
    for l in [&stale_link, &used_link, &live_link] {
        store
            .create_signin_link(l, &audit("signin_link.create"))
            .await
            .unwrap();
    }
    let session = TokenSecret::generate();
    let started = store
        .redeem_signin_link(&used_secret.hash(), &session.hash(), now)
        .await
        .unwrap()
        .expect("a session starts");

    // Before the session ends, only the expired link goes.
    assert_eq!(store.purge_expired_signins(now).await.unwrap(), 1);
    assert!(
        store
            .find_session(&session.hash(), now)
            .await
            .unwrap()
            .is_some()
    );
    // After: the session goes too, with its token revoked, and both remaining links (the used
    // and the unused one) have expired.
    let later = started.expires_at + 1;
    assert_eq!(store.purge_expired_signins(later).await.unwrap(), 3);
    assert!(
        store
            .find_session(&session.hash(), started.expires_at - 1)
            .await
            .unwrap()
            .is_none()
    );
    // Revoking the session's token again finds nothing left to revoke.
    assert!(matches!(
        store
            .revoke_token(Some(org), started.token.id, &audit("token.revoke"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    for secret in [&stale_secret, &live_secret] {
        let again = TokenSecret::generate();
        assert!(
            store
                .redeem_signin_link(&secret.hash(), &again.hash(), now)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(store.purge_expired_signins(later).await.unwrap(), 0);
}

#[test]
fn parsed_names_are_trimmed() {
    assert_eq!(DisplayName::parse("  Ada ").unwrap().as_str(), "Ada");
    assert!(EmployeeId::parse("").is_err());
}

on_both_databases!(
    a_duplicate_employee_id_is_a_conflict_and_writes_nothing,
    the_same_employee_id_may_exist_in_two_organizations,
    members_of_another_organization_are_not_found,
    directory_search_is_case_width_and_cjk_aware,
    deactivation_hides_the_member_and_revokes_their_tokens,
    the_bootstrap_token_is_created_only_once,
    every_change_is_in_the_audit_log_which_cannot_be_rewritten,
    expired_signin_links_and_sessions_are_purged_and_live_ones_kept,
);
