//! What members keep about their external contacts (remarks, notes, tags from the
//! organization's library), the filters over them, the organization's view with its CSV, and
//! the vCard exports read back by another author's parser; on both databases.

use crate::common::{Backend, TestApp, spawn_app};
use crate::contacts::ContactsClient as _;
use reqwest::Method;
use serde_json::{Value, json};

/// Makes `requester` and `owner` external contacts (a scan of the owner's card, accepted);
/// returns the relation's id, which both sides see.
async fn connect(app: &TestApp, requester: &str, owner: &str) -> i64 {
    let card = app.card_text(owner).await;
    let request = app.request_id(requester, &card).await;
    let accepted = app.decide(owner, request, "accept").await.expect(200);
    let contacts = app.get("/v1/contacts", Some(owner)).await.expect(200);
    contacts["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["contact"]["member_id"] == accepted["requester"]["member_id"])
        .and_then(|c| c["id"].as_i64())
        .expect("the new contact")
}

/// An organization whose members may connect with anyone, and its admin's token.
async fn open_org(app: &TestApp, name: &str) -> (i64, String) {
    let (org, admin) = app.org_with_admin(name).await;
    app.update_org(&admin, org, json!({ "policy": "open" }))
        .await
        .expect(200);
    (org, admin)
}

async fn tag(app: &TestApp, admin: &str, org: i64, group: &str, name: &str) -> i64 {
    app.post(
        &format!("/v1/orgs/{org}/contact-tags"),
        Some(admin),
        json!({ "group": group, "name": name }),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .expect("tag id")
}

async fn keep(app: &TestApp, token: &str, contact: i64, body: Value) -> crate::common::Answer {
    app.send(
        Method::PATCH,
        &format!("/v1/contacts/{contact}"),
        Some(token),
        Some(body),
    )
    .await
}

/// The ids of a member's contacts matching `query`.
async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    app.get(&format!("/v1/contacts?{query}"), Some(token))
        .await
        .expect(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

async fn members_keep_remarks_notes_and_tags_the_other_side_never_sees(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a_org, a_admin) = open_org(&app, "Acme Trading").await;
    let (b_org, b_admin) = open_org(&app, "北京云帆科技有限公司").await;
    let (_, ada) = app
        .member_with_token(&a_admin, a_org, "Ada Lovelace", "A1")
        .await;
    let (_, cy) = app.member_with_token(&a_admin, a_org, "Cy", "A2").await;
    let (_, li) = app.member_with_token(&b_admin, b_org, "李娜", "B1").await;
    let (_, wang) = app.member_with_token(&b_admin, b_org, "王伟", "B2").await;
    let with_li = connect(&app, &li, &ada).await;
    let with_wang = connect(&app, &wang, &ada).await;

    let retail = tag(&app, &a_admin, a_org, "Industry", "Retail").await;
    let energy = tag(&app, &a_admin, a_org, "Industry", "Energy").await;
    let twice = app
        .post(
            &format!("/v1/orgs/{a_org}/contact-tags"),
            Some(&a_admin),
            json!({"group": "Industry", "name": "Retail"}),
        )
        .await;
    assert_eq!(
        (twice.status.as_u16(), twice.problem_code()),
        (409, "duplicate_tag")
    );
    let library = app
        .get(&format!("/v1/orgs/{a_org}/contact-tags"), Some(&ada))
        .await
        .expect(200);
    assert_eq!(
        library.as_array().map(Vec::len),
        Some(2),
        "members read the library"
    );
    let foreign = tag(&app, &b_admin, b_org, "级别", "VIP").await;

    let kept = keep(
        &app,
        &ada,
        with_li,
        json!({"remark": "李总", "note": "met at the fair\nlikes tea", "tags": [retail]}),
    )
    .await
    .expect(200);
    assert_eq!(kept["remark"], "李总");
    assert_eq!(kept["note"], "met at the fair\nlikes tea");
    assert_eq!(kept["tags"][0]["name"], "Retail");

    // The other side sees nothing of it.
    let lis = app.get("/v1/contacts", Some(&li)).await.expect(200);
    assert_eq!(
        lis["items"][0]["book"],
        json!({"remark": null, "note": null, "tags": []})
    );

    // Another organization's tag, someone else's relation, hostile and empty bodies: refused,
    // and nothing changes.
    let other_tag = keep(&app, &ada, with_li, json!({"tags": [retail, foreign]})).await;
    assert_eq!(
        (other_tag.status.as_u16(), other_tag.problem_code()),
        (404, "not_found")
    );
    let not_mine = keep(&app, &cy, with_li, json!({"remark": "mine"})).await;
    assert_eq!(not_mine.status, 404);
    let nul = keep(&app, &ada, with_li, json!({"note": "a\u{0}b"})).await;
    assert_eq!(
        (nul.status.as_u16(), nul.problem_code()),
        (422, "invalid_field")
    );
    let empty = keep(&app, &ada, with_li, json!({})).await;
    assert_eq!(empty.status, 422);
    let unknown = keep(&app, &ada, with_li, json!({"stars": 5})).await;
    assert_eq!(unknown.status, 422);
    let ada_view = app.get("/v1/contacts", Some(&ada)).await.expect(200);
    let li_entry = ada_view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == with_li)
        .expect("listed")
        .clone();
    assert_eq!(li_entry["book"]["remark"], "李总");
    assert_eq!(li_entry["book"]["tags"].as_array().map(Vec::len), Some(1));

    // The organization's audit log has the tag and the change, and never the private note.
    let audit = app
        .get(&format!("/v1/orgs/{a_org}/audit"), Some(&a_admin))
        .await;
    let log = String::from_utf8(audit.bytes.clone()).unwrap();
    assert_eq!(audit.status, 200);
    assert!(
        log.contains("contact_tag.created") && log.contains("contact.updated"),
        "{log}"
    );
    assert!(!log.contains("likes tea"), "the note stays private: {log}");
    let theirs = app
        .get(&format!("/v1/orgs/{b_org}/audit"), Some(&b_admin))
        .await;
    let their_log = String::from_utf8(theirs.bytes).unwrap();
    assert!(
        !their_log.contains("contact.updated"),
        "the other side's log: {their_log}"
    );

    // Every filter.
    keep(&app, &ada, with_wang, json!({"tags": [energy]}))
        .await
        .expect(200);
    assert_eq!(
        listed(&app, &ada, &format!("tag={retail}")).await,
        vec![with_li]
    );
    assert_eq!(
        listed(&app, &ada, &format!("tag={energy}")).await,
        vec![with_wang]
    );
    assert_eq!(
        listed(&app, &ada, &format!("tag={foreign}")).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        listed(&app, &ada, "q=%E6%9D%8E%E6%80%BB").await,
        vec![with_li]
    ); // 李总, the remark
    assert_eq!(listed(&app, &ada, "q=%E7%8E%8B").await, vec![with_wang]); // 王, a name
    assert_eq!(
        listed(&app, &ada, "q=%E7%8E%8B%E5%81%89").await,
        vec![with_wang]
    ); // 王偉, Traditional
    assert_eq!(listed(&app, &ada, "q=nobody").await, Vec::<i64>::new());
    assert_eq!(listed(&app, &ada, &format!("org={b_org}")).await.len(), 2);
    assert_eq!(
        listed(&app, &ada, &format!("org={a_org}")).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        listed(&app, &ada, &format!("org={b_org}&tag={retail}&q=%E6%9D%8E")).await,
        vec![with_li]
    );
    let bad = app.get("/v1/contacts?q=%00", Some(&ada)).await;
    assert_eq!(bad.status, 400);

    // Clearing one field keeps the others; deleting a tag takes it off.
    let cleared = keep(&app, &ada, with_li, json!({"remark": null}))
        .await
        .expect(200);
    assert_eq!(cleared["remark"], Value::Null);
    assert_eq!(cleared["note"], "met at the fair\nlikes tea");
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/v1/orgs/{a_org}/contact-tags/{retail}"),
            Some(&a_admin),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        listed(&app, &ada, &format!("tag={retail}")).await,
        Vec::<i64>::new()
    );
    let cross = app
        .send(
            Method::DELETE,
            &format!("/v1/orgs/{b_org}/contact-tags/{energy}"),
            Some(&b_admin),
            None,
        )
        .await;
    assert_eq!(cross.status, 404, "a tag of another organization");

    // Removing the relation removes what each side kept about it.
    let removed = app
        .send(
            Method::DELETE,
            &format!("/v1/contacts/{with_wang}"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    let left: i64 = crate::common::read_one(
        &app.database_url,
        &format!("SELECT COUNT(*) FROM contact_tag_links WHERE contact_id = {with_wang}"),
    )
    .await;
    assert_eq!(left, 0);
}

async fn the_organization_sees_every_contact_its_members_hold_and_exports_them_as_csv(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a_org, a_admin) = open_org(&app, "Acme Trading").await;
    let (b_org, b_admin) = open_org(&app, "Globex").await;
    let (ada_id, ada) = app
        .member_with_token(&a_admin, a_org, "Ada Lovelace", "A1")
        .await;
    let (_, cy) = app.member_with_token(&a_admin, a_org, "Cy", "A2").await;
    let (_, evil) = app
        .member_with_token(
            &b_admin,
            b_org,
            "=HYPERLINK(\"http://x.example\",\"hi\")",
            "B1",
        )
        .await;
    let (_, bob) = app
        .member_with_token(&b_admin, b_org, "Bob, Jr.", "B2")
        .await;
    let ada_evil = connect(&app, &evil, &ada).await;
    let cy_bob = connect(&app, &bob, &cy).await;
    let vip = tag(&app, &a_admin, a_org, "Tier", "VIP").await;
    keep(&app, &ada, ada_evil, json!({"tags": [vip]}))
        .await
        .expect(200);

    let all = app
        .get(
            &format!("/v1/orgs/{a_org}/external-contacts"),
            Some(&a_admin),
        )
        .await
        .expect(200);
    let items = all["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], cy_bob, "newest first");
    assert_eq!(items[1]["holder"]["name"], "Ada Lovelace");
    assert_eq!(items[1]["contact"]["organization"]["name"], "Globex");
    assert_eq!(items[1]["tags"][0]["name"], "VIP");
    let by_holder = app
        .get(
            &format!("/v1/orgs/{a_org}/external-contacts?holder={ada_id}"),
            Some(&a_admin),
        )
        .await
        .expect(200);
    assert_eq!(by_holder["items"].as_array().map(Vec::len), Some(1));
    let by_tag = app
        .get(
            &format!("/v1/orgs/{a_org}/external-contacts?tag={vip}"),
            Some(&a_admin),
        )
        .await
        .expect(200);
    assert_eq!(by_tag["items"][0]["id"], ada_evil);
    let page = app
        .get(
            &format!("/v1/orgs/{a_org}/external-contacts?limit=1"),
            Some(&a_admin),
        )
        .await
        .expect(200);
    let after = page["next_after"].as_i64().expect("a next page");
    let rest = app
        .get(
            &format!("/v1/orgs/{a_org}/external-contacts?limit=1&after={after}"),
            Some(&a_admin),
        )
        .await
        .expect(200);
    assert_eq!(rest["items"][0]["id"], ada_evil);

    // The other organization sees its own side only; a member is not an admin.
    let theirs = app
        .get(
            &format!("/v1/orgs/{b_org}/external-contacts"),
            Some(&b_admin),
        )
        .await
        .expect(200);
    assert_eq!(
        theirs["items"][0]["tags"],
        json!([]),
        "tags are the holder's"
    );
    assert_eq!(
        app.get(
            &format!("/v1/orgs/{a_org}/external-contacts"),
            Some(&b_admin)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.get(&format!("/v1/orgs/{a_org}/external-contacts"), Some(&ada))
            .await
            .status,
        403
    );

    // Someone who left still holds their relations, for the organization to see.
    app.deactivate_member(&a_admin, a_org, ada_id)
        .await
        .expect(200);
    let after_leaving = app
        .get(
            &format!("/v1/orgs/{a_org}/external-contacts?holder={ada_id}"),
            Some(&a_admin),
        )
        .await
        .expect(200);
    assert_eq!(after_leaving["items"][0]["holder_status"], "deactivated");

    let csv = app
        .get(
            &format!("/v1/orgs/{a_org}/external-contacts/csv"),
            Some(&a_admin),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    let mut reader = csv::Reader::from_reader(csv.bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..4],
        ["contact_id", "holder", "holder_status", "name"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let evil_row = rows.iter().find(|r| r[0] == ada_evil.to_string()).unwrap();
    assert_eq!(&evil_row[3], "'=HYPERLINK(\"http://x.example\",\"hi\")");
    assert_eq!(&evil_row[2], "deactivated");
    assert_eq!(&evil_row[8], "Tier: VIP");
    let bob_row = rows.iter().find(|r| r[0] == cy_bob.to_string()).unwrap();
    assert_eq!(&bob_row[3], "Bob, Jr.", "a comma stays inside its cell");
}

async fn a_members_contacts_export_as_vcards_another_parser_reads_back(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a_org, a_admin) = open_org(&app, "Acme Trading").await;
    let (b_org, b_admin) = open_org(&app, "上海云帆科技有限公司; 华东").await;
    let (_, ada) = app
        .member_with_token(&a_admin, a_org, "Ada Lovelace", "A1")
        .await;
    let (_, cy) = app.member_with_token(&a_admin, a_org, "Cy", "A2").await;
    let (li_id, li) = app.member_with_token(&b_admin, b_org, "李娜", "B1").await;
    app.send(
        Method::PATCH,
        &format!("/v1/orgs/{b_org}/members/{li_id}"),
        Some(&b_admin),
        Some(json!({"title": "销售总监, 华东区"})),
    )
    .await
    .expect(200);
    let (_, bob) = app
        .member_with_token(&b_admin, b_org, "Bob\\Smith", "B2")
        .await;
    let with_li = connect(&app, &li, &ada).await;
    let with_bob = connect(&app, &bob, &ada).await;
    // Li shares her mobile with her contacts; Bob has one but keeps it to himself.
    app.send(
        Method::PATCH,
        "/v1/me",
        Some(&li),
        Some(json!({"mobile": "+8613812345678", "share_mobile": true})),
    )
    .await
    .expect(200);
    app.send(
        Method::PATCH,
        "/v1/me",
        Some(&bob),
        Some(json!({"mobile": "+8613900000000"})),
    )
    .await
    .expect(200);
    let li_card_text = app.card_text(&li).await;
    let tier = tag(&app, &a_admin, a_org, "Tier", "VIP, gold").await;
    let note = format!("第一次见面在展会;\n{}", "喜欢喝茶".repeat(20));
    keep(
        &app,
        &ada,
        with_li,
        json!({"remark": "李总", "note": note, "tags": [tier]}),
    )
    .await
    .expect(200);

    let file = app.get("/v1/contacts/vcard", Some(&ada)).await;
    assert_eq!(file.status, 200);
    assert!(
        file.content_type.starts_with("text/vcard"),
        "{}",
        file.content_type
    );
    let text = String::from_utf8(file.bytes.clone()).expect("UTF-8");
    assert!(text.ends_with("\r\n"));
    for line in text.split("\r\n") {
        assert!(!line.contains('\n') && line.len() <= 75, "{line:?}");
    }
    let cards = vcard::VCard::parse_multiple(&text).expect("another parser reads the export");
    assert_eq!(cards.len(), 2);
    let li_card = cards
        .iter()
        .find(|c| c.formatted_names[0].value == "李娜")
        .expect("李娜's card");
    assert_eq!(
        li_card.organizations[0].value.name,
        "上海云帆科技有限公司; 华东"
    );
    assert!(li_card.organizations[0].value.units.is_empty());
    assert_eq!(li_card.titles[0].value, "销售总监, 华东区");
    assert_eq!(li_card.nicknames[0].value, vec!["李总".to_owned()]);
    assert_eq!(li_card.notes[0].value, note);
    assert_eq!(li_card.categories[0].value, vec!["VIP, gold".to_owned()]);
    assert_eq!(li_card.names[0].value.given_names, vec!["李娜".to_owned()]);
    match &li_card.telephones[..] {
        [tel] => match &tel.value {
            vcard::values::TelValue::Uri(uri) => assert_eq!(uri.to_string(), "tel:+8613812345678"),
            other => panic!("TEL is a tel: URI, not {other:?}"),
        },
        other => panic!("one TEL for a shared mobile, got {other:?}"),
    }
    // The URL opens Li's current card page (her card's QR text).
    assert_eq!(
        li_card.urls[0].value.to_string(),
        reqwest::Url::parse(&li_card_text)
            .expect("a card's text is a URL")
            .to_string()
    );
    let bob_card = cards
        .iter()
        .find(|c| c.formatted_names[0].value == "Bob\\Smith")
        .expect("Bob's card");
    assert!(bob_card.notes.is_empty() && bob_card.nicknames.is_empty());
    assert!(
        bob_card.telephones.is_empty(),
        "a mobile not shared is not exported"
    );

    let one = app
        .get(&format!("/v1/contacts/{with_bob}/vcard"), Some(&ada))
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(
        one.headers["content-disposition"],
        format!("attachment; filename=\"contact-{with_bob}.vcf\"")
    );
    let parsed = vcard::VCard::parse_multiple(&String::from_utf8(one.bytes).unwrap()).unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].formatted_names[0].value, "Bob\\Smith");
    let not_mine = app
        .get(&format!("/v1/contacts/{with_bob}/vcard"), Some(&cy))
        .await;
    assert_eq!(not_mine.status, 404);
    let filtered = app
        .get(&format!("/v1/contacts/vcard?tag={tier}"), Some(&ada))
        .await;
    assert_eq!(
        vcard::VCard::parse_multiple(&String::from_utf8(filtered.bytes).unwrap())
            .unwrap()
            .len(),
        1
    );
}

async fn concurrent_tag_changes_leave_one_of_the_asked_sets_never_a_mix(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a_org, a_admin) = open_org(&app, "Acme Trading").await;
    let (b_org, b_admin) = open_org(&app, "Globex").await;
    let (_, ada) = app
        .member_with_token(&a_admin, a_org, "Ada Lovelace", "A1")
        .await;
    let (_, bob) = app.member_with_token(&b_admin, b_org, "Bob", "B1").await;
    let contact = connect(&app, &bob, &ada).await;
    let mut tags = Vec::new();
    for i in 0..4 {
        tags.push(tag(&app, &a_admin, a_org, "Tier", &format!("T{i}")).await);
    }
    // Twenty changes at once, each asking for a pair of tags: afterwards the contact carries
    // exactly one of the pairs asked for, and every change was answered.
    let sets: Vec<Vec<i64>> = (0..20)
        .map(|i| vec![tags[i % 4], tags[(i + 1) % 4]])
        .collect();
    let answers = futures::future::join_all(sets.iter().map(|set| {
        keep(
            &app,
            &ada,
            contact,
            json!({ "tags": set, "remark": format!("{set:?}") }),
        )
    }))
    .await;
    for a in &answers {
        assert_eq!(a.status, 200, "{:?}", a.json);
    }
    let listed = app.get("/v1/contacts", Some(&ada)).await.expect(200);
    let book = &listed["items"][0]["book"];
    let mut now: Vec<i64> = book["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    now.sort_unstable();
    let asked: Vec<Vec<i64>> = sets
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.sort_unstable();
            s
        })
        .collect();
    assert!(
        asked.contains(&now),
        "tags {now:?} are none of the sets asked for"
    );
    // The remark and the tags come from the same change.
    let remark = book["remark"].as_str().unwrap();
    let from: Vec<i64> = serde_json::from_str(remark).unwrap();
    let mut from = from;
    from.sort_unstable();
    assert_eq!(from, now, "the remark and the tags of one change");
}

on_both_databases!(
    concurrent_tag_changes_leave_one_of_the_asked_sets_never_a_mix,
    members_keep_remarks_notes_and_tags_the_other_side_never_sees,
    the_organization_sees_every_contact_its_members_hold_and_exports_them_as_csv,
    a_members_contacts_export_as_vcards_another_parser_reads_back,
);
