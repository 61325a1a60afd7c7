//! Contact ways (team codes): an admin's ways and a member's own, their events, their QR (a
//! signed team card); on both databases.

use crate::common::{Backend, TestApp, spawn_app, spawn_app_at, spawn_app_on, spawn_app_with};
use crate::contacts::{ContactsClient as _, Receiver, futures_join_all};
use namecard::card::{CardKind, Keyset, RevocationList, VerifyOptions, verify_card};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// Acme (open) with an admin and three members, and a customer organization (open) with one.
pub(crate) struct World {
    pub acme: i64,
    pub admin: String,
    pub ada: (i64, String),
    pub cy: (i64, String),
    pub dee: (i64, String),
    pub customer: i64,
    pub c_admin: String,
    pub li: (i64, String),
}

pub(crate) async fn world(app: &TestApp) -> World {
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
        acme,
        admin,
        customer,
        c_admin,
    }
}

/// Creates a way of Acme answered by `members`, with `extra` fields; its view.
pub(crate) async fn create_way(app: &TestApp, w: &World, members: &[i64], extra: Value) -> Value {
    let mut body = json!({ "name": "Sales team", "channel": "fair-2026", "members": members });
    for (k, v) in extra.as_object().expect("an object") {
        body[k] = v.clone();
    }
    app.post(
        &format!("/v1/orgs/{}/contact-ways", w.acme),
        Some(&w.admin),
        body,
    )
    .await
    .expect(201)
}

/// [`create_way`], for its id.
async fn new_way(app: &TestApp, w: &World, members: &[i64], extra: Value) -> i64 {
    create_way(app, w, members, extra).await["id"]
        .as_i64()
        .expect("id")
}

/// Deletes a way of Acme (its admin).
async fn delete_way(app: &TestApp, w: &World, id: i64) {
    let path = format!("/v1/orgs/{}/contact-ways/{id}", w.acme);
    app.send(Method::DELETE, &path, Some(&w.admin), None)
        .await
        .expect(204);
}

async fn audit_log(app: &TestApp, org: i64, admin: &str) -> String {
    let audit = app.get(&format!("/v1/orgs/{org}/audit"), Some(admin)).await;
    assert_eq!(audit.status, 200);
    String::from_utf8(audit.bytes.clone()).expect("utf-8")
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|w| w["id"].as_i64().expect("id"))
        .collect()
}

async fn an_admin_creates_lists_changes_and_deletes_a_way_and_each_change_is_an_event(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;

    let created = create_way(
        &app,
        &w,
        &[w.ada.0, w.cy.0],
        json!({ "sharing": "fewest_pending", "welcome": "Hi {requester}, {member} here." }),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "Sales team");
    assert_eq!(created["channel"], "fair-2026");
    assert_eq!(created["sharing"], "fewest_pending");
    assert_eq!(created["auto_accept"], false, "approval is the default");
    assert_eq!(created["state"], "live");
    assert_eq!(created["members"][0]["name"], "Ada Lovelace");
    assert_eq!(created["members"][1]["member_id"], w.cy.0);
    assert!(
        created["created_by"]
            .as_str()
            .unwrap()
            .starts_with("admin:"),
        "{created}"
    );

    let path = format!("/v1/orgs/{}/contact-ways/{id}", w.acme);
    let changed = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.admin),
            Some(json!({ "paused": true, "members": [w.dee.0], "channel": null, "auto_accept": true })),
        )
        .await
        .expect(200);
    assert_eq!(changed["state"], "paused");
    assert_eq!(changed["channel"], Value::Null);
    assert_eq!(changed["auto_accept"], true);
    assert_eq!(changed["members"].as_array().unwrap().len(), 1);
    assert_eq!(changed["welcome"], "Hi {requester}, {member} here.", "kept");
    assert_eq!(app.get(&path, Some(&w.admin)).await.expect(200), changed);

    let list = app
        .get(&format!("/v1/orgs/{}/contact-ways", w.acme), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(ids(&list), [id]);

    app.send(Method::DELETE, &path, Some(&w.admin), None)
        .await
        .expect(204);
    assert_eq!(app.get(&path, Some(&w.admin)).await.status, 404);
    let list = app
        .get(&format!("/v1/orgs/{}/contact-ways", w.acme), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(ids(&list), Vec::<i64>::new());

    let log = audit_log(&app, w.acme, &w.admin).await;
    for event in [
        "contact_way.created",
        "contact_way.updated",
        "contact_way.deleted",
    ] {
        assert!(log.contains(event), "{event} missing from {log}");
    }
    assert!(log.contains(&format!("contact_way/{id}")), "{log}");
}

async fn bad_ways_are_refused_and_members_of_other_organizations_are_not_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let path = format!("/v1/orgs/{}/contact-ways", w.acme);
    for (body, status, field) in [
        (json!({ "name": "Sales", "members": [] }), 422, "members"),
        (
            json!({ "name": "Sales", "members": [w.ada.0, w.ada.0] }),
            422,
            "members",
        ),
        (json!({ "name": "", "members": [w.ada.0] }), 422, "name"),
        (
            json!({ "name": "Sales", "members": [w.ada.0], "channel": "a b" }),
            422,
            "channel",
        ),
        (
            json!({ "name": "Sales", "members": [w.ada.0], "welcome": "x".repeat(501) }),
            422,
            "welcome",
        ),
    ] {
        let refused = app.post(&path, Some(&w.admin), body.clone()).await;
        assert_eq!(refused.status, status, "{body}: {}", refused.json);
        assert_eq!(refused.json["field"], field, "{body}: {}", refused.json);
    }
    // Li is a member of the customer organization: not one of Acme's.
    let refused = app
        .post(
            &path,
            Some(&w.admin),
            json!({ "name": "Sales", "members": [w.ada.0, w.li.0] }),
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.json);
    let list = app.get(&path, Some(&w.admin)).await.expect(200);
    assert_eq!(ids(&list), Vec::<i64>::new(), "nothing was written");
}

async fn another_organizations_way_is_not_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;
    // The customer's admin, naming Acme's way under their own organization.
    let theirs = format!("/v1/orgs/{}/contact-ways/{id}", w.customer);
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({ "paused": true }));
        let answer = app
            .send(method.clone(), &theirs, Some(&w.c_admin), body)
            .await;
        assert_eq!(answer.status, 404, "{method}: {}", answer.json);
    }
    let qr = app.get(&format!("{theirs}/qr.png"), Some(&w.c_admin)).await;
    assert_eq!(qr.status, 404);
    // Nor is another member's own way one of mine.
    let own = app
        .post(
            "/v1/me/contact-ways",
            Some(&w.cy.1),
            json!({ "name": "Cy direct" }),
        )
        .await
        .expect(201);
    let answer = app
        .get(
            &format!("/v1/me/contact-ways/{}", own["id"]),
            Some(&w.ada.1),
        )
        .await;
    assert_eq!(answer.status, 404);
    let answer = app
        .get(&format!("/v1/me/contact-ways/{id}"), Some(&w.ada.1))
        .await;
    assert_eq!(
        answer.status, 404,
        "the organization's way is not Ada's own"
    );
}

async fn a_member_keeps_ways_of_their_own_answered_by_themselves(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let refused = app
        .post(
            "/v1/me/contact-ways",
            Some(&w.ada.1),
            json!({ "name": "Ada direct", "members": [w.cy.0] }),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.json);

    let own = app
        .post(
            "/v1/me/contact-ways",
            Some(&w.ada.1),
            json!({ "name": "Ada direct", "one_time": true }),
        )
        .await
        .expect(201);
    let id = own["id"].as_i64().unwrap();
    assert_eq!(own["owner_member_id"], w.ada.0);
    assert_eq!(own["members"][0]["member_id"], w.ada.0);
    assert!(own["created_by"].as_str().unwrap().starts_with("member:"));

    let mine = app
        .get("/v1/me/contact-ways", Some(&w.ada.1))
        .await
        .expect(200);
    assert_eq!(ids(&mine), [id]);
    let cys = app
        .get("/v1/me/contact-ways", Some(&w.cy.1))
        .await
        .expect(200);
    assert_eq!(ids(&cys), Vec::<i64>::new());
    // The admin sees it among the organization's ways, and cannot give it other members.
    let all = app
        .get(&format!("/v1/orgs/{}/contact-ways", w.acme), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(ids(&all), [id]);
    let refused = app
        .send(
            Method::PATCH,
            &format!("/v1/orgs/{}/contact-ways/{id}", w.acme),
            Some(&w.admin),
            Some(json!({ "members": [w.cy.0] })),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.json);

    let path = format!("/v1/me/contact-ways/{id}");
    let changed = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.ada.1),
            Some(json!({ "name": "Ada at the fair" })),
        )
        .await
        .expect(200);
    assert_eq!(changed["name"], "Ada at the fair");
    let refused = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.ada.1),
            Some(json!({ "members": [w.cy.0] })),
        )
        .await;
    assert_eq!(refused.status, 422);
    app.send(Method::DELETE, &path, Some(&w.ada.1), None)
        .await
        .expect(204);
    assert_eq!(app.get(&path, Some(&w.ada.1)).await.status, 404);
}

/// The claims of a team code's QR image, decoded and verified as any reader would.
async fn read_qr(app: &TestApp, png: &[u8]) -> namecard::card::CardClaims {
    let report = namecard::scan::decode_photo(png, &namecard::scan::ScanLimits::default())
        .expect("a readable QR code");
    claims_of(app, &report.codes[0].text).await
}

/// The claims of a card text the app's published keys verify.
async fn claims_of(app: &TestApp, text: &str) -> namecard::card::CardClaims {
    let jwks = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset = Keyset::from_jwks(&jwks.bytes).expect("the keys");
    verify_card(text, &keyset, None, &VerifyOptions::now())
        .expect("a valid card")
        .claims
}

async fn a_ways_plain_link_is_the_text_of_its_qr_and_opens_in_a_browser(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;

    let link = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{id}/link", w.acme),
            Some(&w.admin),
        )
        .await
        .expect(200);
    let text = link["text"].as_str().unwrap();
    assert_eq!(
        text,
        way_text(&app, &w, id).await,
        "the link is what the QR holds"
    );
    assert_eq!(
        link["url"], text,
        "a card URL of this service opens in a browser"
    );
    assert!(
        text.to_ascii_lowercase()
            .starts_with("https://nc.example.com/")
    );
    // The page the link opens is this service's card page, signed out too.
    let path = &text["https://nc.example.com".len()..];
    let page = app.get(path, None).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));

    let own = app
        .post(
            "/v1/me/contact-ways",
            Some(&w.ada.1),
            json!({ "name": "Ada direct" }),
        )
        .await
        .expect(201);
    let own_id = own["id"].as_i64().unwrap();
    let mine = app
        .get(
            &format!("/v1/me/contact-ways/{own_id}/link"),
            Some(&w.ada.1),
        )
        .await
        .expect(200);
    let claims = claims_of(&app, mine["text"].as_str().unwrap()).await;
    assert_eq!(claims.kind, CardKind::Team);
    assert_eq!(claims.member_name, "Ada direct");
    // Another member's own way, and the organization's way through /v1/me, are not theirs.
    app.get(&format!("/v1/me/contact-ways/{own_id}/link"), Some(&w.cy.1))
        .await
        .expect(404);
    app.get(&format!("/v1/me/contact-ways/{id}/link"), Some(&w.ada.1))
        .await
        .expect(404);
}

async fn a_ways_qr_is_a_signed_team_card_with_the_teams_name(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0, w.cy.0], json!({})).await;
    let path = format!("/v1/orgs/{}/contact-ways/{id}/qr", w.acme);

    let png = app.get(&format!("{path}.png"), Some(&w.admin)).await;
    assert_eq!(png.status, 200);
    assert_eq!(png.content_type, "image/png");
    let claims = read_qr(&app, &png.bytes).await;
    assert_eq!(claims.kind, CardKind::Team);
    assert_eq!(claims.member_name, "Sales team");
    assert_eq!(claims.org_name, "Acme Robotics");
    assert_eq!(claims.member_id, u64::try_from(id).unwrap());
    assert_eq!(claims.channel.as_deref(), Some("fair-2026"));

    // The same card each time, until what it shows changes.
    let again = app.get(&format!("{path}.png"), Some(&w.admin)).await;
    assert_eq!(read_qr(&app, &again.bytes).await.card_id, claims.card_id);
    // The poster: the same card, with the names, still readable from its image.
    let poster = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{id}/poster.png", w.acme),
            Some(&w.admin),
        )
        .await;
    assert_eq!(poster.status, 200, "{}", poster.json);
    assert_eq!(read_qr(&app, &poster.bytes).await.card_id, claims.card_id);
    let svg = app.get(&format!("{path}.svg"), Some(&w.admin)).await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.content_type, "image/svg+xml");
    assert!(String::from_utf8_lossy(&svg.bytes).contains("<svg"));

    app.send(
        Method::PATCH,
        &format!("/v1/orgs/{}/contact-ways/{id}", w.acme),
        Some(&w.admin),
        Some(json!({ "name": "Booth 3A" })),
    )
    .await
    .expect(200);
    let renamed = app.get(&format!("{path}.png"), Some(&w.admin)).await;
    let renamed = read_qr(&app, &renamed.bytes).await;
    assert_eq!(renamed.member_name, "Booth 3A");
    assert_ne!(renamed.card_id, claims.card_id);
    assert!(!renamed.one_time);

    app.send(
        Method::PATCH,
        &format!("/v1/orgs/{}/contact-ways/{id}", w.acme),
        Some(&w.admin),
        Some(json!({ "one_time": true })),
    )
    .await
    .expect(200);
    let once = app.get(&format!("{path}.png"), Some(&w.admin)).await;
    assert!(
        read_qr(&app, &once.bytes).await.one_time,
        "the card states the new flag"
    );
}

/// The way's team code, as its QR image holds it.
async fn way_text(app: &TestApp, w: &World, id: i64) -> String {
    let png = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{id}/qr.png", w.acme),
            Some(&w.admin),
        )
        .await;
    assert_eq!(png.status, 200, "{}", png.json);
    let report = namecard::scan::decode_photo(&png.bytes, &namecard::scan::ScanLimits::default())
        .expect("a readable QR code");
    report.codes[0].text.clone()
}

/// `n` new members of the customer organization, each with a token; their employee ids start
/// with `prefix`.
async fn requesters(app: &TestApp, w: &World, prefix: &str, n: usize) -> Vec<(i64, String)> {
    let mut all = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("{prefix}{i}");
        all.push(
            app.member_with_token(&w.c_admin, w.customer, &format!("Buyer {id}"), &id)
                .await,
        );
    }
    all
}

/// Who answered a scan (the owner the routing chose).
fn answered_by(scan: &Value) -> i64 {
    scan["owner"]["member_id"].as_i64().expect("owner")
}

fn count(owners: &[i64], member: i64) -> usize {
    owners.iter().filter(|&&o| o == member).count()
}

async fn round_robin_shares_concurrent_scans_evenly_and_skips_a_deactivated_member(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0, w.cy.0, w.dee.0], json!({})).await;
    let text = way_text(&app, &w, id).await;
    let buyers = requesters(&app, &w, "B", 36).await;

    // Thirty scans at once: ten each.
    let scans = futures_join_all(buyers[..30].iter().map(|(_, t)| app.scan_text(t, &text))).await;
    let mut owners = Vec::new();
    for scan in scans {
        let json = scan.expect(201);
        assert_eq!(json["outcome"], "request_created");
        assert_eq!(json["contact_way"]["id"], id);
        assert_eq!(json["contact_way"]["name"], "Sales team");
        assert_eq!(json["request"]["source"], "team_code");
        assert_eq!(json["request"]["card_channel"], "fair-2026");
        assert_eq!(json["request"]["status"], "pending");
        owners.push(answered_by(&json));
    }
    for m in [w.ada.0, w.cy.0, w.dee.0] {
        assert_eq!(count(&owners, m), 10, "{owners:?}");
    }

    // Cy leaves: the next six go to Ada and Dee, three each.
    app.deactivate_member(&w.admin, w.acme, w.cy.0)
        .await
        .expect(200);
    let mut owners = Vec::new();
    for (_, token) in &buyers[30..] {
        owners.push(answered_by(&app.scan_text(token, &text).await.expect(201)));
    }
    assert_eq!(count(&owners, w.cy.0), 0, "{owners:?}");
    assert_eq!(count(&owners, w.ada.0), 3, "{owners:?}");
    assert_eq!(count(&owners, w.dee.0), 3, "{owners:?}");

    // Everyone gone: no one answers, and nothing is written.
    for m in [w.ada.0, w.dee.0] {
        app.deactivate_member(&w.admin, w.acme, m).await.expect(200);
    }
    let (_, late) = &requesters(&app, &w, "L", 1).await[0];
    let refused = app.scan_text(late, &text).await;
    assert_eq!(refused.status, 422, "{}", refused.json);
    assert_eq!(refused.problem_code(), "no_one_available");
    assert_eq!(
        app.requests(late, "direction=outgoing").await["items"],
        json!([])
    );
}

async fn fewest_pending_routes_each_scan_to_the_least_busy_member(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(
        &app,
        &w,
        &[w.ada.0, w.cy.0, w.dee.0],
        json!({ "sharing": "fewest_pending" }),
    )
    .await;
    let text = way_text(&app, &w, id).await;
    let buyers = requesters(&app, &w, "B", 5).await;
    // Ada already has a pending request (a scan of her own card).
    let ada_card = app.card_text(&w.ada.1).await;
    app.request_id(&buyers[0].1, &ada_card).await;

    let mut owners = Vec::new();
    for (_, token) in &buyers[1..4] {
        owners.push(answered_by(&app.scan_text(token, &text).await.expect(201)));
    }
    // 1/0/0 -> Cy, 1/1/0 -> Dee, 1/1/1 -> Ada (the first of the tie).
    assert_eq!(owners, [w.cy.0, w.dee.0, w.ada.0]);

    // Dee decides hers and Cy leaves: Dee has the fewest of those still active.
    let dees = app.requests(&w.dee.1, "direction=incoming").await;
    let request = dees["items"][0]["id"].as_i64().unwrap();
    app.decide(&w.dee.1, request, "reject").await.expect(200);
    app.deactivate_member(&w.admin, w.acme, w.cy.0)
        .await
        .expect(200);
    let scan = app.scan_text(&buyers[4].1, &text).await.expect(201);
    assert_eq!(answered_by(&scan), w.dee.0);
}

async fn a_scanner_already_waiting_for_a_member_of_the_team_stays_with_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0, w.cy.0], json!({})).await;
    let text = way_text(&app, &w, id).await;
    let first = app.scan_text(&w.li.1, &text).await.expect(201);
    let again = app.scan_text(&w.li.1, &text).await.expect(200);
    assert_eq!(again["outcome"], "already_pending");
    assert_eq!(answered_by(&again), answered_by(&first));
    assert_eq!(again["request"]["id"], first["request"]["id"]);
    // A colleague scanning the code is sent to the directory.
    let colleague = app.scan_text(&w.dee.1, &text).await.expect(200);
    assert_eq!(colleague["outcome"], "same_organization");
}

async fn paused_expired_deleted_and_used_up_ways_are_refused_with_their_own_codes(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let patch = |id: i64, body: Value| {
        let path = format!("/v1/orgs/{}/contact-ways/{id}", w.acme);
        let admin = w.admin.clone();
        let app = &app;
        async move {
            app.send(Method::PATCH, &path, Some(&admin), Some(body))
                .await
                .expect(200)
        }
    };
    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;
    let text = way_text(&app, &w, id).await;

    patch(id, json!({ "paused": true })).await;
    let refused = app.scan_text(&w.li.1, &text).await;
    assert_eq!(
        (refused.status.as_u16(), refused.problem_code()),
        (422, "contact_way_paused")
    );
    let preview = app
        .post("/v1/scans/preview", Some(&w.li.1), json!({ "text": text }))
        .await;
    assert_eq!(preview.problem_code(), "contact_way_paused");

    patch(id, json!({ "paused": false, "expires_at": 1_000_000 })).await;
    let refused = app.scan_text(&w.li.1, &text).await;
    assert_eq!(
        (refused.status.as_u16(), refused.problem_code()),
        (422, "contact_way_expired")
    );

    delete_way(&app, &w, id).await;
    let refused = app.scan_text(&w.li.1, &text).await;
    assert_eq!(
        (refused.status.as_u16(), refused.problem_code()),
        (422, "contact_way_deleted")
    );

    let once = new_way(&app, &w, &[w.ada.0], json!({ "one_time": true })).await;
    let text = way_text(&app, &w, once).await;
    app.scan_text(&w.li.1, &text).await.expect(201);
    let (_, other) = &requesters(&app, &w, "B", 1).await[0];
    let refused = app.scan_text(other, &text).await;
    assert_eq!(
        (refused.status.as_u16(), refused.problem_code()),
        (409, "contact_way_used")
    );
    assert_eq!(
        app.requests(&w.ada.1, "").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn a_one_time_way_scanned_by_twenty_requesters_at_once_makes_exactly_one_request(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(
        &app,
        &w,
        &[w.ada.0, w.cy.0, w.dee.0],
        json!({ "one_time": true }),
    )
    .await;
    let text = way_text(&app, &w, id).await;
    let buyers = requesters(&app, &w, "B", 20).await;

    let scans = futures_join_all(buyers.iter().map(|(_, t)| app.scan_text(t, &text))).await;

    let created = scans.iter().filter(|a| a.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        scans.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for refused in scans.iter().filter(|a| a.status != 201) {
        assert_eq!(refused.status, 409, "{}", refused.json);
        assert_eq!(refused.json["code"], "contact_way_used");
    }
    let mut inboxes = 0;
    for (_, token) in [&w.ada, &w.cy, &w.dee] {
        inboxes += app.requests(token, "").await["items"]
            .as_array()
            .unwrap()
            .len();
    }
    assert_eq!(inboxes, 1, "exactly one request in the team's inboxes");
    let way = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{id}", w.acme),
            Some(&w.admin),
        )
        .await
        .expect(200);
    assert_eq!(way["state"], "used_up");
}

async fn the_scanner_is_told_who_answers_in_their_own_language(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;
    let text = way_text(&app, &w, id).await;

    let scan = app
        .client
        .post(format!("{}/v1/scans", app.base))
        .bearer_auth(&w.li.1)
        .header("accept-language", "zh-TW,zh;q=0.9")
        .json(&json!({ "text": text }))
        .send()
        .await
        .expect("scan");
    let scan = TestApp::read(scan).await.expect(201);

    assert_eq!(
        scan["notice"],
        "將由Acme Robotics的Ada Lovelace（Sales team）回覆你。"
    );
}

async fn an_auto_accept_way_connects_both_sides_at_once_with_the_welcome(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(
        &app,
        &w,
        &[w.ada.0],
        json!({ "auto_accept": true, "welcome": "您好 {requester}! {member} will look after you." }),
    ).await;
    let text = way_text(&app, &w, id).await;

    let scan = app.scan_text(&w.li.1, &text).await.expect(201);

    assert_eq!(scan["request"]["status"], "accepted", "{scan}");
    assert_eq!(
        scan["request"]["welcome"],
        "您好 李娜! Ada Lovelace will look after you."
    );
    assert_eq!(
        scan["notice"],
        "Ada Lovelace of Acme Robotics (Sales team) will answer you."
    );
    let li = app.contacts(&w.li.1).await;
    assert_eq!(li.len(), 1);
    assert_eq!(li[0]["contact"]["name"], "Ada Lovelace");
    assert_eq!(li[0]["source"], "team_code");
    assert_eq!(li[0]["channel"], "fair-2026");
    let ada = app.contacts(&w.ada.1).await;
    assert_eq!(ada[0]["contact"]["name"], "李娜");
    for (org, admin) in [(w.acme, &w.admin), (w.customer, &w.c_admin)] {
        let log = audit_log(&app, org, admin).await;
        assert!(log.contains("contact_request.created"), "{log}");
        assert!(log.contains("contact_request.accepted"), "{log}");
        assert!(
            log.contains(&format!("contact_way/{id}")),
            "accepted by the way: {log}"
        );
    }
}

async fn an_approval_way_waits_for_the_routed_member_and_the_welcome_follows_the_accept(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(
        &app,
        &w,
        &[w.cy.0],
        json!({ "welcome": "Hello {requester}" }),
    )
    .await;
    // A phone photo of the code works as its text does.
    let png = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{id}/qr.png", w.acme),
            Some(&w.admin),
        )
        .await;
    let scan = app
        .scan_photo(&w.li.1, png.bytes.clone(), "/v1/scans")
        .await
        .expect(201);
    assert_eq!(scan["request"]["status"], "pending");
    assert_eq!(
        scan["request"]["welcome"],
        Value::Null,
        "not before it is accepted"
    );
    assert!(app.contacts(&w.li.1).await.is_empty());

    let request = scan["request"]["id"].as_i64().unwrap();
    app.decide(&w.cy.1, request, "accept").await.expect(200);
    let mine = app.requests(&w.li.1, "direction=outgoing").await;
    assert_eq!(mine["items"][0]["status"], "accepted");
    assert_eq!(mine["items"][0]["welcome"], "Hello 李娜");
    assert_eq!(mine["items"][0]["contact_way_id"], id);
}

async fn a_team_code_is_refused_where_either_organizations_policy_refuses(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0], json!({ "auto_accept": true })).await;
    let text = way_text(&app, &w, id).await;

    app.update_org(&w.admin, w.acme, json!({ "policy": "partners_only" }))
        .await
        .expect(200);
    let refused = app.scan_text(&w.li.1, &text).await;
    assert_eq!(refused.status, 403, "{}", refused.json);
    assert_eq!(refused.problem_code(), "policy_blocked");
    assert_eq!(refused.json["blocked_by"], "owner_organization");

    app.update_org(&w.admin, w.acme, json!({ "policy": "open" }))
        .await
        .expect(200);
    app.update_org(&w.c_admin, w.customer, json!({ "policy": "disabled" }))
        .await
        .expect(200);
    let refused = app.scan_text(&w.li.1, &text).await;
    assert_eq!(refused.problem_code(), "policy_blocked");
    assert_eq!(refused.json["blocked_by"], "requester_organization");
    assert!(app.contacts(&w.ada.1).await.is_empty());
    assert_eq!(app.requests(&w.ada.1, "").await["items"], json!([]));
}

async fn a_deleted_ways_code_fails_offline_once_the_revocation_list_has_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;
    let text = way_text(&app, &w, id).await;
    let jwks = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset = Keyset::from_jwks(&jwks.bytes).unwrap();
    let offline = |list: &RevocationList| {
        verify_card(&text, &keyset, Some(list), &VerifyOptions::now()).map(|_| ())
    };
    let published = app
        .get("/.well-known/namecard-revocations.json", None)
        .await;
    let list = RevocationList::load(&published.bytes, &keyset, 300).unwrap();
    assert!(offline(&list).is_ok(), "a live way's code verifies offline");

    delete_way(&app, &w, id).await;

    let published = app
        .get("/.well-known/namecard-revocations.json", None)
        .await;
    let list = RevocationList::load(&published.bytes, &keyset, 300).unwrap();
    let refused = offline(&list).unwrap_err();
    assert_eq!(refused.reason.as_str(), "revoked");
    assert_eq!(
        refused.revocation.map(|r| r.state),
        Some(namecard::card::RevokedState::Withdrawn)
    );
}

async fn every_change_to_a_way_made_through_the_api_reaches_the_webhook(backend: Backend) {
    // The receiver is on loopback, which only an operator's setting lets webhooks reach.
    let raw = namecard::config::RawSettings {
        webhook_private_addresses: Some(true),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, raw).await else {
        return;
    };
    let w = world(&app).await;
    let receiver = Receiver::start().await;
    app.send(
        Method::PUT,
        &format!("/v1/orgs/{}/webhook", w.acme),
        Some(&w.admin),
        Some(json!({ "url": receiver.url })),
    )
    .await
    .expect(200);

    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;
    app.send(
        Method::PATCH,
        &format!("/v1/orgs/{}/contact-ways/{id}", w.acme),
        Some(&w.admin),
        Some(json!({ "paused": true })),
    )
    .await
    .expect(200);
    delete_way(&app, &w, id).await;

    // The receiver fails its first delivery, which is retried: four requests in all.
    let delivered = receiver
        .wait_for(4, std::time::Duration::from_secs(20))
        .await;
    let mut events: Vec<String> = delivered
        .iter()
        .map(|(_, body)| {
            let event: Value = serde_json::from_str(body).expect("JSON");
            assert_eq!(event["data"]["id"], id, "{event}");
            event["event"].as_str().expect("event").to_owned()
        })
        .collect();
    events.sort();
    events.dedup();
    assert_eq!(
        events,
        [
            "contact_way.created",
            "contact_way.deleted",
            "contact_way.updated"
        ]
    );
}

async fn a_ways_stats_count_its_requests_per_member_over_a_period(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0, w.cy.0], json!({})).await;
    let text = way_text(&app, &w, id).await;
    let buyers = requesters(&app, &w, "B", 4).await;
    let mut requests = Vec::new();
    for (_, token) in &buyers {
        let scan = app.scan_text(token, &text).await.expect(201);
        requests.push((answered_by(&scan), scan["request"]["id"].as_i64().unwrap()));
    }
    // Round robin: Ada, Cy, Ada, Cy. Ada accepts one and rejects one, Cy accepts one.
    let token_of = |m: i64| if m == w.ada.0 { &w.ada.1 } else { &w.cy.1 };
    for ((owner, request), what) in requests.iter().zip(["accept", "accept", "reject"]) {
        app.decide(token_of(*owner), *request, what)
            .await
            .expect(200);
    }
    // A buyer cancels the last one: not an answer.
    app.decide(&buyers[3].1, requests[3].1, "cancel")
        .await
        .expect(200);

    let path = format!("/v1/orgs/{}/contact-ways/{id}/stats", w.acme);
    let stats = app.get(&path, Some(&w.admin)).await.expect(200);
    let total = &stats["total"];
    assert_eq!(
        [
            &total["requests"],
            &total["accepted"],
            &total["rejected"],
            &total["cancelled"]
        ],
        [4, 2, 1, 1]
    );
    assert!(total["median_answer_secs"].as_i64().unwrap() >= 0);
    let members = stats["members"].as_array().unwrap();
    assert_eq!(members[0]["member_id"], w.ada.0);
    assert_eq!(
        [
            &members[0]["requests"],
            &members[0]["accepted"],
            &members[0]["rejected"]
        ],
        [2, 1, 1]
    );
    assert_eq!(members[1]["member_id"], w.cy.0);
    assert_eq!([&members[1]["accepted"], &members[1]["cancelled"]], [1, 1]);

    // A period before the scans holds nothing; a backwards one is refused.
    let before = app
        .get(&format!("{path}?from=0&to=1000"), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(before["total"]["requests"], 0);
    let refused = app
        .get(&format!("{path}?from=10&to=5"), Some(&w.admin))
        .await;
    assert_eq!(refused.status, 400);
    let theirs = format!("/v1/orgs/{}/contact-ways/{id}/stats", w.customer);
    assert_eq!(app.get(&theirs, Some(&w.c_admin)).await.status, 404);
}

/// The counts of a statistics entry, in a fixed order: requests, pending, accepted, rejected,
/// cancelled, expired, median answer.
fn counts_of(c: &Value) -> [Value; 7] {
    [
        "requests",
        "pending",
        "accepted",
        "rejected",
        "cancelled",
        "expired",
        "median_answer_secs",
    ]
    .map(|k| c[k].clone())
}

/// What [`counts_of`] reads for these counts and median.
fn counted(n: [i64; 6], median: Option<i64>) -> [Value; 7] {
    let [a, b, c, d, e, f] = n.map(|n| json!(n));
    [a, b, c, d, e, f, json!(median)]
}

async fn an_organizations_stats_per_channel_count_personal_cards_and_team_codes_over_a_period(
    backend: Backend,
) {
    // A history on a clock the test holds, so every answer time is known.
    let t0 = namecard::card::unix_now() - 30 * 86_400;
    let clock = Arc::new(namecard::service::ManualClock::at(t0));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app).await;
    let fair = new_way(&app, &w, &[w.ada.0, w.cy.0], json!({})).await; // channel fair-2026
    let web = new_way(
        &app,
        &w,
        &[w.dee.0],
        json!({ "name": "Web", "channel": "web" }),
    )
    .await;
    let fair_text = way_text(&app, &w, fair).await;
    let web_text = way_text(&app, &w, web).await;
    let card = |body: Value, path: &'static str| {
        let app = &app;
        let token = w.ada.1.clone();
        async move {
            app.post(path, Some(&token), body).await.expect(201)["text"]
                .as_str()
                .expect("text")
                .to_owned()
        }
    };
    // Ada's extra card for the same fair, and her primary card (no channel).
    let ada_fair = card(json!({ "channel": "fair-2026" }), "/v1/me/cards").await;
    let ada_plain = card(json!({}), "/v1/me/card").await;
    let buyers = requesters(&app, &w, "B", 6).await;
    let at = |secs: i64| clock.set(t0 + secs);
    let scan = async |buyer: usize, text: &str| {
        let scanned = app.scan_text(&buyers[buyer].1, text).await.expect(201);
        (
            answered_by(&scanned),
            scanned["request"]["id"].as_i64().expect("id"),
        )
    };
    at(0);
    let (ada, r0) = scan(0, &fair_text).await; // the round robin's first turn: Ada
    assert_eq!(ada, w.ada.0);
    at(10);
    let (cy, r1) = scan(1, &fair_text).await;
    assert_eq!(cy, w.cy.0);
    at(20);
    let (_, r2) = scan(2, &ada_fair).await;
    at(30);
    scan(3, &web_text).await; // Dee never answers: it expires
    at(40);
    let (_, r4) = scan(4, &ada_plain).await;
    at(50);
    app.decide(&buyers[4].1, r4, "cancel").await.expect(200);
    at(100);
    app.decide(&w.ada.1, r0, "accept").await.expect(200); // answered in 100 s
    at(310);
    app.decide(&w.cy.1, r1, "reject").await.expect(200); // 300 s
    at(1020);
    app.decide(&w.ada.1, r2, "accept").await.expect(200); // 1000 s
    at(2000);
    scan(5, &fair_text).await; // after the period asked for below; expires too
    // Ada asks Li (of the customer) through Li's card: the customer's request, not Acme's.
    let li_card = app
        .post("/v1/me/card", Some(&w.li.1), json!({}))
        .await
        .expect(201);
    app.scan_text(&w.ada.1, li_card["text"].as_str().expect("text"))
        .await
        .expect(201);
    at(15 * 86_400);

    let path = format!("/v1/orgs/{}/contact-ways/stats", w.acme);
    let period = format!("from={t0}&to={}", t0 + 1500);
    let stats = app
        .get(&format!("{path}?{period}"), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!([&stats["from"], &stats["to"]], [t0, t0 + 1500]);
    let channels: Vec<(Value, [Value; 7])> = stats["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .map(|c| (c["channel"].clone(), counts_of(c)))
        .collect();
    assert_eq!(
        channels,
        [
            // Two team-code scans and one of Ada's fair card: answered in 100, 300 and 1000 s.
            (json!("fair-2026"), counted([3, 0, 2, 1, 0, 0], Some(300))),
            (json!("web"), counted([1, 0, 0, 0, 0, 1], None)),
            (Value::Null, counted([1, 0, 0, 0, 1, 0], None)),
        ]
    );
    assert_eq!(
        counts_of(&stats["total"]),
        counted([5, 0, 2, 1, 1, 1], Some(300))
    );
    // The team codes' scans by channel: two of the fair's, one of the web's; personal cards'
    // scans are not recorded.
    let scans: Vec<(Value, Value)> = stats["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .map(|c| (c["channel"].clone(), c["scans"]["requested"].clone()))
        .collect();
    assert_eq!(
        scans,
        [
            (json!("fair-2026"), json!(2)),
            (json!("web"), json!(1)),
            (Value::Null, json!(0))
        ]
    );
    assert_eq!(stats["scans"]["scans"], 3, "{stats}");

    // All time: the later fair scan, expired by now, counts too; Li's request does not.
    let all = app.get(&path, Some(&w.admin)).await.expect(200);
    assert_eq!(
        counts_of(&all["total"]),
        counted([6, 0, 2, 1, 1, 2], Some(300))
    );
    assert_eq!(all["channels"][0]["requests"], 4);
    assert_eq!(all["channels"][0]["scans"]["scans"], 3, "{all}");
    // One channel; a channel nothing came through.
    let only_web = app
        .get(&format!("{path}?{period}&channel=web"), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(only_web["channels"].as_array().expect("channels").len(), 1);
    assert_eq!(only_web["channels"][0]["channel"], "web");
    assert_eq!(only_web["total"]["expired"], 1);
    let none = app
        .get(&format!("{path}?channel=radio"), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(none["channels"], json!([]));
    assert_eq!(none["total"]["requests"], 0);
    assert_eq!(none["total"]["median_answer_secs"], Value::Null);
    // The customer sees Ada's request to Li, on no channel (unanswered, expired by now).
    let theirs = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/stats", w.customer),
            Some(&w.c_admin),
        )
        .await
        .expect(200);
    assert_eq!(theirs["channels"][0]["channel"], Value::Null);
    assert_eq!(theirs["total"]["requests"], 1);
    assert_eq!(theirs["total"]["expired"], 1);
    // A backwards period is refused; a member may not ask, and to another organization's admin
    // Acme is not found.
    let refused = app
        .get(&format!("{path}?from=10&to=5"), Some(&w.admin))
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(app.get(&path, Some(&w.ada.1)).await.status, 403);
    assert_eq!(app.get(&path, Some(&w.c_admin)).await.status, 404);

    // The fair way's own statistics over the period: Ada 100 s, Cy 300 s; the lower middle.
    let way = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{fair}/stats?{period}", w.acme),
            Some(&w.admin),
        )
        .await
        .expect(200);
    assert_eq!(
        counts_of(&way["total"]),
        counted([2, 0, 1, 1, 0, 0], Some(100))
    );
    let members: Vec<(Value, Value)> = way["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (m["member_id"].clone(), m["median_answer_secs"].clone()))
        .collect();
    assert_eq!(
        members,
        [(json!(w.ada.0), json!(100)), (json!(w.cy.0), json!(300))]
    );
}

/// One request of a generated history, as the statistics should count it.
#[derive(Clone)]
struct Made {
    owner: i64,
    status: &'static str,
    created: i64,
    expires: i64,
    decided: Option<i64>,
}

/// What a period of `rows` comes to as of `now`, counted one by one: per member in id order
/// (requests, pending, accepted, rejected, cancelled, expired; the lower middle of the answer
/// times), and in total.
fn counted_one_by_one(
    rows: &[Made],
    from: i64,
    to: i64,
    now: i64,
) -> (Vec<(i64, [Value; 7])>, [Value; 7]) {
    let tally = |rows: Vec<&Made>| {
        let mut n = [0i64; 6];
        let mut answers = Vec::new();
        for r in rows {
            n[0] += 1;
            let at = match r.status {
                "pending" if r.expires <= now => 5,
                "pending" => 1,
                "accepted" => 2,
                "rejected" => 3,
                "cancelled" => 4,
                _ => 5,
            };
            n[at] += 1;
            if let (2 | 3, Some(d)) = (at, r.decided) {
                answers.push(d - r.created);
            }
        }
        answers.sort_unstable();
        let median = answers.get(answers.len().wrapping_sub(1) / 2).copied();
        counted(n, if answers.is_empty() { None } else { median })
    };
    let within: Vec<&Made> = rows
        .iter()
        .filter(|r| r.created >= from && r.created < to)
        .collect();
    let mut owners: Vec<i64> = within.iter().map(|r| r.owner).collect();
    owners.sort_unstable();
    owners.dedup();
    let members = owners
        .iter()
        .map(|o| {
            (
                *o,
                tally(within.iter().copied().filter(|r| r.owner == *o).collect()),
            )
        })
        .collect();
    (members, tally(within))
}

async fn a_ways_stats_over_any_period_agree_with_its_requests_counted_one_by_one(backend: Backend) {
    // A history written straight into the database (as the benchmark does), then changed and
    // partly deleted there: the counts by day and answer-time bucket are the database's own
    // (triggers), and every period, whole days or not, must read as the requests one by one.
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0, w.cy.0, w.dee.0], json!({})).await;
    let pending_requesters = requesters(&app, &w, "P", 6).await;
    let day = 86_400;
    let now = namecard::card::unix_now();
    let t0 = (now / day - 60) * day + 5 * 3600 + 17;
    let owners = [w.ada.0, w.cy.0, w.dee.0];
    // Answer times on and around the buckets' ends, and others.
    let edges = [
        0, 1, 59, 60, 61, 299, 300, 3599, 3600, 43_199, 43_200, 86_399, 86_400, 1_209_599,
        1_209_600, 2_000_000,
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut rows: Vec<(Made, i64)> = Vec::new();
    for i in 0..1200i64 {
        // Unique creation times over 40 days, so a row can be found again by its time.
        let created = t0 + i * (40 * day / 1200) + i64::try_from(next(600)).unwrap();
        let owner = owners[usize::try_from(next(3)).unwrap()];
        let secs = if next(3) == 0 {
            edges[usize::try_from(next(edges.len() as u64)).unwrap()]
        } else {
            i64::try_from(next(1_300_000)).unwrap()
        };
        let (status, decided) = match next(10) {
            0..=4 => ("accepted", Some(created + secs)),
            5..=6 => ("rejected", Some(created + secs)),
            7 => ("cancelled", Some(created + 50)),
            _ => ("expired", Some(created + 14 * day)),
        };
        let made = Made {
            owner,
            status,
            created,
            expires: created + 14 * day,
            decided,
        };
        rows.push((made, w.li.0));
    }
    // Pending requests, one per requester and member: overdue ones, and two that are not.
    for (k, (requester, _)) in pending_requesters.iter().enumerate() {
        let k = i64::try_from(k).unwrap();
        let created = t0 + 3 * day + k * 5 * day + 7;
        let expires = if k < 2 {
            now + 7 * day
        } else {
            created + 14 * day
        };
        let made = Made {
            owner: owners[usize::try_from(k % 3).unwrap()],
            status: "pending",
            created,
            expires,
            decided: None,
        };
        rows.push((made, *requester));
    }
    let values: Vec<String> = rows
        .iter()
        .map(|(r, requester)| {
            let decided = r.decided.map_or("NULL".to_owned(), |d| d.to_string());
            format!(
                "({}, {requester}, {}, {}, 'qr_scan', 'fair-2026', '{}', {}, {}, {decided}, 'team_code', {id})",
                w.customer, w.acme, r.owner, r.status, r.created, r.expires
            )
        })
        .collect();
    for chunk in values.chunks(200) {
        crate::common::execute(
            &app.database_url,
            &format!(
                "INSERT INTO contact_requests (requester_org_id, requester_id, owner_org_id, owner_id, via, \
                 card_channel, status, created_at, expires_at, decided_at, source, way_id) VALUES {}",
                chunk.join(", ")
            ),
        )
        .await;
    }
    // Then the history changes: answers decided later (another bucket), requests passed to
    // another member or withdrawn, and some deleted.
    let mut rows: Vec<Made> = rows.into_iter().map(|(r, _)| r).collect();
    for i in (0..1200).step_by(7) {
        let r = &mut rows[i];
        let change = match i % 3 {
            0 if r.decided.is_some() => {
                r.decided = r.decided.map(|d| d + 5000);
                format!("decided_at = {}", r.decided.unwrap())
            }
            1 => {
                r.owner = owners[(i / 7) % 3];
                format!("owner_id = {}", r.owner)
            }
            _ => {
                r.status = "cancelled";
                "status = 'cancelled'".to_owned()
            }
        };
        let sql = format!(
            "UPDATE contact_requests SET {change} WHERE way_id = {id} AND created_at = {}",
            r.created
        );
        crate::common::execute(&app.database_url, &sql).await;
    }
    let gone: Vec<i64> = (0..1200).step_by(11).map(|i| rows[i].created).collect();
    let list = gone
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    crate::common::execute(
        &app.database_url,
        &format!("DELETE FROM contact_requests WHERE way_id = {id} AND created_at IN ({list})"),
    )
    .await;
    rows.retain(|r| !gone.contains(&r.created));

    let utc = t0 - t0 % day;
    let periods = [
        (t0, t0 + 41 * day, "the whole history"),
        (utc + 2 * day, utc + 30 * day, "UTC midnights"),
        (
            t0 + 3 * day + 100,
            t0 + 17 * day + 5,
            "part days at both ends",
        ),
        (
            utc + 5 * day - 8 * 3600,
            utc + 12 * day - 8 * 3600,
            "Beijing midnights",
        ),
        (t0 + day / 2, t0 + day / 2 + 3600, "an hour"),
        (utc + 9 * day, utc + 10 * day, "one UTC day"),
        (t0 - 10 * day, t0 - 9 * day, "before it all"),
    ];
    for (from, to, what) in periods {
        let path = format!(
            "/v1/orgs/{}/contact-ways/{id}/stats?from={from}&to={to}",
            w.acme
        );
        let stats = app.get(&path, Some(&w.admin)).await.expect(200);
        let (members, total) = counted_one_by_one(&rows, from, to, namecard::card::unix_now());
        assert_eq!(counts_of(&stats["total"]), total, "{what}: the total");
        let served: Vec<(i64, [Value; 7])> = stats["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| (m["member_id"].as_i64().expect("id"), counts_of(m)))
            .collect();
        assert_eq!(served, members, "{what}: per member");
    }
}

/// An app on a clock the test holds from `t0`, which republishes its revocation list soon after
/// each move of the clock (so cards stay fresh: see [`list_issued_since`]).
async fn app_on_a_clock(
    backend: Backend,
    t0: i64,
) -> Option<(TestApp, Arc<namecard::service::ManualClock>)> {
    let clock = Arc::new(namecard::service::ManualClock::at(t0));
    let often = namecard::config::RawSettings {
        refresh_interval: Some("50ms".into()),
        ..namecard::config::RawSettings::default()
    };
    let app = spawn_app_on(backend, often, Arc::clone(&clock) as _).await?;
    Some((app, clock))
}

/// Waits for the app's periodic refresh to publish a revocation list that is fresh at `at`.
async fn list_issued_since(app: &TestApp, at: i64) {
    let keys = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset = Keyset::from_jwks(&keys.bytes).expect("the keys");
    for _ in 0..200 {
        let list = app
            .get("/.well-known/namecard-revocations.json", None)
            .await;
        let list = RevocationList::load(&list.bytes, &keyset, 300).expect("the list");
        if !list.is_stale(at, 0) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no revocation list fresh at {at}");
}

async fn a_ways_days_list_every_day_of_the_period_with_its_requests_and_accepted(backend: Backend) {
    // A history on a clock the test holds: requests on the first and third days, one later.
    // The revocation list is republished soon after each move of the clock, so cards stay fresh.
    let t0 = namecard::card::unix_now() - 30 * 86_400;
    let Some((app, clock)) = app_on_a_clock(backend, t0).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;
    let text = way_text(&app, &w, id).await;
    let buyers = requesters(&app, &w, "D", 4).await;
    let mut made = Vec::new();
    for (buyer, at) in [(0, 60), (1, 86_000), (2, 2 * 86_400 + 5), (3, 9 * 86_400)] {
        clock.set(t0 + at);
        list_issued_since(&app, t0 + at).await;
        let scan = app.scan_text(&buyers[buyer].1, &text).await.expect(201);
        made.push(scan["request"]["id"].as_i64().expect("id"));
    }
    clock.set(t0 + 10 * 86_400);
    for request in [made[0], made[2], made[3]] {
        app.decide(&w.ada.1, request, "accept").await.expect(200);
    }

    let path = format!("/v1/orgs/{}/contact-ways/{id}/stats/days", w.acme);
    let days = app
        .get(
            &format!("{path}?from={t0}&to={}", t0 + 4 * 86_400),
            Some(&w.admin),
        )
        .await
        .expect(200);
    let counts: Vec<(i64, i64, i64)> = days["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            let n = |k: &str| d[k].as_i64().expect("a number");
            (n("from") - t0, n("requests"), n("accepted"))
        })
        .collect();
    assert_eq!(
        counts,
        [
            (0, 2, 1),
            (86_400, 0, 0),
            (2 * 86_400, 1, 1),
            (3 * 86_400, 0, 0)
        ],
        "every day, the empty ones too; the request of day 9 is outside"
    );
    // The totals of the same period agree with its days.
    let total = app
        .get(
            &format!(
                "/v1/orgs/{}/contact-ways/{id}/stats?from={t0}&to={}",
                w.acme,
                t0 + 4 * 86_400
            ),
            Some(&w.admin),
        )
        .await
        .expect(200);
    assert_eq!(
        [&total["total"]["requests"], &total["total"]["accepted"]],
        [3, 2]
    );

    // A period of more than 366 days, a backwards one or one without an end is refused; to
    // another organization's admin the way is not found.
    let long = app
        .get(
            &format!("{path}?from={t0}&to={}", t0 + 367 * 86_400),
            Some(&w.admin),
        )
        .await;
    assert_eq!(long.problem_code(), "invalid_query");
    assert!(
        long.json["detail"].as_str().unwrap().contains("366"),
        "{}",
        long.json
    );
    for bad in [format!("from={t0}&to={t0}"), format!("from={t0}")] {
        let refused = app.get(&format!("{path}?{bad}"), Some(&w.admin)).await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.json);
    }
    let theirs = format!(
        "/v1/orgs/{}/contact-ways/{id}/stats/days?from={t0}&to={}",
        w.customer,
        t0 + 86_400
    );
    assert_eq!(app.get(&theirs, Some(&w.c_admin)).await.status, 404);
}

async fn a_ways_scans_are_counted_by_what_came_of_them_over_whole_days_and_their_ends(
    backend: Backend,
) {
    // A clock the test holds, from a Beijing midnight (16:00 UTC): a period between local
    // midnights starts and ends inside UTC days, counted scan by scan around its whole days.
    let day = 86_400;
    let t0 = (namecard::card::unix_now() / day - 30) * day - 8 * 3600;
    let Some((app, clock)) = app_on_a_clock(backend, t0).await else {
        return;
    };
    let w = world(&app).await;
    let id = new_way(&app, &w, &[w.ada.0], json!({})).await;
    let text = way_text(&app, &w, id).await;
    let buyers = requesters(&app, &w, "S", 3).await;
    let way_path = format!("/v1/orgs/{}/contact-ways/{id}", w.acme);
    let at = |secs: i64| {
        clock.set(t0 + secs);
        list_issued_since(&app, t0 + secs)
    };

    // 00:01 Beijing: a request, then the same buyer again (already waiting), and a preview,
    // which is not a scan.
    at(60).await;
    app.scan_text(&buyers[0].1, &text).await.expect(201);
    let again = app.scan_text(&buyers[0].1, &text).await;
    assert!(again.status.is_success(), "{}", again.json);
    app.post(
        "/v1/scans/preview",
        Some(&buyers[1].1),
        json!({ "text": text }),
    )
    .await
    .expect(200);
    // 10:00: a colleague; the next day, paused, a refusal.
    at(10 * 3600).await;
    let colleague = app.scan_text(&w.dee.1, &text).await;
    assert!(colleague.status.is_success(), "{}", colleague.json);
    at(day + 3600).await;
    app.send(
        Method::PATCH,
        &way_path,
        Some(&w.admin),
        Some(json!({ "paused": true })),
    )
    .await
    .expect(200);
    assert_eq!(
        app.scan_text(&buyers[1].1, &text).await.problem_code(),
        "contact_way_paused"
    );
    app.send(
        Method::PATCH,
        &way_path,
        Some(&w.admin),
        Some(json!({ "paused": false })),
    )
    .await
    .expect(200);
    // The third local day at 20:00 (inside the period's last part day), and a scan after it.
    at(2 * day + 20 * 3600).await;
    app.scan_text(&buyers[1].1, &text).await.expect(201);
    at(3 * day + 5).await;
    app.scan_text(&buyers[2].1, &text).await.expect(201);

    let scans = |from: i64, to: i64| {
        let path = format!("{way_path}/stats?from={}&to={}", t0 + from, t0 + to);
        let app = &app;
        let admin = w.admin.clone();
        async move {
            let stats = app.get(&path, Some(&admin)).await.expect(200);
            let s = &stats["scans"];
            [
                "scans",
                "requested",
                "already_pending",
                "already_connected",
                "colleague",
                "refused",
            ]
            .map(|k| s[k].as_i64().expect("a count"))
        }
    };
    assert_eq!(
        scans(0, 3 * day).await,
        [5, 2, 1, 0, 1, 1],
        "the three local days"
    );
    assert_eq!(
        scans(0, 4 * day).await,
        [6, 3, 1, 0, 1, 1],
        "and the day after"
    );
    assert_eq!(
        scans(60, 3 * day).await,
        [5, 2, 1, 0, 1, 1],
        "from the second of the first"
    );
    assert_eq!(
        scans(61, 3 * day).await,
        [3, 1, 0, 0, 1, 1],
        "from a second after it"
    );
    // One whole UTC day (8:00 to 8:00 Beijing): the colleague's scan and the refusal.
    assert_eq!(scans(8 * 3600, day + 8 * 3600).await, [2, 0, 0, 0, 1, 1]);
    assert_eq!(
        scans(8 * 3600, day).await,
        [1, 0, 0, 0, 1, 0],
        "until the next local midnight"
    );
    // Inside one part day, and a period with no scans.
    assert_eq!(scans(0, 3600).await, [2, 1, 1, 0, 0, 0]);
    assert_eq!(scans(5 * day, 6 * day).await, [0; 6]);
    // The requests of the same three days: the two made, as before.
    let stats = app
        .get(
            &format!("{way_path}/stats?from={t0}&to={}", t0 + 3 * day),
            Some(&w.admin),
        )
        .await
        .expect(200);
    assert_eq!(stats["total"]["requests"], 2, "{stats}");
}

/// Sales (Ada, and Cy too) with South under it (Cy), in Acme; Dee is in neither.
struct Departments {
    sales: i64,
    south: i64,
}

async fn departments(app: &TestApp, w: &World) -> Departments {
    let sales = app.new_department(&w.admin, w.acme, "Sales", None).await;
    let south = app
        .new_department(&w.admin, w.acme, "South", Some(sales))
        .await;
    for (d, m) in [(sales, w.ada.0), (south, w.cy.0), (sales, w.cy.0)] {
        app.put_in(&w.admin, w.acme, d, m).await.expect(204);
    }
    Departments { sales, south }
}

/// Takes a member of Acme out of a department.
async fn take_out(app: &TestApp, w: &World, department: i64, member: i64) {
    let path = format!(
        "/v1/orgs/{}/departments/{department}/members/{member}",
        w.acme
    );
    app.send(Method::DELETE, &path, Some(&w.admin), None)
        .await
        .expect(204);
}

/// Creates a way of Acme answered by `department`, with `extra` fields; its view.
async fn create_department_way(app: &TestApp, w: &World, department: i64, extra: Value) -> Value {
    let mut body = json!({ "name": "Sales team", "department_id": department });
    for (k, v) in extra.as_object().expect("an object") {
        body[k] = v.clone();
    }
    app.post(
        &format!("/v1/orgs/{}/contact-ways", w.acme),
        Some(&w.admin),
        body,
    )
    .await
    .expect(201)
}

fn member_ids(way: &Value) -> Vec<i64> {
    way["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["member_id"].as_i64().expect("member_id"))
        .collect()
}

/// Who answers `n` scans of `text`, one by each of `n` new requesters, one after the other.
async fn scan_n(app: &TestApp, w: &World, text: &str, prefix: &str, n: usize) -> Vec<i64> {
    let mut owners = Vec::new();
    for (_, token) in &requesters(app, w, prefix, n).await {
        owners.push(answered_by(&app.scan_text(token, text).await.expect(201)));
    }
    owners
}

async fn a_departments_way_takes_turns_among_the_members_of_the_department_and_everything_under_it(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    let way = create_department_way(&app, &w, d.sales, json!({})).await;
    assert_eq!(way["department_id"], d.sales);
    assert_eq!(
        member_ids(&way),
        [w.ada.0, w.cy.0],
        "Cy, in Sales and in South, once; in member-id order"
    );
    let id = way["id"].as_i64().unwrap();
    let text = way_text(&app, &w, id).await;

    let owners = scan_n(&app, &w, &text, "B", 4).await;
    assert_eq!(owners, [w.ada.0, w.cy.0, w.ada.0, w.cy.0]);

    // Dee joins South: the next three scans visit each of the three once.
    app.put_in(&w.admin, w.acme, d.south, w.dee.0)
        .await
        .expect(204);
    let path = format!("/v1/orgs/{}/contact-ways/{id}", w.acme);
    let now = app.get(&path, Some(&w.admin)).await.expect(200);
    assert_eq!(member_ids(&now), [w.ada.0, w.cy.0, w.dee.0]);
    let mut owners = scan_n(&app, &w, &text, "N", 3).await;
    owners.sort_unstable();
    assert_eq!(owners, [w.ada.0, w.cy.0, w.dee.0]);
}

async fn members_who_leave_the_department_or_are_deactivated_stop_answering_its_way(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    app.put_in(&w.admin, w.acme, d.south, w.dee.0)
        .await
        .expect(204);
    let id = create_department_way(&app, &w, d.sales, json!({})).await["id"]
        .as_i64()
        .unwrap();
    let text = way_text(&app, &w, id).await;

    // Cy leaves Sales but is still in South, under it: Cy still answers.
    take_out(&app, &w, d.sales, w.cy.0).await;
    let owners = scan_n(&app, &w, &text, "B", 3).await;
    assert_eq!(count(&owners, w.cy.0), 1, "{owners:?}");
    // Cy leaves South too, and Ada is deactivated: Dee alone answers.
    take_out(&app, &w, d.south, w.cy.0).await;
    app.deactivate_member(&w.admin, w.acme, w.ada.0)
        .await
        .expect(200);
    let way = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{id}", w.acme),
            Some(&w.admin),
        )
        .await
        .expect(200);
    assert_eq!(member_ids(&way), [w.dee.0]);
    assert_eq!(scan_n(&app, &w, &text, "N", 2).await, [w.dee.0, w.dee.0]);

    // No active member left: the answer of a way whose members are all deactivated.
    app.deactivate_member(&w.admin, w.acme, w.dee.0)
        .await
        .expect(200);
    let (_, late) = &requesters(&app, &w, "L", 1).await[0];
    let refused = app.scan_text(late, &text).await;
    assert_eq!(refused.status, 422, "{}", refused.json);
    assert_eq!(refused.problem_code(), "no_one_available");
    assert_eq!(
        app.requests(late, "direction=outgoing").await["items"],
        json!([])
    );
}

async fn a_departments_fewest_pending_way_picks_its_least_busy_member(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    app.put_in(&w.admin, w.acme, d.south, w.dee.0)
        .await
        .expect(204);
    let id = create_department_way(&app, &w, d.sales, json!({ "sharing": "fewest_pending" })).await
        ["id"]
        .as_i64()
        .unwrap();
    let text = way_text(&app, &w, id).await;
    // Ada and Cy each already have a pending request (a scan of their own card).
    let buyers = requesters(&app, &w, "B", 2).await;
    for ((_, buyer), (_, member)) in buyers.iter().zip([&w.ada, &w.cy]) {
        let card = app.card_text(member).await;
        app.request_id(buyer, &card).await;
    }
    // 1/1/0 -> Dee, 1/1/1 -> Ada (the first of the tie, by member id).
    assert_eq!(scan_n(&app, &w, &text, "N", 2).await, [w.dee.0, w.ada.0]);
}

async fn a_department_that_answers_a_live_way_cannot_be_deleted(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    let id = create_department_way(&app, &w, d.south, json!({})).await["id"]
        .as_i64()
        .unwrap();
    let south = format!("/v1/orgs/{}/departments/{}", w.acme, d.south);
    let refused = app.send(Method::DELETE, &south, Some(&w.admin), None).await;
    assert_eq!(refused.status, 409, "{}", refused.json);
    assert_eq!(refused.problem_code(), "department_answers_way");
    assert_eq!(app.get(&south, Some(&w.admin)).await.status, 200, "kept");

    delete_way(&app, &w, id).await;
    app.send(Method::DELETE, &south, Some(&w.admin), None)
        .await
        .expect(204);
}

async fn a_way_given_both_members_and_a_department_or_a_department_not_of_its_organization_is_refused(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    let theirs = app
        .new_department(&w.c_admin, w.customer, "Purchasing", None)
        .await;
    let path = format!("/v1/orgs/{}/contact-ways", w.acme);
    let both = json!({ "name": "Sales", "members": [w.ada.0], "department_id": d.sales });
    let refused = app.post(&path, Some(&w.admin), both).await;
    assert_eq!(refused.status, 400, "{}", refused.json);
    assert_eq!(refused.problem_code(), "members_and_department");
    for department in [theirs, 999_999] {
        let body = json!({ "name": "Sales", "department_id": department });
        let refused = app.post(&path, Some(&w.admin), body).await;
        assert_eq!(refused.status, 404, "{department}: {}", refused.json);
        assert_eq!(refused.problem_code(), "not_found");
        assert!(
            refused.json["detail"]
                .as_str()
                .unwrap()
                .contains("department"),
            "{}",
            refused.json
        );
    }
    assert_eq!(
        ids(&app.get(&path, Some(&w.admin)).await.expect(200)),
        Vec::<i64>::new(),
        "nothing was written"
    );

    // The same, changing a way: it stays as it was.
    let way = create_way(&app, &w, &[w.dee.0], json!({})).await;
    let one = format!("{path}/{}", way["id"]);
    for (body, status) in [
        (
            json!({ "members": [w.ada.0], "department_id": d.sales }),
            400,
        ),
        (json!({ "department_id": theirs }), 404),
        (json!({ "department_id": 999_999 }), 404),
    ] {
        let refused = app
            .send(Method::PATCH, &one, Some(&w.admin), Some(body.clone()))
            .await;
        assert_eq!(refused.status, status, "{body}: {}", refused.json);
    }
    assert_eq!(app.get(&one, Some(&w.admin)).await.expect(200), way);

    // A member's own way is answered by the member alone.
    let refused = app
        .post(
            "/v1/me/contact-ways",
            Some(&w.ada.1),
            json!({ "name": "Ada direct", "department_id": d.sales }),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.json);
}

async fn a_way_switches_from_members_to_a_department_and_back(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    let way = create_way(&app, &w, &[w.dee.0], json!({})).await;
    assert_eq!(way["department_id"], Value::Null);
    let id = way["id"].as_i64().unwrap();
    let path = format!("/v1/orgs/{}/contact-ways/{id}", w.acme);
    let text = way_text(&app, &w, id).await;

    let to_department = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.admin),
            Some(json!({ "department_id": d.south })),
        )
        .await
        .expect(200);
    assert_eq!(to_department["department_id"], d.south);
    assert_eq!(member_ids(&to_department), [w.cy.0], "Dee's place is gone");
    assert_eq!(scan_n(&app, &w, &text, "B", 2).await, [w.cy.0, w.cy.0]);

    let back = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.admin),
            Some(json!({ "members": [w.dee.0, w.ada.0] })),
        )
        .await
        .expect(200);
    assert_eq!(back["department_id"], Value::Null);
    assert_eq!(
        member_ids(&back),
        [w.dee.0, w.ada.0],
        "the list's own order"
    );
    let owners = scan_n(&app, &w, &text, "N", 2).await;
    assert_eq!(count(&owners, w.cy.0), 0, "{owners:?}");
    // South answers no way any more: it can go.
    app.send(
        Method::DELETE,
        &format!("/v1/orgs/{}/departments/{}", w.acme, d.south),
        Some(&w.admin),
        None,
    )
    .await
    .expect(204);
    // And a way can go from one department to another.
    let again = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.admin),
            Some(json!({ "department_id": d.sales })),
        )
        .await
        .expect(200);
    assert_eq!(member_ids(&again), [w.ada.0, w.cy.0]);
}

async fn a_sub_department_moved_out_of_the_department_takes_its_members_off_the_way(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    app.put_in(&w.admin, w.acme, d.south, w.dee.0)
        .await
        .expect(204);
    let id = create_department_way(&app, &w, d.sales, json!({})).await["id"]
        .as_i64()
        .unwrap();
    let way = format!("/v1/orgs/{}/contact-ways/{id}", w.acme);
    let south = format!("/v1/orgs/{}/departments/{}", w.acme, d.south);
    let answering = || async { member_ids(&app.get(&way, Some(&w.admin)).await.expect(200)) };
    assert_eq!(answering().await, [w.ada.0, w.cy.0, w.dee.0]);
    for (parent, answers) in [
        (Value::Null, vec![w.ada.0, w.cy.0]),
        (json!(d.sales), vec![w.ada.0, w.cy.0, w.dee.0]),
    ] {
        app.send(
            Method::PATCH,
            &south,
            Some(&w.admin),
            Some(json!({ "parent_id": parent })),
        )
        .await
        .expect(200);
        assert_eq!(answering().await, answers, "South under {parent}");
    }
}

async fn a_department_deleted_while_a_way_is_given_it_never_leaves_the_way_answered_by_nothing(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let path = format!("/v1/orgs/{}/contact-ways", w.acme);
    // Twenty races of "answer this way by D" against "delete D": never both.
    for round in 0..20 {
        let department = app
            .new_department(&w.admin, w.acme, &format!("D{round}"), None)
            .await;
        app.put_in(&w.admin, w.acme, department, w.ada.0)
            .await
            .expect(204);
        let way = create_way(&app, &w, &[w.dee.0], json!({})).await;
        let one = format!("{path}/{}", way["id"]);
        let gone = format!("/v1/orgs/{}/departments/{department}", w.acme);
        let (given, deleted) = tokio::join!(
            app.send(
                Method::PATCH,
                &one,
                Some(&w.admin),
                Some(json!({ "department_id": department })),
            ),
            app.send(Method::DELETE, &gone, Some(&w.admin), None),
        );
        let now = app.get(&one, Some(&w.admin)).await.expect(200);
        match (given.status.as_u16(), deleted.status.as_u16()) {
            (200, 409) => {
                assert_eq!(deleted.problem_code(), "department_answers_way");
                assert_eq!(now["department_id"], department);
                assert_eq!(member_ids(&now), [w.ada.0]);
            }
            (404, 204) => assert_eq!(now, way, "the way is as it was"),
            other => panic!(
                "round {round}: {other:?}: {} / {}",
                given.json, deleted.json
            ),
        }
    }
}

async fn a_scanner_already_waiting_for_or_connected_with_a_member_of_the_department_stays_with_them(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let d = departments(&app, &w).await;
    let id = create_department_way(&app, &w, d.sales, json!({})).await["id"]
        .as_i64()
        .unwrap();
    let text = way_text(&app, &w, id).await;
    // Li is routed to Ada, then scans again while waiting: still Ada's request.
    let first = app.scan_text(&w.li.1, &text).await.expect(201);
    assert_eq!(answered_by(&first), w.ada.0);
    let again = app.scan_text(&w.li.1, &text).await.expect(200);
    assert_eq!(again["outcome"], "already_pending");
    assert_eq!(answered_by(&again), w.ada.0);
    // Ada accepts: Li, now her contact, is still sent to her, and takes no one's turn.
    let request = first["request"]["id"].as_i64().unwrap();
    app.decide(&w.ada.1, request, "accept").await.expect(200);
    let connected = app.scan_text(&w.li.1, &text).await.expect(200);
    assert_eq!(connected["outcome"], "already_connected", "{connected}");
    assert_eq!(answered_by(&connected), w.ada.0);
    assert_eq!(scan_n(&app, &w, &text, "B", 1).await, [w.cy.0]);
}

on_both_databases!(
    an_admin_creates_lists_changes_and_deletes_a_way_and_each_change_is_an_event,
    bad_ways_are_refused_and_members_of_other_organizations_are_not_found,
    another_organizations_way_is_not_found,
    a_member_keeps_ways_of_their_own_answered_by_themselves,
    a_ways_qr_is_a_signed_team_card_with_the_teams_name,
    a_ways_plain_link_is_the_text_of_its_qr_and_opens_in_a_browser,
    round_robin_shares_concurrent_scans_evenly_and_skips_a_deactivated_member,
    fewest_pending_routes_each_scan_to_the_least_busy_member,
    a_scanner_already_waiting_for_a_member_of_the_team_stays_with_them,
    paused_expired_deleted_and_used_up_ways_are_refused_with_their_own_codes,
    a_one_time_way_scanned_by_twenty_requesters_at_once_makes_exactly_one_request,
    the_scanner_is_told_who_answers_in_their_own_language,
    an_auto_accept_way_connects_both_sides_at_once_with_the_welcome,
    an_approval_way_waits_for_the_routed_member_and_the_welcome_follows_the_accept,
    a_team_code_is_refused_where_either_organizations_policy_refuses,
    a_deleted_ways_code_fails_offline_once_the_revocation_list_has_it,
    every_change_to_a_way_made_through_the_api_reaches_the_webhook,
    a_ways_stats_count_its_requests_per_member_over_a_period,
    an_organizations_stats_per_channel_count_personal_cards_and_team_codes_over_a_period,
    a_ways_scans_are_counted_by_what_came_of_them_over_whole_days_and_their_ends,
    a_ways_stats_over_any_period_agree_with_its_requests_counted_one_by_one,
    a_ways_days_list_every_day_of_the_period_with_its_requests_and_accepted,
    a_departments_way_takes_turns_among_the_members_of_the_department_and_everything_under_it,
    members_who_leave_the_department_or_are_deactivated_stop_answering_its_way,
    a_departments_fewest_pending_way_picks_its_least_busy_member,
    a_department_that_answers_a_live_way_cannot_be_deleted,
    a_way_given_both_members_and_a_department_or_a_department_not_of_its_organization_is_refused,
    a_way_switches_from_members_to_a_department_and_back,
    a_sub_department_moved_out_of_the_department_takes_its_members_off_the_way,
    a_department_deleted_while_a_way_is_given_it_never_leaves_the_way_answered_by_nothing,
    a_scanner_already_waiting_for_or_connected_with_a_member_of_the_department_stays_with_them,
);
