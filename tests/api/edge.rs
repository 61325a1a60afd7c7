//! Malformed input at the edge, on both databases: NUL and other control characters, ids that
//! cannot be ids and over-long free text are refused with a 4xx problem, never a 500.

use crate::common::{Backend, spawn_app};
use reqwest::Method;
use serde_json::json;

async fn nul_and_control_characters_are_refused_before_any_query(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let op = app.operator.clone();

    let answers = [
        app.directory(&ada, org, "q=%00").await,
        app.directory(&ada, org, "q=a%1Bb").await,
        app.directory(&ada, org, "employee_id=%00").await,
        app.send(Method::DELETE, "/v1/me/cards/%00", Some(&ada), None)
            .await,
        app.send(Method::POST, "/v1/keys/%00/retire", Some(&op), None)
            .await,
        app.send(Method::DELETE, "/v1/keys/%00", Some(&op), None)
            .await,
    ];
    let in_bodies = [
        app.create_token(&admin, org, json!({"role": "admin", "label": "a\u{0}b"}))
            .await,
        app.create_member(
            &admin,
            org,
            json!({"display_name": "Bo\u{0}b", "employee_id": "E2"}),
        )
        .await,
        app.update_org(&op, org, json!({"name": "Ac\u{9b}me"}))
            .await,
    ];

    for answer in &answers {
        assert_eq!(answer.status, 400, "{:?}", answer.json);
        assert_eq!(answer.problem_code(), "invalid_characters");
    }
    for answer in &in_bodies {
        assert_eq!(answer.status, 422, "{:?}", answer.json);
        assert_eq!(answer.problem_code(), "invalid_field");
    }
    let tokens: i64 = crate::common::read_one(
        &app.database_url,
        "SELECT COUNT(*) FROM tokens WHERE label LIKE 'a%'",
    )
    .await;
    assert_eq!(tokens, 0, "nothing stored");
}

async fn ids_that_cannot_be_ids_name_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;
    let op = app.operator.clone();
    let long = "A".repeat(5000);

    let answers = [
        app.send(
            Method::DELETE,
            &format!("/v1/me/cards/{long}"),
            Some(&ada),
            None,
        )
        .await,
        app.send(Method::DELETE, "/v1/me/cards/..%2F..", Some(&ada), None)
            .await,
        app.send(
            Method::POST,
            &format!("/v1/keys/{long}/retire"),
            Some(&op),
            None,
        )
        .await,
        app.send(Method::DELETE, "/v1/keys/%E2%80%AE", Some(&op), None)
            .await,
    ];

    for answer in &answers {
        assert_eq!(answer.status, 404, "{:?}", answer.json);
        assert_eq!(answer.problem_code(), "not_found");
    }
}

async fn free_text_has_a_length_limit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, ada) = app.member_with_token(&admin, org, "Ada", "E1").await;

    let label = app
        .create_token(
            &admin,
            org,
            json!({"role": "admin", "label": "x".repeat(900_000)}),
        )
        .await;
    let search = app
        .directory(&ada, org, &format!("q={}", "x".repeat(65)))
        .await;
    let employee_id = app
        .directory(&ada, org, &format!("employee_id={}", "x".repeat(65)))
        .await;
    let fine = app
        .create_token(
            &admin,
            org,
            json!({"role": "admin", "label": "alice's laptop"}),
        )
        .await;

    assert_eq!(label.status, 422, "{:?}", label.json);
    assert_eq!(label.json["field"], "label");
    for answer in [&search, &employee_id] {
        assert_eq!(answer.status, 400, "{:?}", answer.json);
        assert_eq!(answer.problem_code(), "invalid_query");
    }
    fine.expect(201);
}

on_both_databases!(
    nul_and_control_characters_are_refused_before_any_query,
    ids_that_cannot_be_ids_name_nothing,
    free_text_has_a_length_limit,
);
