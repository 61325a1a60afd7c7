//! External contacts end to end, on SQLite and PostgreSQL: a photo of a partner's printable card
//! becomes a request the owner accepts; every scan outcome; every policy combination; phone
//! discovery privacy and its rate limit; decisions; races; expiry; webhooks.

use crate::common::{Backend, TestApp, spawn_app, spawn_app_at, spawn_app_with};
use namecard::config::RawSettings;
use namecard::service::{Clock as _, ManualClock};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// Two organizations with an admin each, one member each (with tokens), and the given policies.
struct World {
    a_org: i64,
    a_admin: String,
    a_member: i64,
    a_token: String,
    b_org: i64,
    b_admin: String,
    b_token: String,
}

async fn world(app: &TestApp, a_policy: &str, b_policy: &str, partners: bool) -> World {
    let (a_org, a_admin) = app.org_with_admin("Acme Trading").await;
    let (b_org, b_admin) = app.org_with_admin("北京云帆科技有限公司").await;
    app.update_org(&a_admin, a_org, json!({ "policy": a_policy }))
        .await
        .expect(200);
    app.update_org(&b_admin, b_org, json!({ "policy": b_policy }))
        .await
        .expect(200);
    if partners {
        app.partner(&a_admin, a_org, b_org).await;
        app.partner(&b_admin, b_org, a_org).await;
    }
    let (a_member, a_token) = app
        .member_with_token(&a_admin, a_org, "Ada Lovelace", "A1")
        .await;
    let (_, b_token) = app.member_with_token(&b_admin, b_org, "李娜", "B1").await;
    World {
        a_org,
        a_admin,
        a_member,
        a_token,
        b_org,
        b_admin,
        b_token,
    }
}

/// Requests and decisions, as a member calls them.
pub(crate) trait ContactsClient {
    async fn partner(&self, admin: &str, org: i64, partner: i64);
    async fn card_text(&self, member_token: &str) -> String;
    async fn scan_text(&self, token: &str, text: &str) -> crate::common::Answer;
    async fn request_id(&self, token: &str, text: &str) -> i64;
    async fn scan_photo(&self, token: &str, photo: Vec<u8>, path: &str) -> crate::common::Answer;
    async fn requests(&self, token: &str, query: &str) -> Value;
    async fn decide(&self, token: &str, id: i64, what: &str) -> crate::common::Answer;
    async fn contacts(&self, token: &str) -> Vec<Value>;
}

impl ContactsClient for TestApp {
    async fn partner(&self, admin: &str, org: i64, partner: i64) {
        let path = format!("/v1/orgs/{org}/partners/{partner}");
        let answer = self.send(Method::PUT, &path, Some(admin), None).await;
        assert!(answer.status.is_success(), "{answer:?}");
    }

    async fn card_text(&self, member_token: &str) -> String {
        let card = self
            .post("/v1/me/card", Some(member_token), json!({}))
            .await
            .expect(201);
        card["text"].as_str().expect("card text").to_owned()
    }

    async fn scan_text(&self, token: &str, text: &str) -> crate::common::Answer {
        self.post("/v1/scans", Some(token), json!({ "text": text }))
            .await
    }

    /// Scans a card that must create a request; returns the request's id.
    async fn request_id(&self, token: &str, text: &str) -> i64 {
        self.scan_text(token, text).await.expect(201)["request"]["id"]
            .as_i64()
            .expect("request id")
    }

    async fn scan_photo(&self, token: &str, photo: Vec<u8>, path: &str) -> crate::common::Answer {
        let part = reqwest::multipart::Part::bytes(photo)
            .file_name("card.jpg")
            .mime_str("image/jpeg")
            .expect("mime");
        let form = reqwest::multipart::Form::new().part("photo", part);
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        crate::common::TestApp::read(resp).await
    }

    async fn requests(&self, token: &str, query: &str) -> Value {
        self.get(&format!("/v1/contact-requests?{query}"), Some(token))
            .await
            .expect(200)
    }

    async fn decide(&self, token: &str, id: i64, what: &str) -> crate::common::Answer {
        self.post(
            &format!("/v1/contact-requests/{id}/{what}"),
            Some(token),
            json!({}),
        )
        .await
    }

    async fn contacts(&self, token: &str) -> Vec<Value> {
        self.get("/v1/contacts", Some(token)).await.expect(200)["items"]
            .as_array()
            .expect("items")
            .clone()
    }
}

/// A 12 MP phone photo (perspective, blur, JPEG) of a member's printable card.
pub(crate) async fn photo_of_printable_card(app: &TestApp, member_token: &str) -> Vec<u8> {
    let png = app.get("/v1/me/card/printable", Some(member_token)).await;
    assert_eq!(png.status, 200);
    let printed = image::load_from_memory(&png.bytes)
        .expect("printable card is a PNG")
        .to_luma8();
    namecard::scan::synth::phone_photo(&printed, &namecard::scan::synth::PhotoParams::default())
}

async fn a_photo_of_a_partners_printable_card_becomes_a_request_the_owner_accepts(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "partners_only", "partners_only", true).await;
    app.card_text(&w.a_token).await;
    let photo = photo_of_printable_card(&app, &w.a_token).await;
    assert!(photo.len() > 500_000, "a 12 MP JPEG, not a thumbnail");

    let scanned = app
        .scan_photo(&w.b_token, photo, "/v1/scans")
        .await
        .expect(201);

    assert_eq!(scanned["outcome"], "request_created");
    assert_eq!(scanned["owner"]["name"], "Ada Lovelace");
    assert_eq!(scanned["owner"]["organization"]["name"], "Acme Trading");
    let id = scanned["request"]["id"].as_i64().expect("request id");
    let inbox = app.requests(&w.a_token, "direction=incoming").await;
    let item = &inbox["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["status"], "pending");
    assert_eq!(item["via"], "qr_scan");
    assert_eq!(item["requester"]["name"], "李娜");
    assert_eq!(item["requester"]["title"], "Engineer");
    assert_eq!(
        item["requester"]["organization"]["name"],
        "北京云帆科技有限公司"
    );

    let accepted = app.decide(&w.a_token, id, "accept").await.expect(200);

    assert_eq!(accepted["status"], "accepted");
    let a_sees = app.contacts(&w.a_token).await;
    let b_sees = app.contacts(&w.b_token).await;
    assert_eq!(a_sees.len(), 1);
    assert_eq!(a_sees[0]["contact"]["name"], "李娜");
    assert_eq!(b_sees.len(), 1);
    assert_eq!(b_sees[0]["contact"]["name"], "Ada Lovelace");
    assert_eq!(
        b_sees[0]["contact"]["organization"]["id"].as_i64(),
        Some(w.a_org)
    );
    // External contacts never enter the internal directory.
    let directory = app.directory(&w.a_token, w.a_org, "q=李").await.expect(200);
    assert_eq!(directory["items"].as_array().map(Vec::len), Some(0));
}

/// A member's printable card, as the upload's photo shows it.
async fn printed_card(app: &TestApp, member_token: &str) -> image::GrayImage {
    app.card_text(member_token).await;
    let png = app.get("/v1/me/card/printable", Some(member_token)).await;
    assert_eq!(png.status, 200);
    image::load_from_memory(&png.bytes)
        .expect("printable card is a PNG")
        .to_luma8()
}

/// `cards` laid flat on a table, one to a region of the photo (`seed` varies their angles).
fn on_a_table(cards: &[image::GrayImage], seed: u64) -> Vec<namecard::scan::synth::Placement<'_>> {
    let (width, height) = cards[0].dimensions();
    let layout = namecard::scan::synth::table_corners(cards.len(), width, height, seed);
    cards
        .iter()
        .zip(layout)
        .map(|(card, corners)| namecard::scan::synth::Placement {
            card,
            corners,
            bend: 0.0,
        })
        .collect()
}

async fn a_photo_of_a_table_with_several_cards_answers_for_each_card_and_a_bad_one_loses_no_other(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let (_, grace) = app
        .member_with_token(&w.a_admin, w.a_org, "Grace Hopper", "A2")
        .await;
    let (_, alan) = app
        .member_with_token(&w.a_admin, w.a_org, "Alan Turing", "A3")
        .await;
    // Three partners' cards, and the scanner's own card among them on the table.
    let mut cards = Vec::new();
    for token in [&w.a_token, &grace, &alan, &w.b_token] {
        cards.push(printed_card(&app, token).await);
    }
    let placements = on_a_table(&cards, 5);
    let scene = namecard::scan::synth::Scene {
        blur_sigma: 1.5,
        ..Default::default()
    };
    let photo = namecard::scan::synth::photograph(&placements, &scene, 75);

    let scanned = app
        .scan_photo(&w.b_token, photo, "/v1/scans")
        .await
        .expect(201);

    // The top level is the first card that went through, as for a photo of one card.
    assert_eq!(scanned["outcome"], "request_created");
    let cards = scanned["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 4, "{scanned:#}");
    let mut owners: Vec<&str> = cards
        .iter()
        .filter(|c| c["status"] == 201)
        .map(|c| {
            assert_eq!(c["answer"]["outcome"], "request_created");
            assert_eq!(c["answer"]["text"], c["text"]);
            c["answer"]["owner"]["name"].as_str().expect("owner")
        })
        .collect();
    owners.sort_unstable();
    assert_eq!(owners, ["Ada Lovelace", "Alan Turing", "Grace Hopper"]);
    assert_eq!(scanned["owner"], cards[0]["answer"]["owner"]);
    let own: Vec<_> = cards.iter().filter(|c| c["status"] == 422).collect();
    assert_eq!(own.len(), 1, "{scanned:#}");
    assert_eq!(own[0]["problem"]["code"], "self_scan");
    // Each card's corners lie in its own quarter of the 4032 x 3024 photo.
    let mut quarters: Vec<(bool, bool)> = cards
        .iter()
        .map(|c| {
            let corners = c["corners"].as_array().expect("corners");
            assert_eq!(corners.len(), 4);
            let (x, y) = corners.iter().fold((0.0, 0.0), |(x, y), p| {
                (
                    x + p[0].as_f64().expect("x") / 4.0,
                    y + p[1].as_f64().expect("y") / 4.0,
                )
            });
            (x > 2016.0, y > 1512.0)
        })
        .collect();
    quarters.sort_unstable();
    quarters.dedup();
    assert_eq!(quarters.len(), 4, "{scanned:#}");
    let outgoing = app.requests(&w.b_token, "direction=outgoing").await;
    assert_eq!(outgoing["items"].as_array().map(Vec::len), Some(3));

    // Sent again, every card answers what it now is.
    let photo = namecard::scan::synth::photograph(&placements, &scene, 75);
    let again = app
        .scan_photo(&w.b_token, photo, "/v1/scans")
        .await
        .expect(200);
    let statuses: Vec<_> = again["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|c| c["status"].clone())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        3,
        "{again:#}"
    );
}

async fn a_photo_whose_every_card_fails_answers_each_cards_problem(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let (grace_id, grace) = app
        .member_with_token(&w.a_admin, w.a_org, "Grace Hopper", "A2")
        .await;
    // The scanner's own card, and the card of someone who left since it was printed.
    let cards = [
        printed_card(&app, &w.b_token).await,
        printed_card(&app, &grace).await,
    ];
    app.deactivate_member(&w.a_admin, w.a_org, grace_id)
        .await
        .expect(200);
    let placements = on_a_table(&cards, 9);
    let photo = namecard::scan::synth::photograph(&placements, &Default::default(), 80);

    let refused = app.scan_photo(&w.b_token, photo, "/v1/scans").await;

    // The document is the first card's problem; `cards` has both, each where it lies.
    let cards = refused.json["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 2, "{}", refused.json);
    assert_eq!(
        u64::from(refused.status.as_u16()),
        cards[0]["status"].as_u64().unwrap()
    );
    assert!(cards[0].get("problem").is_none(), "{}", refused.json);
    let codes: Vec<&str> = std::iter::once(refused.problem_code())
        .chain(
            cards[1..]
                .iter()
                .map(|c| c["problem"]["code"].as_str().expect("a code")),
        )
        .collect();
    assert_eq!(codes.len(), 2);
    assert!(codes.contains(&"self_scan"), "{codes:?}");
    assert!(
        codes.iter().any(|c| *c != "self_scan"),
        "the left member's card fails for its own reason: {codes:?}"
    );
    for card in cards {
        assert_eq!(card["corners"].as_array().map(Vec::len), Some(4));
        assert!(card["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    // Nothing was requested.
    let outgoing = app.requests(&w.b_token, "direction=outgoing").await;
    assert_eq!(outgoing["items"], json!([]));
}

async fn a_photo_with_more_codes_than_a_scan_takes_answers_the_rest_too_many_codes(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    // A sheet of 24 codes, none of them a card, in a 6 x 4 grid on white.
    let max = namecard::service::MAX_CODES_PER_SCAN;
    let n = max + 4;
    let tile = 220u32;
    let mut sheet = image::GrayImage::from_pixel(6 * tile, 4 * tile, image::Luma([255]));
    for i in 0..n {
        let text = format!("https://example.org/code/{i}");
        let matrix = namecard::qr::QrMatrix::encode(&text, namecard::qr::Ecc::M).unwrap();
        let png = namecard::qr::render_png(&matrix, 5).unwrap();
        let code = image::load_from_memory(&png).unwrap().to_luma8();
        let (x, y) = ((i % 6) as u32 * tile, (i / 6) as u32 * tile);
        image::imageops::overlay(&mut sheet, &code, i64::from(x), i64::from(y));
    }
    let mut photo = Vec::new();
    sheet
        .write_to(
            &mut std::io::Cursor::new(&mut photo),
            image::ImageFormat::Png,
        )
        .unwrap();

    let refused = app.scan_photo(&w.b_token, photo, "/v1/scans").await;

    let cards = refused.json["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), n, "every code is answered: {}", refused.json);
    let skipped: Vec<usize> = cards
        .iter()
        .enumerate()
        .filter(|(_, c)| c["problem"]["code"] == "too_many_codes")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(skipped, (max..n).collect::<Vec<_>>(), "{}", refused.json);
    let detail = cards[max]["problem"]["detail"].as_str().unwrap();
    assert!(detail.contains(&max.to_string()), "{detail}");
    assert_eq!(cards[max]["status"], 422);
}

async fn a_scanned_text_is_answered_with_its_one_card(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let text = app.card_text(&w.a_token).await;

    let scanned = app.scan_text(&w.b_token, &text).await.expect(201);

    assert_eq!(scanned["cards"].as_array().map(Vec::len), Some(1));
    let card = &scanned["cards"][0];
    assert_eq!(
        (card["status"].as_u64(), card["text"].as_str()),
        (Some(201), Some(text.as_str()))
    );
    assert!(card.get("corners").is_none(), "a text has no corners");
    assert_eq!(card["answer"]["request"]["id"], scanned["request"]["id"]);
}

async fn every_scan_outcome_is_answered_with_its_own_code(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let a_card = app.card_text(&w.a_token).await;

    // Colleague: found in the directory, no external request.
    let (_, colleague) = app
        .member_with_token(&w.a_admin, w.a_org, "Tom", "A2")
        .await;
    let same = app.scan_text(&colleague, &a_card).await.expect(200);
    assert_eq!(same["outcome"], "same_organization");
    assert_eq!(same["owner"]["name"], "Ada Lovelace");

    // Own card.
    assert_eq!(
        app.scan_text(&w.a_token, &a_card).await.problem_code(),
        "self_scan"
    );

    // A preview writes nothing.
    let preview = app
        .post(
            "/v1/scans/preview",
            Some(&w.b_token),
            json!({ "text": a_card }),
        )
        .await
        .expect(200);
    assert_eq!(preview["outcome"], "preview");
    assert_eq!(preview["would"], "request_created");
    assert_eq!(preview["text"], a_card.as_str());
    assert_eq!(
        app.requests(&w.a_token, "").await["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    // First scan creates, the second answers the same request.
    let first = app.scan_text(&w.b_token, &a_card).await.expect(201);
    let again = app.scan_text(&w.b_token, &a_card).await.expect(200);
    assert_eq!(again["outcome"], "already_pending");
    assert_eq!(again["request"]["id"], first["request"]["id"]);

    // Once accepted: already connected.
    let id = first["request"]["id"].as_i64().unwrap();
    app.decide(&w.a_token, id, "accept").await.expect(200);
    let connected = app.scan_text(&w.b_token, &a_card).await.expect(200);
    assert_eq!(connected["outcome"], "already_connected");
    assert_eq!(connected["contact"]["contact"]["name"], "Ada Lovelace");

    // Tampered, foreign and garbage payloads: invalid_card with the verification reason.
    let mut tampered = a_card.clone().into_bytes();
    let last = tampered.len() - 5;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let bad = app.scan_text(&w.b_token, &tampered).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.problem_code(), "invalid_card");
    assert!(
        ["bad_signature", "malformed"].contains(&bad.json["reason"].as_str().unwrap_or("")),
        "{}",
        bad.json
    );
    let foreign = a_card.replacen("HTTPS://NC.EXAMPLE.COM", "HTTPS://EVIL.EXAMPLE.COM", 1);
    let foreign = app.scan_text(&w.b_token, &foreign).await;
    assert_eq!(foreign.problem_code(), "invalid_card");
    assert_eq!(foreign.json["reason"], "wrong_issuer");
    let hostile = app
        .scan_text(&w.b_token, "<script>alert(1)</script>\u{0}")
        .await;
    assert_eq!(hostile.status, 422);
    assert_eq!(hostile.json["reason"], "malformed");

    // A card reset revokes the old one.
    let (c_member, c_token) = app.member_with_token(&w.a_admin, w.a_org, "Cy", "A3").await;
    let old = app.card_text(&c_token).await;
    app.card_text(&c_token).await;
    assert_eq!(
        app.scan_text(&w.b_token, &old).await.problem_code(),
        "card_revoked"
    );

    // A deactivated owner's card.
    let current = app.get("/v1/me/card", Some(&c_token)).await.expect(200)["text"]
        .as_str()
        .unwrap()
        .to_owned();
    app.deactivate_member(&w.a_admin, w.a_org, c_member)
        .await
        .expect(200);
    assert_eq!(
        app.scan_text(&w.b_token, &current).await.problem_code(),
        "owner_inactive"
    );
}

async fn a_team_card_of_no_way_is_refused_and_never_taken_for_the_member_with_its_id(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    // A team card signed with the service's own key whose team id is a member's id and no
    // way's: read as a member's card it would become a request to Ada.
    let key = app.issuer_key().await;
    let issuer = namecard::card::Issuer::parse("https://nc.example.com").unwrap();
    let now = namecard::service::SystemClock.now();
    let team = namecard::card::issue_team_card(
        &issuer,
        &key,
        &namecard::card::TeamCardRequest {
            org_id: u64::try_from(w.a_org).unwrap(),
            org_name: "Acme Trading".into(),
            team_id: u64::try_from(w.a_member).unwrap(),
            team_name: "Sales team".into(),
            title: None,
            not_before: None,
            expires_at: now + 3600,
            one_time: false,
            channel: None,
        },
        now,
    )
    .expect("a team card");
    let refused = app.scan_text(&w.b_token, &team.text).await;
    assert_eq!(refused.status, 422, "{}", refused.json);
    assert_eq!(refused.problem_code(), "invalid_card");
    assert_eq!(
        refused.json["reason"], "revoked",
        "not on record: {}",
        refused.json
    );
    assert_eq!(app.requests(&w.a_token, "").await["items"], json!([]));
}

async fn an_expired_card_is_refused(backend: Backend) {
    // Two years ago the service issued a card valid for a year.
    let now = namecard::card::unix_now();
    let clock = Arc::new(ManualClock::at(now - 2 * 365 * 86_400));
    let Some(app) = spawn_app_at(backend, Arc::clone(&clock)).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let expires_at = clock.now() + 365 * 86_400;
    let issued = app
        .post(
            "/v1/me/cards",
            Some(&w.a_token),
            json!({ "expires_at": expires_at }),
        )
        .await
        .expect(201);
    let expired = issued["text"].as_str().expect("text").to_owned();
    clock.set(now);

    let answer = app.scan_text(&w.b_token, &expired).await;

    assert_eq!(
        (answer.status.as_u16(), answer.problem_code()),
        (422, "card_expired")
    );
}

async fn a_one_time_card_starts_one_request_only(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let card = app
        .post(
            "/v1/me/cards",
            Some(&w.a_token),
            json!({ "one_time": true, "channel": "expo-2026" }),
        )
        .await
        .expect(201);
    let text = card["text"].as_str().unwrap();
    let (_, other) = app
        .member_with_token(&w.b_admin, w.b_org, "Wang", "B2")
        .await;

    let first = app.scan_text(&w.b_token, text).await.expect(201);
    let again = app.scan_text(&w.b_token, text).await.expect(200);
    let second = app.scan_text(&other, text).await;

    assert_eq!(first["request"]["card_channel"], "expo-2026");
    assert_eq!(again["outcome"], "already_pending");
    assert_eq!(second.status, 409);
    assert_eq!(second.problem_code(), "card_already_used");
}

async fn photos_that_hold_no_card_are_refused_with_the_image_error(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let blank = {
        let img = image::GrayImage::from_pixel(320, 240, image::Luma([200]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let none = app.scan_photo(&w.b_token, blank, "/v1/scans").await;
    assert_eq!(
        (none.status.as_u16(), none.problem_code()),
        (422, "no_qr_found")
    );
    let noise = app
        .scan_photo(&w.b_token, vec![0x5a; 4096], "/v1/scans")
        .await;
    assert_eq!(
        (noise.status.as_u16(), noise.problem_code()),
        (422, "not_an_image")
    );
    let empty = app.scan_photo(&w.b_token, Vec::new(), "/v1/scans").await;
    assert_eq!(empty.status, 422);
    let truncated_jpeg = {
        let img = image::GrayImage::from_fn(320, 240, |x, y| image::Luma([((x * y) % 251) as u8]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        let mut bytes = out.into_inner();
        bytes.truncate(bytes.len() / 2);
        bytes
    };
    let raw = app
        .send_raw(
            Method::POST,
            "/v1/scans",
            Some(&w.b_token),
            "image/jpeg",
            truncated_jpeg,
        )
        .await;
    assert_eq!(raw.problem_code(), "truncated_image");
    let (status, _) = app
        .post_oversized("/v1/scans", &w.b_token, 64 * 1024 * 1024)
        .await;
    assert_eq!(status, 413);
    let nothing = app
        .send_raw(
            Method::POST,
            "/v1/scans",
            Some(&w.b_token),
            "application/json",
            b"{\"txt\":1}".to_vec(),
        )
        .await;
    assert_eq!(nothing.status, 422);
    // Nothing was written by any of these.
    assert_eq!(
        app.requests(&w.b_token, "direction=outgoing").await["items"],
        json!([])
    );
}

/// What one side's policy does to a request between the two organizations.
fn side_blocks(policy: &str, partnered: bool) -> Option<&'static str> {
    match (policy, partnered) {
        ("disabled", _) => Some("external_contacts_disabled"),
        ("partners_only", false) => Some("not_a_partner"),
        _ => None,
    }
}

async fn every_policy_combination_is_enforced_and_names_whose_policy_blocked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let sides = [
        ("disabled", false),
        ("partners_only", false),
        ("partners_only", true),
        ("open", false),
    ];
    let mut failures = Vec::new();
    for (owner_policy, owner_lists) in sides {
        for (requester_policy, requester_lists) in sides {
            let w = world(&app, owner_policy, requester_policy, false).await;
            if owner_lists {
                app.partner(&w.a_admin, w.a_org, w.b_org).await;
            }
            if requester_lists {
                app.partner(&w.b_admin, w.b_org, w.a_org).await;
            }
            let card = app.card_text(&w.a_token).await;

            let answer = app.scan_text(&w.b_token, &card).await;

            let want = match (
                side_blocks(requester_policy, requester_lists),
                side_blocks(owner_policy, owner_lists),
            ) {
                (Some(why), _) => Some(("requester_organization", why, w.b_org)),
                (None, Some(why)) => Some(("owner_organization", why, w.a_org)),
                (None, None) => None,
            };
            let case = format!(
                "owner {owner_policy}{} / requester {requester_policy}{}",
                if owner_lists { "+partner" } else { "" },
                if requester_lists { "+partner" } else { "" }
            );
            match want {
                None if answer.status == 201 => {}
                Some((by, why, org))
                    if answer.status == 403
                        && answer.problem_code() == "policy_blocked"
                        && answer.json["blocked_by"] == by
                        && answer.json["policy_reason"] == why
                        && answer.json["organization"]["id"].as_i64() == Some(org) => {}
                _ => failures.push(format!(
                    "{case}: want {want:?}, got {} {}",
                    answer.status, answer.json
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "policy mismatches:\n{}",
        failures.join("\n")
    );
}

async fn a_policy_block_says_whom_to_ask(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "disabled", false).await;
    let card = app.card_text(&w.a_token).await;
    let answer = app.scan_text(&w.b_token, &card).await;
    assert_eq!(answer.status, 403);
    let detail = answer.json["detail"].as_str().unwrap_or("");
    assert!(detail.contains("ask your admin"), "{detail}");
    assert!(detail.contains("北京云帆科技有限公司"), "{detail}");
}

async fn every_contact_says_where_it_came_from_and_lists_filter_by_source_and_channel(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    // Ada's extra card for a trade fair, scanned by B.
    let expo = app
        .post(
            "/v1/me/cards",
            Some(&w.a_token),
            json!({ "channel": "expo-2026" }),
        )
        .await
        .expect(201);
    let scanned = app
        .scan_text(&w.b_token, expo["text"].as_str().expect("text"))
        .await
        .expect(201);
    assert_eq!(scanned["request"]["source"], "card");
    assert_eq!(scanned["request"]["card_channel"], "expo-2026");
    let id = scanned["request"]["id"].as_i64().expect("id");
    app.decide(&w.a_token, id, "accept").await.expect(200);
    // Cy, found by B through a discoverable number.
    let body = json!({ "display_name": "Cy", "employee_id": "A9", "mobile": "+4915100000009",
                       "phone_discoverable": true });
    let cy = app
        .create_member(&w.a_admin, w.a_org, body)
        .await
        .expect(201);
    let cy_token = app
        .create_token(
            &w.a_admin,
            w.a_org,
            json!({ "role": "member", "member_id": cy["id"] }),
        )
        .await
        .expect(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let asked = app
        .post(
            "/v1/contact-requests",
            Some(&w.b_token),
            json!({ "phone": "+4915100000009" }),
        )
        .await
        .expect(201);
    assert_eq!(asked["request"]["source"], "phone");
    let id = asked["request"]["id"].as_i64().expect("id");
    app.decide(&cy_token, id, "accept").await.expect(200);

    let listed = |query: &'static str| {
        let (app, token) = (&app, w.b_token.clone());
        async move {
            let page = app
                .get(&format!("/v1/contacts?{query}"), Some(&token))
                .await;
            let page = page.expect(200);
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| {
                    (
                        c["contact"]["name"].as_str().unwrap_or("").to_owned(),
                        c["source"].clone(),
                        c["channel"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed("").await,
        [
            ("Cy".to_owned(), json!("phone"), Value::Null),
            ("Ada Lovelace".to_owned(), json!("card"), json!("expo-2026")),
        ]
    );
    assert_eq!(listed("source=phone").await.len(), 1);
    assert_eq!(listed("source=phone").await[0].0, "Cy");
    assert_eq!(listed("channel=expo-2026").await[0].0, "Ada Lovelace");
    assert!(listed("source=card&channel=other").await.is_empty());
    let bad = app.get("/v1/contacts?source=fax", Some(&w.b_token)).await;
    assert_eq!(
        (bad.status.as_u16(), bad.problem_code()),
        (400, "invalid_query")
    );
}

async fn phone_requests_reach_only_discoverable_members_and_are_rate_limited(backend: Backend) {
    let settings = RawSettings {
        phone_lookups_per_hour: Some(5),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    for (name, id, mobile, discoverable) in [
        ("Hidden", "A7", "+4915100000007", false),
        ("Findable", "A8", "+4915100000008", true),
    ] {
        let body = json!({ "display_name": name, "employee_id": id, "mobile": mobile,
                           "phone_discoverable": discoverable });
        app.create_member(&w.a_admin, w.a_org, body)
            .await
            .expect(201);
    }
    let ask = |phone: &'static str| {
        let app = &app;
        let token = w.b_token.clone();
        async move {
            app.post(
                "/v1/contact-requests",
                Some(&token),
                json!({ "phone": phone }),
            )
            .await
        }
    };

    let unknown = ask("+4915100000001").await;
    let hidden = ask("+49 151 0000 0007").await;
    let found = ask("+4915100000008").await;
    let bad = ask("12345").await;

    assert_eq!(unknown.status, 404);
    assert_eq!(hidden.status, 404);
    assert_eq!(
        unknown.bytes, hidden.bytes,
        "unknown and undiscoverable look the same"
    );
    assert_eq!(found.status, 201, "{}", found.json);
    assert_eq!(found.json["request"]["via"], "phone");
    assert_eq!(found.json["owner"]["name"], "Findable");
    assert_eq!(bad.problem_code(), "invalid_phone");
    // Five lookups per hour: the bad number did not count, so two more go through, then 429.
    assert_eq!(ask("+4915100000002").await.status, 404);
    assert_eq!(ask("+4915100000003").await.status, 404);
    let limited = ask("+4915100000008").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.problem_code(), "rate_limited");
    assert!(limited.headers.get("retry-after").is_some());
}

/// `POST /v1/contact-requests` by phone number.
async fn ask_by_phone(app: &TestApp, token: &str, phone: &str) -> crate::common::Answer {
    app.post(
        "/v1/contact-requests",
        Some(token),
        json!({ "phone": phone }),
    )
    .await
}

async fn an_organization_has_its_own_phone_lookup_limit_whatever_its_number_of_members(
    backend: Backend,
) {
    let settings = RawSettings {
        phone_lookups_per_hour: Some(2),
        org_phone_lookups_per_hour: Some(3),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let (_, second) = app
        .member_with_token(&w.b_admin, w.b_org, "Second", "B2")
        .await;
    let (_, third) = app
        .member_with_token(&w.b_admin, w.b_org, "Third", "B3")
        .await;
    let ask = |token: String, phone: &'static str| {
        let app = &app;
        async move { ask_by_phone(app, &token, phone).await }
    };

    // The first member uses up its own two and is refused a third, which the organization does
    // not count; the second member's first lookup is the organization's third.
    assert_eq!(ask(w.b_token.clone(), "+4915100000001").await.status, 404);
    assert_eq!(ask(w.b_token.clone(), "+4915100000002").await.status, 404);
    assert_eq!(ask(w.b_token.clone(), "+4915100000003").await.status, 429);
    assert_eq!(ask(second.clone(), "+4915100000004").await.status, 404);
    let second_again = ask(second, "+4915100000005").await;
    let third_first = ask(third, "+4915100000006").await;
    let other_org = ask(w.a_token.clone(), "+4915100000007").await;

    for limited in [&second_again, &third_first] {
        assert_eq!(limited.status, 429, "{:?}", limited.json);
        assert_eq!(limited.problem_code(), "rate_limited");
        assert!(limited.headers.get("retry-after").is_some());
    }
    assert_eq!(
        other_org.status, 404,
        "another organization has its own share"
    );
}

async fn phone_lookups_never_reveal_a_number_that_a_policy_hides(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // A's organization allows partners only and B's organization is not one.
    let w = world(&app, "partners_only", "open", false).await;
    let body = json!({ "display_name": "Partnered Only", "employee_id": "A5",
                       "mobile": "+4915100000005", "phone_discoverable": true });
    app.create_member(&w.a_admin, w.a_org, body)
        .await
        .expect(201);
    let ask = |token: String, phone: &'static str| {
        let app = &app;
        async move { ask_by_phone(app, &token, phone).await }
    };

    let hidden = ask(w.b_token.clone(), "+4915100000005").await;
    let unknown = ask(w.b_token.clone(), "+4915100000006").await;

    assert_eq!(hidden.status, 404);
    assert_eq!(
        hidden.bytes, unknown.bytes,
        "a policy-hidden number looks unknown"
    );

    // A requester whose own organization disabled external contacts is told so, whatever the number.
    app.update_org(&w.b_admin, w.b_org, json!({"policy": "disabled"}))
        .await
        .expect(200);
    let known = ask(w.b_token.clone(), "+4915100000005").await;
    let unknown = ask(w.b_token.clone(), "+4915100000006").await;
    assert_eq!(known.status, 403);
    assert_eq!(known.json["blocked_by"], "requester_organization");
    assert_eq!(known.bytes, unknown.bytes);
}

async fn only_the_right_party_decides_and_decisions_are_final(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let card = app.card_text(&w.a_token).await;
    let id = app.request_id(&w.b_token, &card).await;
    let (_, stranger) = app
        .member_with_token(&w.a_admin, w.a_org, "Eve", "A9")
        .await;

    assert_eq!(app.decide(&w.b_token, id, "accept").await.status, 403);
    assert_eq!(app.decide(&w.a_token, id, "cancel").await.status, 403);
    assert_eq!(app.decide(&stranger, id, "reject").await.status, 404);
    let rejected = app.decide(&w.a_token, id, "reject").await.expect(200);
    assert_eq!(rejected["status"], "rejected");
    let late = app.decide(&w.a_token, id, "accept").await;
    assert_eq!(
        (late.status.as_u16(), late.problem_code()),
        (409, "already_decided")
    );
    assert_eq!(late.json["request"]["status"], "rejected");
    assert!(app.contacts(&w.a_token).await.is_empty());

    // A new scan after a rejection makes a new request, which the requester may cancel.
    let again = app.scan_text(&w.b_token, &card).await.expect(201);
    let id2 = again["request"]["id"].as_i64().unwrap();
    assert_ne!(id2, id);
    assert_eq!(
        app.decide(&w.b_token, id2, "cancel").await.expect(200)["status"],
        "cancelled"
    );
    let outgoing = app
        .requests(&w.b_token, "direction=outgoing&status=cancelled")
        .await;
    assert_eq!(outgoing["items"].as_array().map(Vec::len), Some(1));
    let bad = app
        .get("/v1/contact-requests?status=maybe", Some(&w.b_token))
        .await;
    assert_eq!(bad.problem_code(), "invalid_query");
}

async fn pending_requests_expire(backend: Backend) {
    let settings = RawSettings {
        contact_request_ttl: Some("1s".into()),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let card = app.card_text(&w.a_token).await;
    let id = app.request_id(&w.b_token, &card).await;

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    let inbox = app.requests(&w.a_token, "status=expired").await;
    assert_eq!(inbox["items"][0]["id"], id);
    let late = app.decide(&w.a_token, id, "accept").await;
    assert_eq!(late.problem_code(), "already_decided");
    assert_eq!(late.json["request"]["status"], "expired");
    // An expired request does not block a new one.
    assert_eq!(app.scan_text(&w.b_token, &card).await.status, 201);
}

async fn contacts_are_removable_and_hidden_but_kept_by_deactivation_and_disabled_policy(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let card = app.card_text(&w.a_token).await;
    let id = app.request_id(&w.b_token, &card).await;
    app.decide(&w.a_token, id, "accept").await.expect(200);
    assert_eq!(app.contacts(&w.b_token).await.len(), 1);

    app.update_org(&w.a_admin, w.a_org, json!({"policy": "disabled"}))
        .await
        .expect(200);
    assert!(
        app.contacts(&w.b_token).await.is_empty(),
        "hidden while A is disabled"
    );
    app.update_org(&w.a_admin, w.a_org, json!({"policy": "open"}))
        .await
        .expect(200);
    let back = app.contacts(&w.b_token).await;
    assert_eq!(back.len(), 1, "kept, shown again");

    let contact_id = back[0]["id"].as_i64().unwrap();
    let removed = app
        .send(
            Method::DELETE,
            &format!("/v1/contacts/{contact_id}"),
            Some(&w.b_token),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    assert!(app.contacts(&w.a_token).await.is_empty());
    assert!(app.contacts(&w.b_token).await.is_empty());

    // Connect again, then deactivate A's member: hidden from B.
    let id = app.request_id(&w.b_token, &card).await;
    app.decide(&w.a_token, id, "accept").await.expect(200);
    app.deactivate_member(&w.a_admin, w.a_org, w.a_member)
        .await
        .expect(200);
    assert!(app.contacts(&w.b_token).await.is_empty());

    // Every step is in both organizations' audit logs.
    let audit = app
        .get(&format!("/v1/orgs/{}/audit", w.b_org), Some(&w.b_admin))
        .await
        .expect(200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .or_else(|| audit.as_array())
        .expect("audit entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "contact_request.created",
        "contact_request.accepted",
        "contact.removed",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
}

async fn fifty_concurrent_scans_of_one_card_create_one_request(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let card = app.card_text(&w.a_token).await;

    let answers = futures_join_all((0..50).map(|_| app.scan_text(&w.b_token, &card))).await;

    let created = answers.iter().filter(|a| a.status == 201).count();
    let pending = answers
        .iter()
        .filter(|a| a.status == 200 && a.json["outcome"] == "already_pending")
        .count();
    assert_eq!(
        created,
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert_eq!(pending, 49);
    let ids: std::collections::HashSet<_> = answers
        .iter()
        .map(|a| a.json["request"]["id"].clone())
        .collect();
    assert_eq!(ids.len(), 1, "every answer names the same request");
    let inbox = app.requests(&w.a_token, "").await;
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(1));
}

async fn twenty_concurrent_accepts_and_cancels_leave_one_outcome(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for _round in 0..3 {
        let w = world(&app, "open", "open", false).await;
        let card = app.card_text(&w.a_token).await;
        let id = app.request_id(&w.b_token, &card).await;

        let answers = futures_join_all((0..20).map(|i| {
            let (token, what) = if i % 2 == 0 {
                (&w.a_token, "accept")
            } else {
                (&w.b_token, "cancel")
            };
            app.decide(token, id, what)
        }))
        .await;

        let winners: Vec<_> = answers.iter().filter(|a| a.status == 200).collect();
        assert_eq!(winners.len(), 1);
        assert!(answers.iter().all(|a| a.status == 200 || a.status == 409));
        let final_status = winners[0].json["status"].as_str().unwrap().to_owned();
        for loser in answers.iter().filter(|a| a.status == 409) {
            assert_eq!(loser.json["request"]["status"], final_status.as_str());
        }
        let connected = !app.contacts(&w.b_token).await.is_empty();
        assert_eq!(connected, final_status == "accepted");
    }
}

/// Awaits all futures concurrently: every request is in flight at once.
pub(crate) async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    join_all_boxed(futures.map(Box::pin).collect()).await
}

async fn join_all_boxed<F: std::future::Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut results: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futures.iter_mut().enumerate() {
            if results[i].is_none() {
                match std::pin::Pin::new(f).poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().map(|r| r.expect("ready")).collect()
}

async fn webhooks_receive_signed_events_and_failures_are_retried(backend: Backend) {
    // The receiver is on loopback, which only an operator's setting lets webhooks reach.
    let Some(app) = spawn_app_with(
        backend,
        RawSettings {
            webhook_private_addresses: Some(true),
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let receiver = Receiver::start().await;
    let hook = app
        .send(
            Method::PUT,
            &format!("/v1/orgs/{}/webhook", w.a_org),
            Some(&w.a_admin),
            Some(json!({ "url": receiver.url })),
        )
        .await
        .expect(200);
    let secret = hook["secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    let shown = app
        .get(&format!("/v1/orgs/{}/webhook", w.a_org), Some(&w.a_admin))
        .await
        .expect(200);
    assert!(
        shown.get("secret").is_none(),
        "the secret is not shown again"
    );
    let card = app.card_text(&w.a_token).await;

    app.scan_text(&w.b_token, &card).await.expect(201);

    // The receiver fails the first attempt; the retry (after ~2 s) is accepted.
    let delivered = receiver
        .wait_for(2, std::time::Duration::from_secs(15))
        .await;
    assert!(delivered.len() >= 2, "delivered {} times", delivered.len());
    for (signature, body) in &delivered {
        assert!(
            namecard::service::webhooks::verify_signature(
                &secret,
                signature,
                body,
                namecard::card::unix_now(),
                300
            ),
            "bad signature {signature}"
        );
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["event"], "contact_request.created");
        assert_eq!(event["data"]["requester"]["name"], "李娜");
    }
    let bad_url = app
        .send(
            Method::PUT,
            &format!("/v1/orgs/{}/webhook", w.a_org),
            Some(&w.a_admin),
            Some(json!({ "url": "ftp://example.com/x" })),
        )
        .await;
    assert_eq!(bad_url.problem_code(), "invalid_url");
}

async fn webhooks_reach_no_loopback_or_private_address_by_default(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let receiver = Receiver::start().await;
    let path = format!("/v1/orgs/{}/webhook", w.a_org);
    let set = |url: String| {
        app.send(
            Method::PUT,
            &path,
            Some(&w.a_admin),
            Some(json!({ "url": url })),
        )
    };

    // An IP literal is refused when it is set.
    for url in [
        receiver.url.clone(),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://[::1]:9/hook".into(),
    ] {
        let refused = set(url.clone()).await;
        assert_eq!(refused.status, 422, "{url}");
        assert_eq!(refused.problem_code(), "webhook_address_not_allowed");
    }
    // A name is checked where it is resolved: `localhost` leads only to loopback, so the
    // event is given up without a connection, and the receiver hears nothing.
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    set(by_name).await.expect(200);
    let before = given_up_deliveries(&app).await;
    let card = app.card_text(&w.a_token).await;
    app.scan_text(&w.b_token, &card).await.expect(201);

    let given_up = app
        .eventually(std::time::Duration::from_secs(10), || async {
            given_up_deliveries(&app).await > before
        })
        .await;
    assert!(given_up, "the delivery was given up");
    let heard = receiver
        .wait_for(1, std::time::Duration::from_secs(3))
        .await;
    assert!(heard.is_empty(), "the receiver was reached: {heard:?}");
}

async fn upload_bodies_are_read_only_for_admitted_members_and_at_most_two_per_member(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let a_card = app.card_text(&w.a_token).await;
    let b_card = app.card_text(&w.b_token).await;

    // Anonymous uploads are answered at once, their bodies never read: ten of them (more than
    // the shared slots) hold nothing.
    for _ in 0..10 {
        let (_socket, answer) = stalled_upload(&addr, None).await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    // Member B starts two uploads that never finish; the server reads both bodies
    // (`100 Continue` says so), which fills B's lane.
    let mut held = Vec::new();
    for _ in 0..2 {
        let (socket, answer) = stalled_upload(&addr, Some(&w.b_token)).await;
        assert!(answer.starts_with("HTTP/1.1 100"), "{answer}");
        held.push(socket);
    }

    // B's third upload waits for one of B's own to end...
    let waiting = tokio::time::timeout(
        std::time::Duration::from_millis(1500),
        app.scan_text(&w.b_token, &a_card),
    )
    .await;
    assert!(waiting.is_err(), "B's third upload was read: {waiting:?}");
    // ...while another member's upload goes through.
    app.scan_text(&w.a_token, &b_card).await.expect(201);

    // Once B's stalled uploads are gone, B's next one is read and scanned.
    drop(held);
    app.scan_text(&w.b_token, &a_card).await.expect(201);
}

async fn one_organization_cannot_hold_every_upload_place_and_slow_bodies_are_cut_off(
    backend: Backend,
) {
    // One decoding slot: four upload places, two of them for one organization; a 3 s request
    // time gives uploads 1 s to find a place and 1.5 s for their body.
    let settings = RawSettings {
        scan_concurrency: Some(1),
        request_timeout: Some("3s".into()),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let w = world(&app, "open", "open", false).await;
    let (_, b_second) = app
        .member_with_token(&w.b_admin, w.b_org, "Second", "B2")
        .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let b_card = app.card_text(&w.b_token).await;

    // B's first member holds B's two places with uploads that never finish.
    let mut held = Vec::new();
    for _ in 0..2 {
        let (socket, answer) = stalled_upload(&addr, Some(&w.b_token)).await;
        assert!(answer.starts_with("HTTP/1.1 100"), "{answer}");
        held.push(socket);
    }
    // B's second member waits for B's share, not for the places left to others...
    let (_second, second_answer) = stalled_upload(&addr, Some(&b_second)).await;
    // ...which A's member still gets at once.
    let started = std::time::Instant::now();
    let a_scan = app.scan_text(&w.a_token, &b_card).await;
    let a_waited = started.elapsed();

    assert!(second_answer.starts_with("HTTP/1.1 503"), "{second_answer}");
    assert_eq!(a_scan.status, 201, "{:?}", a_scan.json);
    assert!(
        a_waited < std::time::Duration::from_millis(900),
        "A waited for B's places: {a_waited:?}"
    );
    // The stalled bodies are answered 408 body_too_slow (problem+json), freeing B's places.
    for mut socket in held {
        use tokio::io::AsyncReadExt as _;
        let mut rest = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            socket.read_to_end(&mut rest),
        )
        .await;
        assert!(read.is_ok(), "the stalled upload was never answered");
        let rest = String::from_utf8_lossy(&rest).to_ascii_lowercase();
        assert!(rest.contains("http/1.1 408"), "{rest}");
        assert!(
            rest.contains("application/problem+json") && rest.contains("body_too_slow"),
            "{rest}"
        );
    }
}

/// Sends the head of a photo upload that announces 100 kB and asks `Expect: 100-continue`, then
/// nothing more; returns the socket (dropping it ends the upload) and the server's first line.
async fn stalled_upload(addr: &str, token: Option<&str>) -> (tokio::net::TcpStream, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST /v1/scans HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: image/jpeg\r\n\
         Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.expect("send head");
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while !first.ends_with(b"\r\n") {
        let read = tokio::time::timeout(std::time::Duration::from_secs(20), socket.read(&mut byte))
            .await
            .expect("the server answers the head")
            .expect("read");
        if read == 0 {
            break;
        }
        first.push(byte[0]);
    }
    (socket, String::from_utf8_lossy(&first).into_owned())
}

/// The service's count of webhook deliveries given up (process-wide: the metrics registry is
/// shared by the apps of one test binary).
async fn given_up_deliveries(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics", None).await;
    String::from_utf8_lossy(&metrics.bytes)
        .lines()
        .find_map(|l| l.strip_prefix("webhook_deliveries_total{result=\"given_up\"} "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// A webhook receiver on loopback that fails its first request and records every request.
pub(crate) struct Receiver {
    pub(crate) url: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl Receiver {
    pub(crate) async fn start() -> Self {
        use axum::http::{HeaderMap, StatusCode};
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
        let log = std::sync::Arc::clone(&seen);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let log = std::sync::Arc::clone(&log);
                async move {
                    let signature = headers
                        .get("namecard-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let mut log = log.lock().unwrap();
                    log.push((signature, body));
                    if log.len() == 1 {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, seen }
    }

    pub(crate) async fn wait_for(
        &self,
        n: usize,
        within: std::time::Duration,
    ) -> Vec<(String, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let seen = self.seen.lock().unwrap().clone();
            if seen.len() >= n || tokio::time::Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

on_both_databases!(
    every_contact_says_where_it_came_from_and_lists_filter_by_source_and_channel,
    a_photo_of_a_partners_printable_card_becomes_a_request_the_owner_accepts,
    a_photo_of_a_table_with_several_cards_answers_for_each_card_and_a_bad_one_loses_no_other,
    a_photo_whose_every_card_fails_answers_each_cards_problem,
    a_photo_with_more_codes_than_a_scan_takes_answers_the_rest_too_many_codes,
    a_scanned_text_is_answered_with_its_one_card,
    every_scan_outcome_is_answered_with_its_own_code,
    an_expired_card_is_refused,
    a_team_card_of_no_way_is_refused_and_never_taken_for_the_member_with_its_id,
    a_one_time_card_starts_one_request_only,
    photos_that_hold_no_card_are_refused_with_the_image_error,
    every_policy_combination_is_enforced_and_names_whose_policy_blocked,
    a_policy_block_says_whom_to_ask,
    phone_requests_reach_only_discoverable_members_and_are_rate_limited,
    an_organization_has_its_own_phone_lookup_limit_whatever_its_number_of_members,
    phone_lookups_never_reveal_a_number_that_a_policy_hides,
    only_the_right_party_decides_and_decisions_are_final,
    pending_requests_expire,
    contacts_are_removable_and_hidden_but_kept_by_deactivation_and_disabled_policy,
    fifty_concurrent_scans_of_one_card_create_one_request,
    twenty_concurrent_accepts_and_cancels_leave_one_outcome,
    webhooks_receive_signed_events_and_failures_are_retried,
    webhooks_reach_no_loopback_or_private_address_by_default,
    upload_bodies_are_read_only_for_admitted_members_and_at_most_two_per_member,
    one_organization_cannot_hold_every_upload_place_and_slow_bodies_are_cut_off,
);
