//! Web sign-in over HTTP, on SQLite and PostgreSQL: one-time sign-in links become session cookies
//! that authenticate like tokens, every change made with a cookie needs the session's CSRF
//! token, and bearer-token clients are unaffected. The pages carry their security headers.

use crate::common::{Backend, TestApp, WebSession, signin_secret, spawn_app, spawn_app_with};
use namecard::config::RawSettings;
use namecard::domain::{MemberId, OrgId, TokenHash, TokenSecret};
use reqwest::Method;
use serde_json::json;

const ONE_HOUR: i64 = 60 * 60;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

async fn member_session(app: &TestApp) -> (i64, String, i64, WebSession) {
    let (org, admin, member, url) = app.org_with_signin_link("Acme", "Ada").await;
    let session = app.sign_in(&url).await;
    (org, admin, member, session)
}

async fn a_sign_in_link_works_once_and_its_cookie_authenticates_like_a_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, _, member, url) = app.org_with_signin_link("Acme", "Ada").await;
    assert!(
        url.starts_with("https://nc.example.com/signin#nc_"),
        "{url}"
    );

    let session = app.sign_in(&url).await;

    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(
            session.set_cookie.contains(attribute),
            "{}",
            session.set_cookie
        );
    }
    assert_eq!(session.view["role"], "member");
    assert_eq!(session.view["member_id"], member);
    assert_eq!(session.view["org_id"], org);
    assert_eq!(session.view["member_name"], "Ada");
    assert_eq!(session.view["org_name"], "Acme");
    let me = app
        .get_with_cookie("/v1/me", &session.cookie)
        .await
        .expect(200);
    assert_eq!(me["display_name"], "Ada");
    let again = app.start_session(&url, None).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.problem_code(), "invalid_signin_link");
}

async fn a_change_made_with_the_cookie_needs_the_sessions_csrf_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (_, _, _, session) = member_session(&app).await;
    let issue = |csrf: Option<String>, origin: Option<&'static str>| {
        let app = &app;
        let cookie = session.cookie.clone();
        async move {
            app.send_with_cookie(
                Method::POST,
                "/v1/me/card",
                &cookie,
                csrf.as_deref(),
                origin,
                None,
            )
            .await
        }
    };

    let without = issue(None, None).await;
    let wrong = issue(Some(TokenSecret::generate().expose().to_owned()), None).await;
    let foreign = issue(Some(session.csrf.clone()), Some("https://evil.example")).await;
    let null_origin = issue(Some(session.csrf.clone()), Some("null")).await;

    for refused in [&without, &wrong, &foreign, &null_origin] {
        assert_eq!(refused.status, 403, "{:?}", refused.json);
        assert_eq!(refused.problem_code(), "csrf_failed");
    }
    let listed = app
        .get_with_cookie("/v1/me/cards", &session.cookie)
        .await
        .expect(200);
    assert_eq!(listed, json!([]), "a refused change wrote nothing");
    issue(Some(session.csrf.clone()), None).await.expect(201);
    issue(Some(session.csrf.clone()), Some("https://nc.example.com"))
        .await
        .expect(201);
}

async fn bearer_clients_are_unaffected_and_the_cookie_is_no_bearer_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin, _, session) = member_session(&app).await;
    let (_, member_token) = app.member_with_token(&admin, org, "Bob", "E-2").await;
    let cookie_value = session.cookie.trim_start_matches("nc_session=").to_owned();

    let bearer_with_stray_cookie = app
        .client
        .post(format!("{}/v1/me/card", app.base))
        .bearer_auth(&member_token)
        .header("cookie", "nc_session=garbage")
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    let cookie_as_bearer = app.get("/v1/me", Some(&cookie_value)).await;

    assert_eq!(
        bearer_with_stray_cookie.status(),
        201,
        "no CSRF for bearer tokens"
    );
    assert_eq!(cookie_as_bearer.status, 401);
    assert_eq!(cookie_as_bearer.problem_code(), "invalid_token");
}

async fn signing_out_ends_the_session_and_clears_the_cookie(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (_, _, _, session) = member_session(&app).await;
    let refused = app
        .send_with_cookie(
            Method::DELETE,
            "/v1/session",
            &session.cookie,
            None,
            None,
            None,
        )
        .await;
    assert_eq!(refused.status, 403, "signing out is a change too");

    let out = app
        .send_with_cookie(
            Method::DELETE,
            "/v1/session",
            &session.cookie,
            Some(&session.csrf),
            None,
            None,
        )
        .await;

    assert_eq!(out.status, 204);
    let cleared = out.headers["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("nc_session=; Path=/; Max-Age=0"),
        "{cleared}"
    );
    let after = app.get_with_cookie("/v1/me", &session.cookie).await;
    assert_eq!(after.status, 401);
    assert_eq!(after.problem_code(), "session_expired");
    let view = app.get_with_cookie("/v1/session", &session.cookie).await;
    assert_eq!(view.status, 401);
    assert_eq!(view.problem_code(), "no_session");
}

async fn deactivating_a_member_ends_their_sessions_and_kills_their_links(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin, member, session) = member_session(&app).await;
    let unused = app
        .member_signin_link(&admin, org, member)
        .await
        .expect(201);

    app.deactivate_member(&admin, org, member).await.expect(200);

    let after = app.get_with_cookie("/v1/me", &session.cookie).await;
    assert_eq!(after.status, 401);
    let late = app
        .start_session(unused["url"].as_str().unwrap(), None)
        .await;
    assert_eq!(late.status, 404);
    assert_eq!(late.problem_code(), "invalid_signin_link");
    let new_link = app.member_signin_link(&admin, org, member).await;
    assert_eq!(new_link.status, 404, "no links for deactivated members");
}

async fn revoking_a_token_kills_its_unused_links_and_ends_the_sessions_they_started(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, other_admin) = app.org_with_admin("Acme").await;
    let created = app
        .create_token(
            &app.operator,
            org,
            json!({"role": "admin", "label": "alice"}),
        )
        .await
        .expect(201);
    let (alice_id, alice) = (
        created["id"].as_i64().unwrap(),
        created["token"].as_str().unwrap(),
    );
    let (ada, _) = app.member_with_token(&other_admin, org, "Ada", "E1").await;
    let link = |token: String| {
        let app = &app;
        async move {
            app.member_signin_link(&token, org, ada).await.expect(201)["url"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // Alice's links: one unused, one signed in with; and an admin session of hers, which made
    // links of its own (one unused, one signed in with).
    let unused = link(alice.to_owned()).await;
    let ada_session = app.sign_in(&link(alice.to_owned()).await).await;
    let admin_link = app.admin_signin_link(alice, org).await.expect(201);
    let alice_web = app.sign_in(admin_link["url"].as_str().unwrap()).await;
    let from_web = |csrf: String| {
        let app = &app;
        let cookie = alice_web.cookie.clone();
        async move {
            app.send_with_cookie(
                Method::POST,
                &format!("/v1/orgs/{org}/members/{ada}/signin-links"),
                &cookie,
                Some(&csrf),
                None,
                None,
            )
            .await
            .expect(201)["url"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let unused_from_web = from_web(alice_web.csrf.clone()).await;
    let ada_via_web = app.sign_in(&from_web(alice_web.csrf.clone()).await).await;
    // Another admin's link and session are not Alice's.
    let others = app.sign_in(&link(other_admin.clone()).await).await;
    let others_unused = link(other_admin.clone()).await;

    app.send(
        Method::DELETE,
        &format!("/v1/orgs/{org}/tokens/{alice_id}"),
        Some(&other_admin),
        None,
    )
    .await
    .expect(204);

    for url in [&unused, &unused_from_web] {
        let late = app.start_session(url, None).await;
        assert_eq!(late.status, 404, "{:?}", late.json);
        assert_eq!(late.problem_code(), "invalid_signin_link");
    }
    for session in [&ada_session, &alice_web, &ada_via_web] {
        let after = app.get_with_cookie("/v1/session", &session.cookie).await;
        assert_eq!(after.status, 401, "{:?}", after.json);
    }
    app.get_with_cookie("/v1/session", &others.cookie)
        .await
        .expect(200);
    app.sign_in(&others_unused).await;
}

async fn admins_list_tokens_and_pending_links_and_cancel_unused_links(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin, member, used_url) = app.org_with_signin_link("Acme", "Ada").await;
    app.sign_in(&used_url).await;
    let created = app
        .create_token(
            &admin,
            org,
            json!({"role": "admin", "label": "bob's laptop"}),
        )
        .await
        .expect(201);
    let pending = app
        .member_signin_link(&admin, org, member)
        .await
        .expect(201);
    let pending_url = pending["url"].as_str().unwrap();

    let tokens = app
        .get(&format!("/v1/orgs/{org}/tokens"), Some(&admin))
        .await
        .expect(200);
    let links = app
        .get(&format!("/v1/orgs/{org}/signin-links"), Some(&admin))
        .await
        .expect(200);
    let link_id = links[0]["id"].as_i64().unwrap();
    let cancel = |id: i64| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let path = format!("/v1/orgs/{org}/signin-links/{id}");
            app.send(Method::DELETE, &path, Some(&admin), None).await
        }
    };
    cancel(link_id).await.expect(204);
    let again = cancel(link_id).await;
    let late = app.start_session(pending_url, None).await;

    let labels: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"bob's laptop") && labels.contains(&"web session"),
        "{labels:?}"
    );
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none()),
        "no secrets: {tokens}"
    );
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == created["id"] && t["role"] == "admin")
    );
    assert_eq!(
        links.as_array().unwrap().len(),
        1,
        "the used link is not pending: {links}"
    );
    assert_eq!(links[0]["member_id"], member);
    assert_eq!(again.status, 404);
    assert_eq!(late.status, 404);
    assert_eq!(late.problem_code(), "invalid_signin_link");
}

async fn an_admin_link_opens_the_admin_routes_and_the_audit_log_records_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, _) = app.org_with_admin("Acme").await;
    let link = app.admin_signin_link(&app.operator, org).await.expect(201);
    let url = link["url"].as_str().unwrap();
    let expires = link["expires_at"].as_i64().unwrap();
    assert!(
        (now() + ONE_HOUR - expires).abs() < 60,
        "a link lasts an hour"
    );

    let session = app.sign_in(url).await;
    let audit = app
        .get_with_cookie(&format!("/v1/orgs/{org}/audit"), &session.cookie)
        .await
        .expect(200);

    assert_eq!(session.view["role"], "admin");
    assert_eq!(session.view["member_id"], json!(null));
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"signin_link.create"), "{actions:?}");
    assert!(actions.contains(&"session.start"), "{actions:?}");
    let me = app.get_with_cookie("/v1/me", &session.cookie).await;
    assert_eq!(me.status, 403, "an admin session is no member");
}

async fn only_admins_of_the_organization_create_sign_in_links(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a, admin) = app.org_with_admin("A").await;
    let (b, other_admin) = app.org_with_admin("B").await;
    let (member, member_token) = app.member_with_token(&admin, a, "Ada", "E1").await;
    let (foreign, _) = app.member_with_token(&other_admin, b, "Bob", "E1").await;
    let cases = [
        (None, 401),
        (Some(member_token.as_str()), 403),
        (Some(other_admin.as_str()), 404),
        (Some(admin.as_str()), 201),
        (Some(app.operator.as_str()), 201),
    ];
    for (token, status) in cases {
        let path = format!("/v1/orgs/{a}/members/{member}/signin-links");
        let member_link = app.send(Method::POST, &path, token, None).await;
        let admin_link = app
            .send(
                Method::POST,
                &format!("/v1/orgs/{a}/signin-links"),
                token,
                None,
            )
            .await;
        assert_eq!(member_link.status, status, "member link as {token:?}");
        assert_eq!(admin_link.status, status, "admin link as {token:?}");
    }
    let cross = app.member_signin_link(&admin, a, foreign).await;
    assert_eq!(cross.status, 404, "another organization's member");
    let missing = app.admin_signin_link(&app.operator, 9999).await;
    assert_eq!(missing.status, 404);
}

async fn sign_ins_started_by_other_sites_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (_, _, _, url) = app.org_with_signin_link("Acme", "Ada").await;

    let foreign = app.start_session(&url, Some("https://evil.example")).await;

    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.problem_code(), "csrf_failed");
    let ours = app.start_session(&url, Some(&app.base)).await;
    assert_eq!(
        ours.status, 201,
        "the refused attempt did not use the link up"
    );
}

async fn links_and_sessions_expire_and_a_link_is_used_once_under_concurrency(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, _, member, url) = app.org_with_signin_link("Acme", "Ada").await;
    let store = namecard::store::connect(&app.database_url)
        .await
        .expect("store");
    let link = TokenHash::of(signin_secret(&url));
    let late = store
        .redeem_signin_link(&link, &TokenSecret::generate().hash(), now() + ONE_HOUR + 1)
        .await
        .unwrap();
    assert!(late.is_none(), "an expired link does not work");

    let racers: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            let link = link.clone();
            tokio::spawn(async move {
                let session = TokenSecret::generate();
                let won = store
                    .redeem_signin_link(&link, &session.hash(), now())
                    .await
                    .unwrap();
                won.map(|info| (session, info))
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        winners.extend(racer.await.unwrap());
    }

    assert_eq!(winners.len(), 1, "exactly one redemption wins");
    let (secret, info) = winners.pop().unwrap();
    assert_eq!(info.token.member_id, Some(MemberId::new(member)));
    assert_eq!(info.token.org_id, Some(OrgId::new(org)));
    assert_eq!(info.token.label, "web session");
    let hash = secret.hash();
    assert!(store.find_session(&hash, now()).await.unwrap().is_some());
    assert!(
        store
            .find_session(&hash, info.expires_at)
            .await
            .unwrap()
            .is_none(),
        "a session ends at its expiry"
    );
    let cookie = format!("nc_session={}", secret.expose());
    app.get_with_cookie("/v1/me", &cookie).await.expect(200);
}

async fn over_plain_http_the_cookie_is_not_marked_secure(backend: Backend) {
    let extra = RawSettings {
        public_url: Some("http://127.0.0.1:8080".into()),
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, extra).await else {
        return;
    };
    let (_, _, _, url) = app.org_with_signin_link("Acme", "Ada").await;
    assert!(url.starts_with("http://127.0.0.1:8080/signin#"), "{url}");

    let session = app.sign_in(&url).await;

    assert!(session.set_cookie.contains("HttpOnly"));
    assert!(
        !session.set_cookie.contains("Secure"),
        "{}",
        session.set_cookie
    );
}

on_both_databases!(
    a_sign_in_link_works_once_and_its_cookie_authenticates_like_a_token,
    a_change_made_with_the_cookie_needs_the_sessions_csrf_token,
    bearer_clients_are_unaffected_and_the_cookie_is_no_bearer_token,
    signing_out_ends_the_session_and_clears_the_cookie,
    deactivating_a_member_ends_their_sessions_and_kills_their_links,
    revoking_a_token_kills_its_unused_links_and_ends_the_sessions_they_started,
    admins_list_tokens_and_pending_links_and_cancel_unused_links,
    an_admin_link_opens_the_admin_routes_and_the_audit_log_records_it,
    only_admins_of_the_organization_create_sign_in_links,
    sign_ins_started_by_other_sites_are_refused,
    links_and_sessions_expire_and_a_link_is_used_once_under_concurrency,
    over_plain_http_the_cookie_is_not_marked_secure,
);
