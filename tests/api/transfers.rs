//! Relationships the organization owns: handing a member's contacts to a colleague (handover
//! and departure), the unassigned list, the contact's refusal, the period running out (time
//! moved by the test), races, and successor routing of a phone photo of a departed member's
//! old card; on both databases.

use crate::common::{Backend, TestApp, spawn_app_at};
use crate::contacts::{ContactsClient as _, photo_of_printable_card};
use namecard::card::{Keyset, RevocationList, VerifyOptions, verify_card};
use namecard::config::RawSettings;
use namecard::service::{Clock as _, ManualClock};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const DAY: i64 = 86_400;

/// Acme (open) with an admin and three members, and a customer organization (open) with two.
struct World {
    acme: i64,
    admin: String,
    ada: (i64, String),
    cy: (i64, String),
    dee: (i64, String),
    li: (i64, String),
    wang: (i64, String),
}

async fn world(app: &TestApp) -> World {
    let (acme, admin) = app.org_with_admin("Acme Robotics").await;
    let (customer, c_admin) = app.org_with_admin("深圳华星光电技术有限公司").await;
    for (org, token) in [(acme, &admin), (customer, &c_admin)] {
        app.update_org(token, org, json!({ "policy": "open" }))
            .await
            .expect(200);
    }
    World {
        ada: app
            .member_with_token(&admin, acme, "Ada Lovelace", "A1")
            .await,
        cy: app.member_with_token(&admin, acme, "Cy Young", "A2").await,
        dee: app.member_with_token(&admin, acme, "Dee 邓", "A3").await,
        li: app
            .member_with_token(&c_admin, customer, "李娜", "C1")
            .await,
        wang: app
            .member_with_token(&c_admin, customer, "王伟", "C2")
            .await,
        acme,
        admin,
    }
}

/// Makes the two external contacts (a scan of `owner`'s card, accepted); the relation's id.
async fn connect(app: &TestApp, requester: &str, owner: &str) -> i64 {
    let card = app.card_text(owner).await;
    let request = app.request_id(requester, &card).await;
    app.decide(owner, request, "accept").await.expect(200);
    app.contacts(owner)
        .await
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .max()
        .expect("the new contact")
}

async fn transfer(app: &TestApp, w: &World, body: Value) -> crate::common::Answer {
    app.post(
        &format!("/v1/orgs/{}/transfers", w.acme),
        Some(&w.admin),
        body,
    )
    .await
}

/// The other sides' names in a member's contact list.
async fn names(app: &TestApp, token: &str) -> Vec<String> {
    let mut names: Vec<String> = app
        .contacts(token)
        .await
        .iter()
        .map(|c| c["contact"]["name"].as_str().expect("name").to_owned())
        .collect();
    names.sort();
    names
}

async fn transfer_status(app: &TestApp, w: &World, id: i64) -> Value {
    app.get(
        &format!("/v1/orgs/{}/transfers/{id}", w.acme),
        Some(&w.admin),
    )
    .await
    .expect(200)
}

/// Waits (polling, not timing) until the chore decided transfer `id`; its final view.
async fn decided(app: &TestApp, w: &World, id: i64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let last = transfer_status(app, w, id).await;
        if last["status"] != "waiting" {
            return last;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "transfer {id} was never decided: {last}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn refuse(app: &TestApp, token: &str, id: i64) -> crate::common::Answer {
    app.post(
        &format!("/v1/me/transfers/{id}/refuse"),
        Some(token),
        json!({}),
    )
    .await
}

/// The organization's unassigned relations: held by members who left, not being transferred.
async fn unassigned(app: &TestApp, w: &World) -> Vec<i64> {
    let path = format!("/v1/orgs/{}/external-contacts?unassigned=true", w.acme);
    let page = app.get(&path, Some(&w.admin)).await.expect(200);
    let mut ids: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    ids
}

async fn audit_log(app: &TestApp, org: i64, admin: &str) -> String {
    let audit = app.get(&format!("/v1/orgs/{org}/audit"), Some(admin)).await;
    assert_eq!(audit.status, 200);
    String::from_utf8(audit.bytes.clone()).expect("utf-8")
}

async fn a_handover_takes_effect_when_the_period_ends_and_carries_tags_and_notes(backend: Backend) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    let with_li = connect(&app, &w.li.1, &w.ada.1).await;
    let with_wang = connect(&app, &w.wang.1, &w.ada.1).await;
    let vip = app
        .post(
            &format!("/v1/orgs/{}/contact-tags", w.acme),
            Some(&w.admin),
            json!({"group": "级别", "name": "VIP"}),
        )
        .await
        .expect(201)["id"]
        .clone();
    app.send(
        Method::PATCH,
        &format!("/v1/contacts/{with_li}"),
        Some(&w.ada.1),
        Some(json!({"remark": "李总", "note": "prefers WeChat", "tags": [vip]})),
    )
    .await
    .expect(200);

    let started = transfer(
        &app,
        &w,
        json!({"from": w.ada.0, "to": w.cy.0, "message": "您好，以后由 Cy 为您服务"}),
    )
    .await
    .expect(201);
    let items = started["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "every relation Ada holds: {started}");
    for t in items {
        assert_eq!(t["status"], "waiting");
        assert_eq!(t["kind"], "handover");
        assert_eq!(
            t["effective_at"],
            clock.now() + DAY,
            "the default period is a day"
        );
    }

    // Li is told, and until the period ends nothing changes.
    let notices = app.get("/v1/me/transfers", Some(&w.li.1)).await.expect(200);
    assert_eq!(notices["items"][0]["status"], "waiting");
    assert_eq!(
        notices["items"][0]["notice"],
        "Your contact at Acme Robotics is now Cy Young."
    );
    assert_eq!(notices["items"][0]["message"], "您好，以后由 Cy 为您服务");
    // Li reads the notice in her own language; the admin's message stays as written.
    let in_chinese = app
        .client
        .get(format!("{}/v1/me/transfers", app.base))
        .bearer_auth(&w.li.1)
        .header("accept-language", "zh-CN")
        .send()
        .await
        .expect("notices");
    let in_chinese = TestApp::read(in_chinese).await.expect(200);
    assert_eq!(
        in_chinese["items"][0]["notice"],
        "你在Acme Robotics的联系人现在是Cy Young。"
    );
    assert_eq!(names(&app, &w.ada.1).await, ["李娜", "王伟"]);
    assert!(names(&app, &w.cy.1).await.is_empty());

    clock.advance(DAY);
    let first = items[0]["id"].as_i64().expect("id");
    let done = decided(&app, &w, first).await;
    assert_eq!(done["status"], "done");
    let second = decided(&app, &w, items[1]["id"].as_i64().expect("id")).await;
    assert_eq!(second["status"], "done");

    assert!(names(&app, &w.ada.1).await.is_empty());
    assert_eq!(names(&app, &w.cy.1).await, ["李娜", "王伟"]);
    assert_eq!(
        names(&app, &w.li.1).await,
        ["Cy Young"],
        "Li's contact is Cy now"
    );
    // What Ada kept goes with the relation; its source says it was handed over.
    let cys = app.contacts(&w.cy.1).await;
    let li_entry = cys
        .iter()
        .find(|c| c["id"] == with_li)
        .expect("the same relation");
    assert_eq!(li_entry["book"]["remark"], "李总");
    assert_eq!(li_entry["book"]["note"], "prefers WeChat");
    assert_eq!(li_entry["book"]["tags"][0]["name"], "VIP");
    assert_eq!(li_entry["source"], "transfer");
    assert!(cys.iter().any(|c| c["id"] == with_wang));

    let log = audit_log(&app, w.acme, &w.admin).await;
    assert!(log.contains("transfer.started"), "{log}");
    assert!(log.contains("transfer.done"), "{log}");
}

async fn a_leavers_contacts_wait_unassigned_until_the_admin_gives_them_to_someone(
    backend: Backend,
) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    app.update_org(&w.admin, w.acme, json!({"transfer_period_secs": 3600}))
        .await
        .expect(200);
    let with_li = connect(&app, &w.li.1, &w.ada.1).await;
    let with_wang = connect(&app, &w.wang.1, &w.ada.1).await;
    // Dee already has Wang: that relation cannot go to Dee.
    connect(&app, &w.wang.1, &w.dee.1).await;
    app.deactivate_member(&w.admin, w.acme, w.ada.0)
        .await
        .expect(200);

    assert_eq!(unassigned(&app, &w).await, [with_li, with_wang]);

    // A relation that is not Ada's fails the whole request: nothing is written.
    let not_hers = transfer(
        &app,
        &w,
        json!({"from": w.ada.0, "to": w.dee.0, "contacts": [with_li, 999_999]}),
    )
    .await;
    assert_eq!(not_hers.status, 404);
    assert_eq!(unassigned(&app, &w).await, [with_li, with_wang]);

    let started = transfer(&app, &w, json!({"from": w.ada.0, "to": w.dee.0}))
        .await
        .expect(201);
    let by_contact = |id: i64| {
        started["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|t| t["contact_id"] == id)
            .cloned()
            .expect("a result per relation")
    };
    assert_eq!(by_contact(with_li)["status"], "waiting");
    assert_eq!(by_contact(with_li)["kind"], "departure");
    assert_eq!(by_contact(with_wang)["status"], "not_possible");
    assert_eq!(by_contact(with_wang)["reason"], "already_connected");
    assert_eq!(
        unassigned(&app, &w).await,
        [with_wang],
        "the one being transferred is no longer unassigned"
    );

    // The one Dee could not take goes to Cy.
    let to_cy = transfer(
        &app,
        &w,
        json!({"from": w.ada.0, "to": w.cy.0, "contacts": [with_wang]}),
    )
    .await
    .expect(201);
    assert_eq!(to_cy["items"][0]["status"], "waiting");
    assert!(unassigned(&app, &w).await.is_empty());

    let listed = app
        .get(
            &format!("/v1/orgs/{}/transfers?status=not_possible", w.acme),
            Some(&w.admin),
        )
        .await
        .expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));

    clock.advance(3600);
    let li_done = decided(&app, &w, by_contact(with_li)["id"].as_i64().expect("id")).await;
    assert_eq!(li_done["status"], "done");
    let wang_done = decided(&app, &w, to_cy["items"][0]["id"].as_i64().expect("id")).await;
    assert_eq!(wang_done["status"], "done");
    assert_eq!(names(&app, &w.dee.1).await, ["李娜", "王伟"]);
    assert_eq!(names(&app, &w.cy.1).await, ["王伟"]);
    assert_eq!(names(&app, &w.wang.1).await, ["Cy Young", "Dee 邓"]);
}

async fn a_contact_who_refuses_ends_the_relationship_within_the_period_only(backend: Backend) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    connect(&app, &w.li.1, &w.ada.1).await;
    connect(&app, &w.wang.1, &w.ada.1).await;
    let started = transfer(&app, &w, json!({"from": w.ada.0, "to": w.cy.0}))
        .await
        .expect(201);
    let id_for = |name: &str| {
        started["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|t| t["contact"]["name"] == name)
            .and_then(|t| t["id"].as_i64())
            .expect("transfer")
    };
    let (li_transfer, wang_transfer) = (id_for("李娜"), id_for("王伟"));
    // Only the contact may refuse; to anyone else the transfer does not exist.
    assert_eq!(refuse(&app, &w.wang.1, li_transfer).await.status, 404);
    assert_eq!(refuse(&app, &w.cy.1, li_transfer).await.status, 404);
    let refused = refuse(&app, &w.li.1, li_transfer).await.expect(200);
    assert_eq!(refused["status"], "refused");
    let again = refuse(&app, &w.li.1, li_transfer).await;
    assert_eq!(
        (again.status.as_u16(), again.problem_code()),
        (409, "transfer_decided")
    );
    assert_eq!(names(&app, &w.ada.1).await, ["王伟"], "the relation ended");
    assert!(names(&app, &w.li.1).await.is_empty());

    // After the period, a refusal comes too late.
    clock.advance(DAY);
    let late = refuse(&app, &w.wang.1, wang_transfer).await;
    assert_eq!(late.status, 409, "{late:?}");
    assert!(
        ["transfer_period_over", "transfer_decided"].contains(&late.problem_code()),
        "{late:?}"
    );
    assert_eq!(decided(&app, &w, wang_transfer).await["status"], "done");
    assert_eq!(names(&app, &w.wang.1).await, ["Cy Young"]);
    let log = audit_log(&app, w.acme, &w.admin).await;
    assert!(log.contains("transfer.refused"), "{log}");
}

async fn transfers_to_oneself_to_a_leaver_or_across_organizations_are_refused(backend: Backend) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    connect(&app, &w.li.1, &w.ada.1).await;
    let to_self = transfer(&app, &w, json!({"from": w.ada.0, "to": w.ada.0})).await;
    assert_eq!(
        (to_self.status.as_u16(), to_self.problem_code()),
        (422, "transfer_to_self")
    );
    let other_org = transfer(&app, &w, json!({"from": w.ada.0, "to": w.li.0})).await;
    assert_eq!(
        (other_org.status.as_u16(), other_org.problem_code()),
        (404, "successor_not_found")
    );
    let unknown = transfer(&app, &w, json!({"from": w.ada.0, "to": i64::MAX})).await;
    assert_eq!(unknown.problem_code(), "successor_not_found");
    let foreign_from = transfer(&app, &w, json!({"from": w.li.0, "to": w.cy.0})).await;
    assert_eq!(foreign_from.status, 404);
    app.deactivate_member(&w.admin, w.acme, w.dee.0)
        .await
        .expect(200);
    let to_leaver = transfer(&app, &w, json!({"from": w.ada.0, "to": w.dee.0})).await;
    assert_eq!(
        (to_leaver.status.as_u16(), to_leaver.problem_code()),
        (422, "successor_inactive")
    );
    let hostile = transfer(
        &app,
        &w,
        json!({"from": w.ada.0, "to": w.cy.0, "message": "a\u{0}b"}),
    )
    .await;
    assert_eq!(hostile.status, 422);
    // The customer organization's admin cannot start or read Acme's transfers.
    let (_, c_admin) = app.org_with_admin("Third Party").await;
    let foreign = app
        .post(
            &format!("/v1/orgs/{}/transfers", w.acme),
            Some(&c_admin),
            json!({"from": w.ada.0, "to": w.cy.0}),
        )
        .await;
    assert!(matches!(foreign.status.as_u16(), 403 | 404), "{foreign:?}");
    let listed = app
        .get(&format!("/v1/orgs/{}/transfers", w.acme), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "no refusal wrote anything"
    );
}

async fn two_transfers_of_the_same_contact_at_once_leave_exactly_one_holder(backend: Backend) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    let with_li = connect(&app, &w.li.1, &w.ada.1).await;
    let attempts = (0..8).map(|i| {
        let to = if i % 2 == 0 { w.cy.0 } else { w.dee.0 };
        transfer(
            &app,
            &w,
            json!({"from": w.ada.0, "to": to, "contacts": [with_li]}),
        )
    });
    let answers = futures::future::join_all(attempts).await;
    let mut waiting = Vec::new();
    for a in answers {
        let body = a.expect(201);
        let t = &body["items"][0];
        match t["status"].as_str() {
            Some("waiting") => waiting.push(t["id"].as_i64().expect("id")),
            Some("not_possible") => assert_eq!(t["reason"], "already_transferring"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(waiting.len(), 1, "exactly one transfer waits");
    clock.advance(DAY);
    let done = decided(&app, &w, waiting[0]).await;
    assert_eq!(done["status"], "done");
    let holders = names(&app, &w.li.1).await;
    assert_eq!(holders.len(), 1, "one holder: {holders:?}");
    let cy_has = names(&app, &w.cy.1).await.len();
    let dee_has = names(&app, &w.dee.1).await.len();
    assert_eq!(cy_has + dee_has, 1);
}

async fn a_refusal_racing_the_end_of_the_period_has_one_outcome(backend: Backend) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    // Many customers of Ada's, each refusing just as the period ends.
    let (k_org, c_admin) = app.org_with_admin("Customers Ltd").await;
    app.update_org(&c_admin, k_org, json!({"policy": "open"}))
        .await
        .expect(200);
    let mut customers = Vec::new();
    for i in 0..6 {
        let (_, token) = app
            .member_with_token(&c_admin, k_org, &format!("客户{i}"), &format!("K{i}"))
            .await;
        connect(&app, &token, &w.ada.1).await;
        customers.push(token);
    }
    let started = transfer(&app, &w, json!({"from": w.ada.0, "to": w.cy.0}))
        .await
        .expect(201);
    let ids: Vec<i64> = started["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    // The notices list the same transfers, newest first, for each customer.
    let mut refusals = Vec::new();
    for token in &customers {
        let notice = app.get("/v1/me/transfers", Some(token)).await.expect(200);
        let id = notice["items"][0]["id"].as_i64().expect("id");
        let app = &app;
        refusals.push(async move {
            (
                id,
                app.post(
                    &format!("/v1/me/transfers/{id}/refuse"),
                    Some(token),
                    json!({}),
                )
                .await,
            )
        });
    }
    clock.advance(DAY - 1);
    let tick = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        clock.advance(1);
    };
    let (answers, ()) = tokio::join!(futures::future::join_all(refusals), tick);
    for (id, answer) in answers {
        let last = decided(&app, &w, id).await;
        match answer.status.as_u16() {
            200 => assert_eq!(last["status"], "refused", "{last}"),
            409 => assert_eq!(last["status"], "done", "{last}"),
            other => panic!("unexpected answer {other}: {answer:?}"),
        }
    }
    // Cy holds exactly the relations that were not refused.
    let done = futures::future::join_all(ids.iter().map(|&id| transfer_status(&app, &w, id)))
        .await
        .iter()
        .filter(|t| t["status"] == "done")
        .count();
    assert_eq!(names(&app, &w.cy.1).await.len(), done);
}

async fn the_period_is_stored_and_another_instance_completes_it_after_a_restart(backend: Backend) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    connect(&app, &w.li.1, &w.ada.1).await;
    let started = transfer(&app, &w, json!({"from": w.ada.0, "to": w.cy.0}))
        .await
        .expect(201);
    let id = started["items"][0]["id"].as_i64().expect("id");
    // A new instance, started a day later, knows nothing but the database.
    let later: Arc<dyn namecard::service::Clock> =
        Arc::new(ManualClock::at(1_900_000_000 + DAY + 1));
    let restarted = app.another_instance_at(RawSettings::default(), later).await;
    let done = decided(&restarted, &w, id).await;
    assert_eq!(done["status"], "done");
    assert_eq!(names(&restarted, &w.li.1).await, ["Cy Young"]);
}

async fn a_phone_photo_of_a_leavers_old_card_reaches_their_successor(backend: Backend) {
    let clock = Arc::new(ManualClock::at(1_900_000_000));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    let old_text = app.card_text(&w.ada.1).await;
    let photo = photo_of_printable_card(&app, &w.ada.1).await;
    let path = format!("/v1/orgs/{}/members/{}/successor", w.acme, w.ada.0);
    app.send(
        Method::PUT,
        &path,
        Some(&w.admin),
        Some(json!({"successor_id": w.cy.0})),
    )
    .await
    .expect(204);
    assert_eq!(
        app.get(&path, Some(&w.admin)).await.expect(200)["successor_id"],
        w.cy.0
    );
    app.deactivate_member(&w.admin, w.acme, w.ada.0)
        .await
        .expect(200);

    // Offline, the signed list points the old card to the same successor.
    let jwks = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset = Keyset::from_jwks(&jwks.bytes).expect("jwks");
    let list = app
        .get("/.well-known/namecard-revocations.json", None)
        .await;
    let list = RevocationList::load(&list.bytes, &keyset, 300).expect("list");
    let offline = verify_card(
        &old_text,
        &keyset,
        Some(&list),
        &VerifyOptions::at(clock.now()),
    )
    .expect_err("revoked");
    let pointer = offline.revocation.and_then(|r| r.successor);
    assert_eq!(
        pointer.map(|s| (s.name, s.title)),
        Some(("Cy Young".to_owned(), Some("Engineer".to_owned())))
    );

    let scanned = app
        .scan_photo(&w.li.1, photo, "/v1/scans")
        .await
        .expect(201);
    assert_eq!(scanned["owner"]["name"], "Cy Young");
    assert_eq!(scanned["routed_from"]["name"], "Ada Lovelace");
    assert_eq!(
        scanned["notice"],
        "Ada Lovelace has left Acme Robotics; your request goes to Cy Young."
    );
    let request = scanned["request"]["id"].as_i64().expect("request");
    let inbox = app.requests(&w.cy.1, "direction=incoming").await;
    assert_eq!(inbox["items"][0]["id"], request);
    app.decide(&w.cy.1, request, "accept").await.expect(200);
    assert_eq!(names(&app, &w.li.1).await, ["Cy Young"]);

    // The organization turns routing off: the old card answers that its owner left.
    app.update_org(&w.admin, w.acme, json!({"successor_routing": false}))
        .await
        .expect(200);
    let off = app.scan_text(&w.wang.1, &old_text).await;
    assert_eq!(
        (off.status.as_u16(), off.problem_code()),
        (422, "owner_inactive")
    );
    // On again, but the successor left too, with nobody after them.
    app.update_org(&w.admin, w.acme, json!({"successor_routing": true}))
        .await
        .expect(200);
    app.deactivate_member(&w.admin, w.acme, w.cy.0)
        .await
        .expect(200);
    let chain_ends = app.scan_text(&w.wang.1, &old_text).await;
    assert_eq!(chain_ends.problem_code(), "owner_inactive");
    // A successor of another organization, or oneself, is refused.
    let foreign = app
        .send(
            Method::PUT,
            &path,
            Some(&w.admin),
            Some(json!({"successor_id": w.li.0})),
        )
        .await;
    assert_eq!(foreign.problem_code(), "successor_not_found");
    let own = app
        .send(
            Method::PUT,
            &path,
            Some(&w.admin),
            Some(json!({"successor_id": w.ada.0})),
        )
        .await;
    assert_eq!(own.problem_code(), "transfer_to_self");
}

on_both_databases!(
    a_handover_takes_effect_when_the_period_ends_and_carries_tags_and_notes,
    a_leavers_contacts_wait_unassigned_until_the_admin_gives_them_to_someone,
    a_contact_who_refuses_ends_the_relationship_within_the_period_only,
    transfers_to_oneself_to_a_leaver_or_across_organizations_are_refused,
    two_transfers_of_the_same_contact_at_once_leave_exactly_one_holder,
    a_refusal_racing_the_end_of_the_period_has_one_outcome,
    the_period_is_stored_and_another_instance_completes_it_after_a_restart,
    a_phone_photo_of_a_leavers_old_card_reaches_their_successor,
);
