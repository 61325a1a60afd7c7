//! Organizations, members, the directory and bad input, over HTTP on both databases.

use crate::common::{Backend, spawn_app};
use namecard::config::RawSettings;
use reqwest::Method;
use serde_json::json;

async fn an_admin_provisions_a_member_who_then_finds_colleagues_in_the_directory(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app
        .member_with_token(&admin, org, "Ada Lovelace", "E1")
        .await;
    app.member_with_token(&admin, org, "王小明", "E2").await;

    let by_name = app.directory(&ada, org, "q=LOVE").await.expect(200);
    let by_cjk = app
        .directory(&ada, org, "q=%E5%B0%8F%E6%98%8E")
        .await
        .expect(200);
    let by_id = app.directory(&ada, org, "employee_id=E2").await.expect(200);

    assert_eq!(by_name["items"][0]["display_name"], "Ada Lovelace");
    assert_eq!(by_cjk["items"][0]["employee_id"], "E2");
    assert_eq!(by_id["items"][0]["display_name"], "王小明");
}

async fn names_stored_before_the_search_folding_changed_are_found_after_a_restart(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    app.member_with_token(&admin, org, "張偉", "E1").await;
    // As a version without Traditional-to-Simplified folding stored it.
    let db = &app.database_url;
    crate::common::execute(db, "UPDATE members SET name_folded = display_name").await;
    crate::common::execute(db, "UPDATE search_fold SET version = 1").await;
    let simplified = "q=%E5%BC%A0%E4%BC%9F"; // 张伟
    let stale = app.directory(&admin, org, simplified).await.expect(200);
    assert_eq!(stale["items"], json!([]), "the stale key misses the name");

    let restarted = app.another_instance(RawSettings::default()).await;
    let found = restarted
        .directory(&admin, org, simplified)
        .await
        .expect(200);
    assert_eq!(found["items"][0]["display_name"], "張偉");
    let version: i64 = crate::common::read_one(db, "SELECT version FROM search_fold").await;
    assert_eq!(version, namecard::domain::FOLD_VERSION);
}

async fn the_directory_pages_through_members_in_order(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let csv = "display_name,employee_id\nA,E1\nB,E2\nC,E3\n";
    app.import_members(&admin, org, "text/csv", csv)
        .await
        .expect(201);

    let first = app.directory(&admin, org, "limit=2").await.expect(200);
    let after = first["next_after"].as_i64().expect("a next page");
    let second = app
        .directory(&admin, org, &format!("limit=2&after={after}"))
        .await
        .expect(200);

    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(second["items"][0]["display_name"], "C");
    assert!(second["next_after"].is_null());
}

async fn a_bulk_import_with_bad_rows_reports_each_and_writes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let csv = "display_name,employee_id,mobile\nAda,E1,+8613800138000\nBob,E2,555\n,E3,\n";

    let answer = app.import_members(&admin, org, "text/csv", csv).await;

    assert_eq!(answer.status, 422);
    assert_eq!(answer.problem_code(), "invalid_rows");
    let rows: Vec<_> = answer.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [2, 3]);
    let dir = app.directory(&admin, org, "").await.expect(200);
    assert!(
        dir["items"].as_array().unwrap().is_empty(),
        "nothing was imported"
    );
}

async fn a_json_import_that_reuses_an_employee_id_commits_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    app.create_member(
        &admin,
        org,
        json!({"display_name": "Ada", "employee_id": "E1"}),
    )
    .await
    .expect(201);
    let body =
        r#"[{"display_name":"Bob","employee_id":"E2"},{"display_name":"Eve","employee_id":"E1"}]"#;

    let answer = app
        .import_members(&admin, org, "application/json", body)
        .await;

    assert_eq!(answer.status, 409);
    assert_eq!(answer.problem_code(), "duplicate_employee_id");
    assert!(
        app.directory(&admin, org, "q=bob").await.expect(200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn a_deactivated_member_disappears_and_their_token_stops_working(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (ada_id, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;

    let member = app.deactivate_member(&admin, org, ada_id).await.expect(200);

    assert_eq!(member["status"], "deactivated");
    assert_eq!(
        app.get("/v1/me", Some(&ada)).await.problem_code(),
        "invalid_token"
    );
    assert!(
        app.directory(&admin, org, "q=ada").await.expect(200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn bad_input_is_a_problem_with_a_clear_code_never_a_500(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    app.create_member(
        &admin,
        org,
        json!({"display_name": "Ada", "employee_id": "E1"}),
    )
    .await
    .expect(201);
    let members = format!("/v1/orgs/{org}/members");
    let cases: Vec<(&str, crate::common::Answer)> = vec![
        (
            "malformed_json",
            app.send_raw(
                Method::POST,
                &members,
                Some(&admin),
                "application/json",
                b"{\"display_".to_vec(),
            )
            .await,
        ),
        (
            "invalid_body",
            app.post(
                &members,
                Some(&admin),
                json!({"display_name": 5, "employee_id": "E9"}),
            )
            .await,
        ),
        (
            "invalid_body",
            app.post(
                &members,
                Some(&admin),
                json!({"display_name": "A", "employee_id": "E9", "boss": true}),
            )
            .await,
        ),
        (
            "unsupported_media_type",
            app.send_raw(
                Method::POST,
                &members,
                Some(&admin),
                "text/plain",
                b"{}".to_vec(),
            )
            .await,
        ),
        (
            "body_too_large",
            app.send_raw(
                Method::POST,
                &members,
                Some(&admin),
                "application/json",
                vec![b' '; 2 * 1024 * 1024],
            )
            .await,
        ),
        (
            "invalid_phone",
            app.post(
                &members,
                Some(&admin),
                json!({"display_name": "B", "employee_id": "E2", "mobile": "12345"}),
            )
            .await,
        ),
        (
            "duplicate_employee_id",
            app.post(
                &members,
                Some(&admin),
                json!({"display_name": "C", "employee_id": "E1"}),
            )
            .await,
        ),
        (
            "not_found",
            app.get(&format!("/v1/orgs/{org}/members/999999"), Some(&admin))
                .await,
        ),
        (
            "not_found",
            app.get(&format!("/v1/orgs/{org}/members/abc"), Some(&admin))
                .await,
        ),
        ("not_found", app.get("/v1/orgs/999999", Some(&admin)).await),
        (
            "missing_token",
            app.get(&format!("/v1/orgs/{org}"), None).await,
        ),
        (
            "invalid_token",
            app.get(&format!("/v1/orgs/{org}"), Some("nc_not-a-token"))
                .await,
        ),
        (
            "invalid_query",
            app.directory(&admin, org, "limit=1000").await,
        ),
        (
            "invalid_policy_or_body",
            app.update_org(&admin, org, json!({"policy": "everyone"}))
                .await,
        ),
        (
            "method_not_allowed",
            app.send(Method::PUT, "/v1/orgs", Some(&admin), None).await,
        ),
        ("not_found", app.get("/v2/nothing", Some(&admin)).await),
    ];
    for (expected, answer) in cases {
        assert!(
            answer.status.is_client_error(),
            "{expected}: {} {}",
            answer.status,
            answer.json
        );
        let code = answer.problem_code();
        if expected == "invalid_policy_or_body" {
            assert_eq!(code, "invalid_body");
        } else {
            assert_eq!(code, expected, "{}", answer.json);
        }
    }
    let all = app.directory(&admin, org, "").await.expect(200);
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        1,
        "no failed request wrote anything"
    );
}

async fn a_members_email_is_set_when_provisioned_imported_or_changed_and_checked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let ada = app
        .create_member(
            &admin,
            org,
            json!({ "display_name": "Ada", "employee_id": "E-1", "email": "Ada@Example.COM" }),
        )
        .await
        .expect(201);
    assert_eq!(ada["email"], "Ada@example.com");
    let csv = "display_name,employee_id,title,mobile,phone_discoverable,email\nBob,E-2,,,false,bob@example.com\nCy,E-3,,,false,\n";
    let imported = app
        .import_members(&admin, org, "text/csv", csv)
        .await
        .expect(201);
    assert_eq!(imported["members"][0]["email"], "bob@example.com");
    assert!(
        imported["members"][1]["email"].is_null(),
        "an empty cell is no address"
    );

    let path = format!("/v1/orgs/{org}/members/{}", ada["id"]);
    let changed = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({ "email": "ada@acme.example" })),
        )
        .await
        .expect(200);
    assert_eq!(changed["email"], "ada@acme.example");
    let cleared = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({ "email": null })),
        )
        .await
        .expect(200);
    assert!(cleared["email"].is_null());
    let bad = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({ "email": "ada at acme" })),
        )
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.problem_code()),
        (422, "invalid_email")
    );
}

async fn healthz_answers_and_metrics_count_requests(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_eq!(app.get("/healthz", None).await.status, 200);
    let metrics = app.get("/metrics", None).await;
    assert!(String::from_utf8_lossy(&metrics.bytes).contains("http_requests_total"));
    let doc = app.get("/openapi.json", None).await.expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/v1/orgs/{org}/members/import"].is_object());
}

async fn a_name_with_bidirectional_formatting_characters_is_refused_where_a_member_is_made(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (ada, _) = app.member_with_token(&admin, org, "Ada", "E1").await;

    let created = app
        .create_member(
            &admin,
            org,
            json!({"display_name": "Ada\u{202E}nimda", "employee_id": "E2"}),
        )
        .await;
    let titled = app
        .create_member(
            &admin,
            org,
            json!({"display_name": "Bob", "title": "\u{2067}CEO\u{2069}", "employee_id": "E3"}),
        )
        .await;
    let renamed = app
        .send(
            Method::PATCH,
            &format!("/v1/orgs/{org}/members/{ada}"),
            Some(&admin),
            Some(json!({"display_name": "\u{200F}Ada"})),
        )
        .await;
    let imported = app
        .import_members(
            &admin,
            org,
            "text/csv",
            "display_name,employee_id\nEve\u{202D},E4\n",
        )
        .await;

    for (answer, field) in [
        (&created, "display_name"),
        (&titled, "title"),
        (&renamed, "display_name"),
    ] {
        assert_eq!(answer.status, 422, "{:?}", answer.json);
        assert_eq!(answer.problem_code(), "invalid_field");
        assert_eq!(answer.json["field"], field);
    }
    assert_eq!(imported.status, 422, "{:?}", imported.json);
    assert_eq!(imported.problem_code(), "invalid_rows");
    let directory = app.directory(&admin, org, "").await.expect(200);
    assert_eq!(directory["items"].as_array().unwrap().len(), 1, "only Ada");
    assert_eq!(directory["items"][0]["display_name"], "Ada");
}

async fn a_partner_list_tells_nothing_about_organizations_that_do_not_list_you_back(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (acme, acme_admin) = app.org_with_admin("Acme").await;
    let (beta, beta_admin) = app.org_with_admin("Beta").await;
    let partner = |admin: String, org: i64, partner: i64| {
        let app = &app;
        async move {
            let path = format!("/v1/orgs/{org}/partners/{partner}");
            app.send(Method::PUT, &path, Some(&admin), None).await
        }
    };

    let existing = partner(acme_admin.clone(), acme, beta).await;
    let unknown = partner(acme_admin.clone(), acme, 987_654).await;
    let one_sided = app
        .get(&format!("/v1/orgs/{acme}/partners"), Some(&acme_admin))
        .await
        .expect(200);
    partner(beta_admin.clone(), beta, acme).await.expect(204);
    let both_sides = app
        .get(&format!("/v1/orgs/{acme}/partners"), Some(&acme_admin))
        .await
        .expect(200);

    assert_eq!(
        (existing.status, existing.bytes.len()),
        (unknown.status, unknown.bytes.len()),
        "the same answer for an id that exists and one that does not"
    );
    assert_eq!(existing.status, 204);
    let shown = |list: &serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let mut keys: Vec<&str> =
                    p.as_object().unwrap().keys().map(String::as_str).collect();
                keys.sort_unstable();
                assert_eq!(keys, ["id", "name", "since"], "{p}");
                (p["id"].as_i64().unwrap(), p["name"].clone())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        shown(&one_sided),
        [(beta, json!(null)), (987_654, json!(null))]
    );
    assert_eq!(
        shown(&both_sides),
        [(beta, json!("Beta")), (987_654, json!(null))]
    );
}

on_both_databases!(
    names_stored_before_the_search_folding_changed_are_found_after_a_restart,
    a_members_email_is_set_when_provisioned_imported_or_changed_and_checked,
    an_admin_provisions_a_member_who_then_finds_colleagues_in_the_directory,
    the_directory_pages_through_members_in_order,
    a_bulk_import_with_bad_rows_reports_each_and_writes_nothing,
    a_json_import_that_reuses_an_employee_id_commits_nothing,
    a_deactivated_member_disappears_and_their_token_stops_working,
    bad_input_is_a_problem_with_a_clear_code_never_a_500,
    a_name_with_bidirectional_formatting_characters_is_refused_where_a_member_is_made,
    a_partner_list_tells_nothing_about_organizations_that_do_not_list_you_back,
    healthz_answers_and_metrics_count_requests,
);
