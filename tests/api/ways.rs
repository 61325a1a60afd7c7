//! Contact ways (team codes): an admin's ways and a member's own, their events, their QR (a
//! signed team card); on both databases.

use crate::common::{Backend, TestApp, spawn_app};
use namecard::card::{CardKind, Keyset, VerifyOptions, verify_card};
use reqwest::Method;
use serde_json::{Value, json};

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
    let id = create_way(&app, &w, &[w.ada.0], json!({})).await["id"]
        .as_i64()
        .unwrap();
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
    // The admin sees it among the organization's ways.
    let all = app
        .get(&format!("/v1/orgs/{}/contact-ways", w.acme), Some(&w.admin))
        .await
        .expect(200);
    assert_eq!(ids(&all), [id]);

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
    let text = &report.codes[0].text;
    let jwks = app.get("/.well-known/namecard-keys.json", None).await;
    let keyset = Keyset::from_jwks(&jwks.bytes).expect("the keys");
    verify_card(text, &keyset, None, &VerifyOptions::now())
        .expect("a valid card")
        .claims
}

async fn a_ways_qr_is_a_signed_team_card_with_the_teams_name(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app).await;
    let id = create_way(&app, &w, &[w.ada.0, w.cy.0], json!({})).await["id"]
        .as_i64()
        .unwrap();
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
}

on_both_databases!(
    an_admin_creates_lists_changes_and_deletes_a_way_and_each_change_is_an_event,
    bad_ways_are_refused_and_members_of_other_organizations_are_not_found,
    another_organizations_way_is_not_found,
    a_member_keeps_ways_of_their_own_answered_by_themselves,
    a_ways_qr_is_a_signed_team_card_with_the_teams_name,
);
