//! Revocation lists as the service publishes them: stored, numbered by one sequence for every
//! instance of a database, adopted instead of signed again, with decoys from a stored seed.

use crate::common::{Backend, TestApp, read_one, spawn_app_with};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use namecard::card::{Keyset, RevocationList, VerifyOptions, verify_card};
use namecard::config::RawSettings;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;

fn quick_refresh() -> RawSettings {
    RawSettings {
        refresh_interval: Some("200ms".into()),
        ..Default::default()
    }
}

/// The served list: its bytes and the list as a verifier loads it.
async fn served(app: &TestApp) -> (Vec<u8>, RevocationList, Keyset) {
    let jwks = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset = Keyset::from_jwks(&jwks.bytes).unwrap();
    let doc = app
        .get("/.well-known/namecard-revocations.json", None)
        .await
        .bytes
        .to_vec();
    let list = RevocationList::load(&doc, &keyset, 300).unwrap();
    (doc, list, keyset)
}

/// Every stored list's document, by increasing number.
async fn stored_lists(app: &TestApp) -> Vec<String> {
    let url = &app.database_url;
    let count: i64 = read_one(url, "SELECT COUNT(*) FROM revocation_lists").await;
    let mut out = Vec::new();
    for k in 0..count {
        let sql =
            format!("SELECT document FROM revocation_lists ORDER BY number LIMIT 1 OFFSET {k}");
        out.push(read_one::<String>(url, &sql).await);
    }
    out
}

/// The revocation ids of a list document's entries (real and decoy alike).
fn revocation_ids(document: &[u8]) -> BTreeSet<Vec<u8>> {
    let envelope: serde_json::Value = serde_json::from_slice(document).unwrap();
    let payload = B64URL
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let entries = B64URL.decode(payload["entries"].as_str().unwrap()).unwrap();
    entries.chunks(32).map(|e| e[..16].to_vec()).collect()
}

async fn a_member_card(app: &TestApp, token: &str, channel: &str) -> (String, String) {
    let card = app
        .post("/v1/me/cards", Some(token), json!({ "channel": channel }))
        .await
        .expect(201);
    (
        card["id"].as_str().unwrap().to_owned(),
        card["text"].as_str().unwrap().to_owned(),
    )
}

async fn two_instances_serve_one_list_and_a_revocation_takes_the_next_number(backend: Backend) {
    let Some(a) = spawn_app_with(backend, quick_refresh()).await else {
        return;
    };
    let b = a.another_instance(quick_refresh()).await;
    let (org, admin) = a.org_with_admin("Acme").await;
    let (_, ada) = a.member_with_token(&admin, org, "Ada", "E1").await;
    let (card, text) = a_member_card(&a, &ada, "fair").await;

    let (before, list_before, _) = served(&a).await;
    assert_eq!(
        served(&b).await.0,
        before,
        "the second instance adopted the first one's list instead of signing its own"
    );
    a.revoke_my_card(&ada, &card).await.expect(204);
    let (after, list_after, keyset) = served(&a).await;
    assert_eq!(
        list_after.number(),
        list_before.number() + 1,
        "the revocation's list takes the next number"
    );
    let b_serves_it = b
        .eventually(Duration::from_secs(10), || async {
            served(&b).await.0 == after
        })
        .await;
    assert!(
        b_serves_it,
        "the other instance serves the very same list, not one of its own with another number"
    );
    assert_eq!(
        verify_card(&text, &keyset, Some(&list_after), &VerifyOptions::now())
            .unwrap_err()
            .reason
            .as_str(),
        "revoked"
    );
    let stored = stored_lists(&a).await;
    assert_eq!(
        stored.last().map(String::as_bytes),
        Some(after.as_slice()),
        "the served list is the stored one with the highest number"
    );
}

async fn a_restarted_instance_serves_the_stored_list_instead_of_signing_another(backend: Backend) {
    let Some(a) = spawn_app_with(backend, quick_refresh()).await else {
        return;
    };
    let (org, admin) = a.org_with_admin("Acme").await;
    let (_, ada) = a.member_with_token(&admin, org, "Ada", "E1").await;
    let (card, _) = a_member_card(&a, &ada, "fair").await;
    a.revoke_my_card(&ada, &card).await.expect(204);
    let (before, _, _) = served(&a).await;
    let lists = stored_lists(&a).await.len();

    let restarted = a.another_instance(quick_refresh()).await;
    assert_eq!(
        served(&restarted).await.0,
        before,
        "the same list, byte for byte"
    );
    assert_eq!(
        stored_lists(&a).await.len(),
        lists,
        "no list was signed for the restart"
    );
}

async fn revocations_racing_on_two_instances_end_in_consecutive_lists_the_last_of_which_holds_them_all(
    backend: Backend,
) {
    let Some(a) = spawn_app_with(backend, quick_refresh()).await else {
        return;
    };
    let b = a.another_instance(quick_refresh()).await;
    let (org, admin) = a.org_with_admin("Acme").await;
    let mut cards = Vec::new();
    for i in 0..6 {
        let (_, token) = a
            .member_with_token(&admin, org, &format!("M{i}"), &format!("E{i}"))
            .await;
        for c in 0..2 {
            let (id, text) = a_member_card(&a, &token, &format!("c{c}")).await;
            cards.push((token.clone(), id, text));
        }
    }
    let revocations = cards.iter().enumerate().map(|(i, (token, id, _))| {
        let via = if i % 2 == 0 { &a } else { &b };
        async move { via.revoke_my_card(token, id).await.expect(204) }
    });
    futures::future::join_all(revocations).await;

    let (_, _, keyset) = served(&a).await;
    let all_revoked = |list: &RevocationList| {
        cards.iter().all(|(_, _, text)| {
            verify_card(text, &keyset, Some(list), &VerifyOptions::now())
                .is_err_and(|r| r.reason.as_str() == "revoked")
        })
    };
    let b_agrees = b
        .eventually(Duration::from_secs(10), || async {
            let (doc, list, _) = served(&b).await;
            let (doc_a, _, _) = served(&a).await;
            doc == doc_a && all_revoked(&list)
        })
        .await;
    assert!(
        b_agrees,
        "both instances end on one list listing every revoked card"
    );

    let stored: Vec<RevocationList> = stored_lists(&a)
        .await
        .iter()
        .map(|d| RevocationList::load(d.as_bytes(), &keyset, 300).unwrap())
        .collect();
    for pair in stored.windows(2) {
        assert_eq!(
            pair[1].number(),
            pair[0].number() + 1,
            "lists are numbered one after the other, no number twice"
        );
    }
    let newest = stored.last().unwrap();
    assert!(
        all_revoked(newest),
        "the highest number lists every revoked card"
    );
    // A later list never says less than an earlier one: nothing was un-revoked here.
    for (i, earlier) in stored.iter().enumerate() {
        for later in &stored[i + 1..] {
            for (_, _, text) in &cards {
                let listed = |l: &RevocationList| {
                    verify_card(text, &keyset, Some(l), &VerifyOptions::now()).is_err()
                };
                assert!(
                    !listed(earlier) || listed(later),
                    "list {} forgets a card list {} revoked",
                    later.number(),
                    earlier.number()
                );
            }
        }
    }
}

async fn the_decoys_stay_the_same_across_a_signing_key_rotation(backend: Backend) {
    let Some(app) = spawn_app_with(backend, quick_refresh()).await else {
        return;
    };
    let (before, list_before, _) = served(&app).await;
    app.post("/v1/keys/rotate", Some(&app.operator), json!({}))
        .await
        .expect(201);
    let (after, list_after, _) = served(&app).await;
    assert!(
        list_after.number() > list_before.number(),
        "the new key signs a new list"
    );
    let (ids_before, ids_after) = (revocation_ids(&before), revocation_ids(&after));
    assert_eq!(ids_before.len(), 64, "an empty list is padded with decoys");
    // Each decoy is replaced at its own moment once a week: a few seconds change none, or
    // (rarely) one. Decoys taken from the signing key would all change with it.
    assert!(
        ids_before.intersection(&ids_after).count() >= 63,
        "the decoys come from the stored seed, not from the signing key"
    );
}

on_both_databases!(
    two_instances_serve_one_list_and_a_revocation_takes_the_next_number,
    a_restarted_instance_serves_the_stored_list_instead_of_signing_another,
    revocations_racing_on_two_instances_end_in_consecutive_lists_the_last_of_which_holds_them_all,
    the_decoys_stay_the_same_across_a_signing_key_rotation,
);
