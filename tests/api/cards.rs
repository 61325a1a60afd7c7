//! Cards, verification, keys and the public documents, over HTTP on both databases.

use crate::common::{Backend, TestApp, spawn_app, spawn_app_at, spawn_app_with};
use namecard::card::{Keyset, RevocationList, VerifyOptions, verify_card};
use namecard::config::RawSettings;
use reqwest::Method;
use serde_json::json;

async fn verify(app: &TestApp, text: &str) -> serde_json::Value {
    app.post("/v1/verify", None, json!({ "text": text }))
        .await
        .expect(200)
}

/// The published keyset and revocation list, loaded as a verifier loads them.
async fn published(app: &TestApp) -> (Keyset, RevocationList) {
    let jwks = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset = Keyset::from_jwks(&jwks.bytes).unwrap();
    let list = app
        .get("/.well-known/namecard-revocations.json", None)
        .await;
    let list = RevocationList::load(&list.bytes, &keyset, 300).unwrap();
    (keyset, list)
}

async fn verifies_offline(app: &TestApp, text: &str) -> Result<(), String> {
    let jwks = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset =
        Keyset::from_jwks_json(&String::from_utf8_lossy(&jwks.bytes)).map_err(|e| e.to_string())?;
    verify_card(text, &keyset, None, &VerifyOptions::now())
        .map(|_| ())
        .map_err(|r| r.reason.as_str().to_owned())
}

/// README's walkthrough, step by step: bootstrap token -> organization -> admin -> member ->
/// member token -> the member's printable card.
async fn the_readme_walkthrough_works_from_bootstrap_token_to_printable_card(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let op = app.operator.clone();

    let org = app
        .post(
            "/v1/orgs",
            Some(&op),
            json!({"name": "Acme", "domain": "acme.example", "policy": "open"}),
        )
        .await
        .expect(201);
    let org_id = org["id"].as_i64().unwrap();
    let admin = app
        .post(
            &format!("/v1/orgs/{org_id}/tokens"),
            Some(&op),
            json!({"role": "admin", "label": "alice"}),
        )
        .await
        .expect(201);
    let admin = admin["token"].as_str().unwrap().to_owned();
    let member = app
        .post(&format!("/v1/orgs/{org_id}/members"), Some(&admin),
              json!({"display_name": "Bob Li", "employee_id": "E-042", "title": "Sales", "mobile": "+8613800138000"}))
        .await
        .expect(201);
    let member_id = member["id"].as_i64().unwrap();
    let token = app
        .post(
            &format!("/v1/orgs/{org_id}/tokens"),
            Some(&admin),
            json!({"role": "member", "member_id": member_id}),
        )
        .await
        .expect(201);
    let bob = token["token"].as_str().unwrap().to_owned();
    let card = app
        .post("/v1/me/card", Some(&bob), json!({}))
        .await
        .expect(201);
    let printable = app.get("/v1/me/card/printable", Some(&bob)).await;

    assert!(
        card["text"]
            .as_str()
            .unwrap()
            .starts_with("HTTPS://NC.EXAMPLE.COM/C/")
    );
    assert_eq!(printable.status, 200);
    assert_eq!(printable.content_type, "image/png");
    assert!(printable.bytes.starts_with(b"\x89PNG"));
    assert_eq!(
        verify(&app, card["text"].as_str().unwrap()).await["valid"],
        true
    );
}

async fn a_member_card_comes_as_png_svg_and_payload_and_admins_get_a_zip(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (ada_id, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let (bob_id, _) = app.member_with_token(&admin, org, "王小明", "E2").await;
    app.post("/v1/me/card", Some(&ada), json!({}))
        .await
        .expect(201);

    let png = app.get("/v1/me/card/png", Some(&ada)).await;
    let svg = app.get("/v1/me/card/svg", Some(&ada)).await;
    let payload = app.get("/v1/me/card", Some(&ada)).await.expect(200);
    let single = app
        .get(
            &format!("/v1/orgs/{org}/members/{bob_id}/card/printable"),
            Some(&admin),
        )
        .await;
    let zip = app
        .post(
            &format!("/v1/orgs/{org}/cards/bulk"),
            Some(&admin),
            json!({"member_ids": [ada_id, bob_id]}),
        )
        .await;

    assert_eq!(png.content_type, "image/png");
    assert_eq!(svg.content_type, "image/svg+xml");
    assert!(payload["text"].as_str().unwrap().contains("/C/"));
    assert_eq!(single.content_type, "image/png");
    assert_eq!(zip.content_type, "application/zip");
    assert!(zip.bytes.starts_with(b"PK"));
}

async fn the_bulk_zip_names_its_entries_safely_whatever_the_employee_ids(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let mut ids = Vec::new();
    for employee_id in [
        "../../../../tmp/zipslip",
        "/etc/cron.d/x",
        "..\\..\\win",
        "E-7",
        "e-7",
        "C:evil",
    ] {
        let (id, _) = app.member_with_token(&admin, org, "Ada", employee_id).await;
        ids.push(id);
    }

    let zip = app
        .post(
            &format!("/v1/orgs/{org}/cards/bulk"),
            Some(&admin),
            json!({"member_ids": [ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[3]]}),
        )
        .await;

    assert_eq!(zip.status, 200, "{:?}", zip.json);
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes)).expect("a zip");
    let names: Vec<&str> = archive.file_names().collect();
    let mut names = names.into_iter().map(str::to_owned).collect::<Vec<_>>();
    names.sort();
    let mut expected = vec![
        format!("member-{}.png", ids[0]),
        format!("member-{}.png", ids[1]),
        format!("member-{}.png", ids[2]),
        "E-7.png".to_owned(),
        format!("member-{}.png", ids[4]),
        format!("member-{}.png", ids[5]),
    ];
    expected.sort();
    assert_eq!(names, expected, "each member once, under a plain file name");
}

async fn resetting_my_card_revokes_the_previous_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let old = app
        .post("/v1/me/card", Some(&ada), json!({}))
        .await
        .expect(201);

    let new = app
        .post("/v1/me/card", Some(&ada), json!({}))
        .await
        .expect(201);

    let old_report = verify(&app, old["text"].as_str().unwrap()).await;
    assert_eq!(old_report["valid"], false);
    assert_eq!(old_report["reason"], "revoked");
    assert_eq!(
        verify(&app, new["text"].as_str().unwrap()).await["valid"],
        true
    );
}

async fn extra_cards_are_listed_and_revocable_one_by_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let expo = app
        .post(
            "/v1/me/cards",
            Some(&ada),
            json!({"channel": "expo", "one_time": true}),
        )
        .await
        .expect(201);
    let web = app
        .post("/v1/me/cards", Some(&ada), json!({"channel": "web"}))
        .await
        .expect(201);

    let expo_id = expo["id"].as_str().unwrap();
    app.revoke_my_card(&ada, expo_id).await.expect(204);

    let cards = app.get("/v1/me/cards", Some(&ada)).await.expect(200);
    assert_eq!(cards.as_array().unwrap().len(), 2);
    assert_eq!(
        verify(&app, expo["text"].as_str().unwrap()).await["reason"],
        "revoked"
    );
    let web_report = verify(&app, web["text"].as_str().unwrap()).await;
    assert_eq!(web_report["valid"], true);
    assert_eq!(web_report["card"]["channel"], "web");
}

async fn an_extra_card_may_not_outlive_the_card_lifetime(backend: Backend) {
    let settings = RawSettings {
        card_ttl: Some("1day".into()),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    let forever = app
        .post("/v1/me/cards", Some(&ada), json!({"expires_at": i64::MAX}))
        .await;
    let two_days = app
        .post(
            "/v1/me/cards",
            Some(&ada),
            json!({"expires_at": now + 2 * 86_400}),
        )
        .await;
    let an_hour = app
        .post(
            "/v1/me/cards",
            Some(&ada),
            json!({"expires_at": now + 3600}),
        )
        .await
        .expect(201);

    for refused in [&forever, &two_days] {
        assert_eq!(refused.status, 422, "{:?}", refused.json);
        assert_eq!(refused.problem_code(), "expiry_beyond_limit");
        assert_eq!(refused.json["field"], "expires_at");
    }
    assert_eq!(an_hour["expires_at"], now + 3600);
    let cards = app.get("/v1/me/cards", Some(&ada)).await.expect(200);
    assert_eq!(
        cards.as_array().unwrap().len(),
        1,
        "nothing stored for a refusal"
    );
}

async fn card_resets_are_rate_limited_and_live_extra_cards_capped(backend: Backend) {
    let settings = RawSettings {
        card_resets_per_hour: Some(2),
        max_extra_cards: Some(2),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let (_, bob) = app.member_with_token(&admin, org, "Bob", "E2").await;
    let reset = |token: String| {
        let app = &app;
        async move { app.post("/v1/me/card", Some(&token), json!({})).await }
    };
    let extra = |token: String| {
        let app = &app;
        async move { app.post("/v1/me/cards", Some(&token), json!({})).await }
    };

    reset(ada.clone()).await.expect(201);
    reset(ada.clone()).await.expect(201);
    let third_reset = reset(ada.clone()).await;
    let first = extra(ada.clone()).await.expect(201);
    extra(ada.clone()).await.expect(201);
    let third_extra = extra(ada.clone()).await;
    let first_id = first["id"].as_str().unwrap();
    app.revoke_my_card(&ada, first_id).await.expect(204);
    let after_revoking = extra(ada.clone()).await;

    assert_eq!(third_reset.status, 429, "{:?}", third_reset.json);
    assert_eq!(third_reset.problem_code(), "rate_limited");
    let retry: u64 = third_reset.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    assert_eq!(third_extra.status, 409, "{:?}", third_extra.json);
    assert_eq!(third_extra.problem_code(), "too_many_cards");
    assert_eq!(after_revoking.status, 201, "a revoked card frees its place");
    let at_once = futures::future::join_all((0..6).map(|_| reset(bob.clone()))).await;
    let issued = at_once.iter().filter(|a| a.status == 201).count();
    assert_eq!(issued, 2, "concurrent resets cannot all pass the check");
    let cards = app.get("/v1/me/cards", Some(&ada)).await.expect(200);
    assert_eq!(
        cards.as_array().unwrap().len(),
        5,
        "two primary and three extra cards, nothing for the refusals"
    );
}

async fn a_revoked_card_leaves_the_revocation_list_once_it_has_expired(backend: Backend) {
    let now = namecard::card::unix_now();
    let clock = std::sync::Arc::new(namecard::service::ManualClock::at(now));
    let Some(app) = spawn_app_at(backend, std::sync::Arc::clone(&clock)).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let card = app
        .post("/v1/me/cards", Some(&ada), json!({"expires_at": now + 30}))
        .await
        .expect(201);
    let id = card["id"].as_str().unwrap();
    app.revoke_my_card(&ada, id).await.expect(204);
    let issuer = namecard::card::Issuer::parse("https://nc.example.com").unwrap();
    let body =
        namecard::card::revocation::card_body(&issuer, card["text"].as_str().unwrap()).unwrap();
    let listed = || {
        let (app, body) = (&app, &body);
        async move { published(app).await.1.lookup(body).is_some() }
    };

    let while_valid = listed().await;
    clock.advance(90);
    let dropped = app
        .eventually(std::time::Duration::from_secs(10), || async {
            !listed().await
        })
        .await;

    assert!(
        while_valid,
        "the revoked card is listed while it could still verify"
    );
    assert!(dropped, "the expired card is still on the list");
}

async fn deactivating_a_member_revokes_their_cards_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (ada_id, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let card = app
        .post("/v1/me/card", Some(&ada), json!({}))
        .await
        .expect(201);

    app.deactivate_member(&admin, org, ada_id).await.expect(200);

    let report = verify(&app, card["text"].as_str().unwrap()).await;
    assert_eq!(report["valid"], false);
    assert_eq!(report["revoked"], true);
    assert_eq!(report["member_deactivated"], true);
    // Offline, the published list says the card's holder left; it names no member (v1.1).
    let (keyset, list) = published(&app).await;
    let offline = verify_card(
        card["text"].as_str().unwrap(),
        &keyset,
        Some(&list),
        &VerifyOptions::now(),
    )
    .unwrap_err();
    assert_eq!(offline.reason.as_str(), "revoked");
    assert_eq!(
        offline.revocation.map(|r| r.state),
        Some(namecard::card::RevokedState::Departed)
    );
}

async fn rotated_keys_keep_old_cards_verifying_and_removed_keys_break_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let op = app.operator.clone();
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let old_card = app
        .post("/v1/me/card", Some(&ada), json!({}))
        .await
        .expect(201);
    let old_text = old_card["text"].as_str().unwrap().to_owned();
    let old_kid = old_card["kid"].as_str().unwrap().to_owned();

    let new_key = app
        .post("/v1/keys/rotate", Some(&op), json!({}))
        .await
        .expect(201);
    let extra = app
        .post(
            "/v1/me/cards",
            Some(&ada),
            json!({"channel": "after-rotation"}),
        )
        .await
        .expect(201);

    assert_eq!(
        extra["kid"], new_key["kid"],
        "new cards are signed with the new key"
    );
    assert_eq!(
        verify(&app, &old_text).await["valid"],
        true,
        "old cards verify online after rotation"
    );
    assert_eq!(
        verifies_offline(&app, &old_text).await,
        Ok(()),
        "and offline against the served JWKS"
    );

    // An offline verifier that cached the keyset before the removal.
    let cached = app.get("/.well-known/namecard-keys.json", None).await;
    let cached = Keyset::from_jwks_json(&String::from_utf8_lossy(&cached.bytes)).unwrap();

    app.send(
        Method::DELETE,
        &format!("/v1/keys/{old_kid}"),
        Some(&op),
        None,
    )
    .await
    .expect(204);

    let report = verify(&app, &old_text).await;
    assert_eq!(report["valid"], false);
    assert_eq!(
        report["reason"], "key_compromised",
        "online, a removed key's cards are refused as the revocation list says: {report}"
    );
    assert_eq!(report["card"], serde_json::Value::Null);
    assert_eq!(
        verifies_offline(&app, &old_text).await,
        Err("unknown_key".to_owned()),
        "offline with only the current keyset, the key is simply unknown"
    );
    // With the served revocation list, even the stale keyset refuses the removed key's cards.
    let list = app
        .get("/.well-known/namecard-revocations.json", None)
        .await;
    let list = RevocationList::load(&list.bytes, &cached, 300).unwrap();
    assert_eq!(
        verify_card(&old_text, &cached, Some(&list), &VerifyOptions::now())
            .unwrap_err()
            .reason
            .as_str(),
        "key_compromised"
    );
    assert_eq!(
        verify(&app, extra["text"].as_str().unwrap()).await["valid"],
        true
    );
    let active = app
        .send(
            Method::DELETE,
            &format!("/v1/keys/{}", new_key["kid"].as_str().unwrap()),
            Some(&op),
            None,
        )
        .await;
    assert_eq!(
        active.problem_code(),
        "not_found",
        "the active key cannot be removed"
    );
}

async fn the_public_documents_are_cacheable_with_etags(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for path in [
        "/.well-known/namecard-keys.json",
        "/.well-known/namecard-revocations.json",
    ] {
        let first = app.get(path, None).await;
        let etag = first.headers["etag"].to_str().unwrap().to_owned();
        assert!(
            first.headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
        let again = app.get_if_none_match(path, &etag).await;
        assert_eq!(again.status, 304, "{path}");
    }
}

async fn verification_reports_garbage_as_malformed_not_an_error(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_eq!(verify(&app, "hello").await["reason"], "malformed");
    assert_eq!(
        verify(&app, "HTTPS://OTHER.EXAMPLE/C/ABC").await["reason"],
        "wrong_issuer"
    );
    let metrics = String::from_utf8_lossy(&app.get("/metrics", None).await.bytes).into_owned();
    assert!(metrics.contains("verifications_total"));
}

/// Two instances behind a load balancer share one database: a key rotated and a card revoked
/// through instance A reach instance B at its periodic refresh (short here), with no restart.
async fn a_second_instance_sees_rotated_keys_and_revoked_cards_after_its_refresh(backend: Backend) {
    let refresh = RawSettings {
        refresh_interval: Some("200ms".into()),
        ..Default::default()
    };
    let Some(a) = spawn_app_with(backend, refresh.clone()).await else {
        return;
    };
    let b = a.another_instance(refresh).await;
    let op = a.operator.clone();
    let (org, admin) = a.org_with_admin("Acme").await;
    let (_, ada) = a.member_with_token(&admin, org, "Ada", "E1").await;
    let old = a
        .post("/v1/me/card", Some(&ada), json!({}))
        .await
        .expect(201);
    let old_text = old["text"].as_str().unwrap().to_owned();
    assert_eq!(
        verify(&b, &old_text).await["valid"],
        true,
        "B verifies A's card"
    );

    let new_key = a
        .post("/v1/keys/rotate", Some(&op), json!({}))
        .await
        .expect(201);
    let new_kid = new_key["kid"].as_str().unwrap().to_owned();
    let after = a
        .post(
            "/v1/me/cards",
            Some(&ada),
            json!({"channel": "after-rotation"}),
        )
        .await
        .expect(201);
    let after_text = after["text"].as_str().unwrap().to_owned();
    let old_id = old["id"].as_str().unwrap();
    a.revoke_my_card(&ada, old_id).await.expect(204);

    let within = std::time::Duration::from_secs(10);
    let b_knows_the_new_key = b
        .eventually(within, || async {
            verify(&b, &after_text).await["valid"] == true
        })
        .await;
    let b_sees_the_revocation = b
        .eventually(within, || async {
            verify(&b, &old_text).await["reason"] == "revoked"
        })
        .await;
    assert!(
        b_knows_the_new_key,
        "B verifies cards of the key rotated on A"
    );
    assert!(
        b_sees_the_revocation,
        "B reports the card revoked on A as revoked"
    );
    let jwks = b.get("/.well-known/namecard-keys.json", None).await;
    assert!(String::from_utf8_lossy(&jwks.bytes).contains(&new_kid));
    let list = b.get("/.well-known/namecard-revocations.json", None).await;
    let keyset = Keyset::from_jwks_json(&String::from_utf8_lossy(&jwks.bytes)).unwrap();
    let list = RevocationList::load(&list.bytes, &keyset, 300).unwrap();
    assert_eq!(
        verify_card(&old_text, &keyset, Some(&list), &VerifyOptions::now())
            .unwrap_err()
            .reason
            .as_str(),
        "revoked"
    );
    let from_b = b
        .post("/v1/me/cards", Some(&ada), json!({"channel": "via-b"}))
        .await
        .expect(201);
    assert_eq!(
        from_b["kid"], new_kid,
        "B signs new cards with the key rotated on A"
    );
}

on_both_databases!(
    the_readme_walkthrough_works_from_bootstrap_token_to_printable_card,
    a_member_card_comes_as_png_svg_and_payload_and_admins_get_a_zip,
    the_bulk_zip_names_its_entries_safely_whatever_the_employee_ids,
    resetting_my_card_revokes_the_previous_one,
    extra_cards_are_listed_and_revocable_one_by_one,
    an_extra_card_may_not_outlive_the_card_lifetime,
    card_resets_are_rate_limited_and_live_extra_cards_capped,
    a_revoked_card_leaves_the_revocation_list_once_it_has_expired,
    deactivating_a_member_revokes_their_cards_at_once,
    rotated_keys_keep_old_cards_verifying_and_removed_keys_break_them,
    the_public_documents_are_cacheable_with_etags,
    verification_reports_garbage_as_malformed_not_an_error,
    a_second_instance_sees_rotated_keys_and_revoked_cards_after_its_refresh,
);
