//! Languages: an organization's language decides how its cards are drawn (regional glyph forms
//! and the printable card's footer), and problem documents are titled in the reader's language
//! (`Accept-Language`) while their `code` stays the same.

use crate::common::{Backend, TestApp, spawn_app};
use namecard::qr::{self, CardFace, Ecc, Lang, QrMatrix};
use reqwest::Method;
use serde_json::json;

on_both_databases!(
    a_new_organization_draws_its_cards_in_simplified_chinese,
    an_organization_in_taiwan_prints_traditional_forms_and_footer,
    an_invalid_language_tag_is_refused_with_its_own_code,
    another_organizations_admin_cannot_set_its_language,
    problem_titles_follow_accept_language_while_the_code_stays,
    the_edges_own_refusals_are_titled_in_the_readers_language_too,
    a_team_codes_poster_is_drawn_in_the_organizations_language,
    the_sign_in_error_page_is_written_in_the_readers_language,
    problem_details_are_written_in_the_readers_language_too,
);

/// The printable card the library draws for `text` with these names in language `tag`.
fn drawn(text: &str, name: &str, title: Option<&str>, org: &str, tag: &str) -> Vec<u8> {
    let face = CardFace::with_scan_prompt(name, title, org, Lang::parse(tag).unwrap());
    let matrix = QrMatrix::encode(text, Ecc::M).unwrap();
    qr::printable_png(&face, &matrix).unwrap()
}

/// An `org` request with `Accept-Language: accept`.
async fn in_language(
    app: &TestApp,
    accept: &str,
    method: Method,
    path: &str,
    token: &str,
) -> crate::common::Answer {
    let body = json!({ "lang": "not a language" }).to_string();
    asked_in(
        app,
        accept,
        method,
        path,
        token,
        body.into(),
        "application/json",
    )
    .await
}

async fn a_new_organization_draws_its_cards_in_simplified_chinese(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };

    let created = app
        .create_org(&app.operator, "深圳市腾讯计算机系统有限公司")
        .await
        .expect(201);
    let chosen = app
        .post(
            "/v1/orgs",
            Some(&app.operator),
            json!({ "name": "Acme", "lang": "ko" }),
        )
        .await
        .expect(201);

    assert_eq!(created["lang"], "zh-Hans");
    assert_eq!(chosen["lang"], "ko");
}

async fn an_organization_in_taiwan_prints_traditional_forms_and_footer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let org_name = "臺灣積體電路製造股份有限公司";
    let (org, admin) = app.org_with_admin(org_name).await;
    let member = app
        .create_member(
            &admin,
            org,
            json!({ "display_name": "王喆 陳昇", "employee_id": "T1", "title": "資深工程師" }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let token = app
        .create_token(
            &admin,
            org,
            json!({ "role": "member", "member_id": member }),
        )
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let set = app
        .update_org(&admin, org, json!({ "lang": "zh-hant-tw" }))
        .await
        .expect(200);
    let card = app
        .post("/v1/me/card", Some(&token), json!({}))
        .await
        .expect(201);
    let printed = app.get("/v1/me/card/printable", Some(&token)).await;
    let by_admin = app
        .get(
            &format!("/v1/orgs/{org}/members/{member}/card/printable"),
            Some(&admin),
        )
        .await;

    assert_eq!(
        set["lang"], "zh-Hant-TW",
        "the tag is stored in its canonical form"
    );
    assert_eq!(
        app.get(&format!("/v1/orgs/{org}"), Some(&admin))
            .await
            .expect(200)["lang"],
        "zh-Hant-TW"
    );
    assert_eq!(printed.status, 200);
    let text = card["text"].as_str().unwrap();
    let (name, title) = ("王喆 陳昇", "資深工程師");
    assert!(
        printed.bytes == drawn(text, name, Some(title), org_name, "zh-Hant-TW"),
        "the card is drawn in Taiwan's forms, with 掃碼加我 under the code"
    );
    assert!(
        printed.bytes != drawn(text, name, Some(title), org_name, "zh-Hans"),
        "not in the Simplified forms and footer"
    );
    assert!(
        by_admin.bytes == printed.bytes,
        "the admin's download is the same card"
    );
    assert_eq!(Lang::parse("zh-Hant-TW").unwrap().scan_prompt(), "掃碼加我");
}

async fn an_invalid_language_tag_is_refused_with_its_own_code(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;

    let refused = app
        .update_org(&admin, org, json!({ "lang": "not a language" }))
        .await;
    let at_creation = app
        .post(
            "/v1/orgs",
            Some(&app.operator),
            json!({ "name": "Beta", "lang": "zh_\u{0}" }),
        )
        .await;

    assert_eq!(refused.status, 422);
    assert_eq!(refused.problem_code(), "invalid_lang");
    assert_eq!(refused.json["field"], "lang");
    assert!(
        refused.json["detail"]
            .as_str()
            .unwrap()
            .contains("zh-Hans, zh-TW, ja, ko or en"),
        "{}",
        refused.json
    );
    assert_eq!(at_creation.status, 422);
    assert_eq!(at_creation.problem_code(), "invalid_lang");
    let kept = app
        .get(&format!("/v1/orgs/{org}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(kept["lang"], "zh-Hans", "nothing changed");
}

async fn another_organizations_admin_cannot_set_its_language(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, _) = app.org_with_admin("Acme").await;
    let (_, other) = app.org_with_admin("Globex").await;

    let answer = app.update_org(&other, org, json!({ "lang": "ja" })).await;

    assert_eq!(answer.status, 404);
    assert_eq!(answer.problem_code(), "not_found");
    let kept = app
        .get(&format!("/v1/orgs/{org}"), Some(&app.operator))
        .await
        .expect(200);
    assert_eq!(kept["lang"], "zh-Hans");
}

async fn problem_titles_follow_accept_language_while_the_code_stays(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let path = format!("/v1/orgs/{org}");

    let mut answers = Vec::new();
    for accept in [
        "zh-TW",
        "zh-CN",
        "en",
        "fr-FR, zh-Hant;q=0.5",
        "zh-HK",
        "de",
    ] {
        answers.push(in_language(&app, accept, Method::PATCH, &path, &admin).await);
    }
    let missing = in_language(&app, "zh-CN", Method::PATCH, "/v1/orgs/999999", &admin).await;

    let titles: Vec<_> = answers
        .iter()
        .map(|a| a.json["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        titles,
        [
            "語言標籤無效",
            "语言标签无效",
            "Invalid language tag",
            "語言標籤無效",
            "語言標籤無效",
            "Invalid language tag"
        ]
    );
    for answer in &answers {
        assert_eq!(answer.status, 422);
        assert_eq!(
            answer.problem_code(),
            "invalid_lang",
            "the code never changes"
        );
        assert_eq!(answer.json["field"], "lang");
        // The detail names the caller's tag; it is kept as written, as JSON text.
        assert!(
            answer.json["detail"]
                .as_str()
                .unwrap()
                .contains("\"not a language\"")
        );
    }
    assert_eq!(answers[0].headers["content-language"], "zh-TW");
    assert_eq!(answers[1].headers["content-language"], "zh-CN");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.problem_code(), "not_found");
    assert_eq!(missing.json["title"], "未找到");
}

async fn the_edges_own_refusals_are_titled_in_the_readers_language_too(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    // A body over the import's limit is refused before any handler runs.
    let answer = app
        .client
        .post(format!("{}/v1/orgs/{org}/members/import", app.base))
        .bearer_auth(&admin)
        .header("accept-language", "zh-TW")
        .header("content-type", "text/csv")
        .body(vec![b'a'; 3 << 20])
        .send()
        .await
        .expect("request");
    let answer = TestApp::read(answer).await;

    assert_eq!(answer.status, 413);
    assert_eq!(answer.problem_code(), "body_too_large");
    assert_eq!(answer.json["title"], "要求內容過大");
    assert_eq!(answer.headers["content-language"], "zh-TW");
}

/// A request with `Accept-Language: accept` and a JSON or raw body; the answer.
async fn asked_in(
    app: &TestApp,
    accept: &str,
    method: Method,
    path: &str,
    token: &str,
    body: reqwest::Body,
    content_type: &str,
) -> crate::common::Answer {
    let resp = app
        .client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("accept-language", accept)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    TestApp::read(resp).await
}

async fn problem_details_are_written_in_the_readers_language_too(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, member) = app.member_with_token(&admin, org, "Ada", "A1").await;
    let bad_mobile = || {
        reqwest::Body::from(
            json!({ "display_name": "Ada", "employee_id": "A2", "mobile": "12" }).to_string(),
        )
    };
    let members = format!("/v1/orgs/{org}/members");

    let simplified = asked_in(
        &app,
        "zh-CN",
        Method::POST,
        &members,
        &admin,
        bad_mobile(),
        "application/json",
    )
    .await;
    let traditional = asked_in(
        &app,
        "zh-TW",
        Method::POST,
        &members,
        &admin,
        bad_mobile(),
        "application/json",
    )
    .await;
    let english = asked_in(
        &app,
        "en",
        Method::POST,
        &members,
        &admin,
        bad_mobile(),
        "application/json",
    )
    .await;
    let missing = asked_in(
        &app,
        "zh-TW",
        Method::GET,
        "/v1/orgs/999999",
        &admin,
        "".into(),
        "application/json",
    )
    .await;
    let not_a_photo = asked_in(
        &app,
        "zh-CN",
        Method::POST,
        "/v1/scans",
        &member,
        b"not an image".to_vec().into(),
        "image/png",
    )
    .await;
    let wrong_role = asked_in(
        &app,
        "zh-TW",
        Method::POST,
        &members,
        &member,
        bad_mobile(),
        "application/json",
    )
    .await;

    // The field's name stays as the API spells it; the words around it are the reader's.
    assert_eq!(simplified.problem_code(), "invalid_phone");
    assert_eq!(
        simplified.json["detail"],
        "mobile: 须为 E.164 格式的号码，例如 +8613800138000"
    );
    assert_eq!(
        traditional.json["detail"],
        "mobile: 須為 E.164 格式的號碼，例如 +8613800138000"
    );
    assert_eq!(
        english.json["detail"],
        "mobile: must be an E.164 number like +8613800138000"
    );
    assert_eq!(missing.problem_code(), "not_found");
    assert_eq!(missing.json["detail"], "找不到組織");
    assert_eq!(not_a_photo.problem_code(), "not_an_image");
    assert_eq!(not_a_photo.json["detail"], "上传的文件不是图片");
    assert_eq!(wrong_role.status, 403);
    assert_eq!(wrong_role.json["detail"], "需要管理員權杖");
}

async fn a_team_codes_poster_is_drawn_in_the_organizations_language(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let org_name = "臺灣積體電路製造股份有限公司";
    let (org, admin) = app.org_with_admin(org_name).await;
    let (member, _) = app.member_with_token(&admin, org, "王喆", "T1").await;
    app.update_org(&admin, org, json!({ "lang": "zh-Hant-TW" }))
        .await
        .expect(200);
    let way = app
        .post(
            &format!("/v1/orgs/{org}/contact-ways"),
            Some(&admin),
            json!({ "name": "業務團隊", "members": [member] }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();

    let poster = app
        .get(
            &format!("/v1/orgs/{org}/contact-ways/{way}/poster.png"),
            Some(&admin),
        )
        .await;

    assert_eq!(poster.status, 200);
    let read = namecard::scan::decode_photo(&poster.bytes, &namecard::scan::ScanLimits::default())
        .expect("the poster's code reads");
    let text = &read.codes[0].text;
    let face = |tag: &str| drawn(text, "業務團隊", None, org_name, tag);
    assert!(
        poster.bytes == face("zh-Hant-TW"),
        "the poster is drawn in Taiwan's forms, with 掃碼加我 under the code"
    );
    assert!(poster.bytes != face("zh-Hans"));
    assert!(poster.bytes != face("en"));
}

/// A page of the sign-in flow, opened with these request headers.
async fn sign_in_page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = app.client.get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("a page"))
}

async fn the_sign_in_error_page_is_written_in_the_readers_language(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, _admin) = app.org_with_admin("Acme Robotics").await;
    let replayed = "/auth/oidc/callback?state=not-an-attempt&code=x";

    let (status, traditional) = sign_in_page(&app, replayed, &[("accept-language", "zh-TW")]).await;
    let (_, simplified) = sign_in_page(
        &app,
        replayed,
        &[("accept-language", "zh-TW"), ("cookie", "nc_locale=zh-CN")],
    )
    .await;
    let (_, english) = sign_in_page(&app, replayed, &[]).await;
    let (unconfigured_status, unconfigured) = sign_in_page(
        &app,
        &format!("/auth/oidc/{org}/start"),
        &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")],
    )
    .await;

    assert_eq!(status, 400);
    assert!(
        traditional.contains(r#"<html lang="zh-TW">"#),
        "{traditional}"
    );
    assert!(traditional.contains("<h1>登入失敗</h1>"), "{traditional}");
    assert!(traditional.contains("請從登入頁重新開始"), "{traditional}");
    assert!(traditional.contains("返回登入頁"), "{traditional}");
    assert!(
        traditional.contains(r#"<code id="problem-code">oidc_unknown_state</code>"#),
        "the code stays the same in every language"
    );
    assert!(
        simplified.contains("<h1>登录失败</h1>") && simplified.contains("请从登录页重新开始"),
        "the language switch's cookie wins over Accept-Language: {simplified}"
    );
    assert!(english.contains(r#"<html lang="en">"#) && english.contains("<h1>Sign-in failed</h1>"));
    assert!(english.contains("Start again from the sign-in page."));
    assert_eq!(unconfigured_status, 404);
    assert!(
        unconfigured.contains("该组织未设置单点登录")
            && unconfigured.contains("oidc_not_configured"),
        "{unconfigured}"
    );
}
