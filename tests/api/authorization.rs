//! The authorization matrix: every route, called by every role (none, member, admin of another
//! organization, admin, operator), answers as the rules say. Cross-organization access is 404.

use crate::common::{Backend, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, without a token.
    Public,
    /// Operators only; everyone else with a token gets 403.
    Operator,
    /// The organization's admins and operators; its members 403, other organizations 404.
    Admin,
    /// Anyone in the organization, and operators; other organizations 404.
    Within,
    /// Member tokens only (their own profile and cards); other tokens 403.
    Me,
    /// Any valid token, whatever its role.
    AnyToken,
    /// An organization's SCIM token only: every API token is 401 (checked with SCIM tokens
    /// apart, below).
    Scim,
}

const ROLES: [&str; 5] = ["none", "member", "other_admin", "admin", "operator"];

/// The expected status for each role; `ok` is what an allowed caller gets.
fn expected(access: Access, ok: &'static [u16]) -> [&'static [u16]; 5] {
    match access {
        Access::Public => [ok, ok, ok, ok, ok],
        Access::Operator => [&[401], &[403], &[403], &[403], ok],
        Access::Admin => [&[401], &[403], &[404], ok, ok],
        Access::Within => [&[401], ok, &[404], ok, ok],
        Access::Me => [&[401], ok, &[403], &[403], &[403]],
        Access::AnyToken => [&[401], ok, ok, ok, ok],
        Access::Scim => [&[401], &[401], &[401], &[401], &[401]],
    }
}

async fn every_route_answers_every_role_as_the_rules_say(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a, admin) = app.org_with_admin("A").await;
    let (b, other_admin) = app.org_with_admin("B").await;
    let (_, member) = app.member_with_token(&admin, a, "Ada", "E1").await;
    let (target, _) = app.member_with_token(&admin, a, "Tom", "E2").await;
    let spare = app
        .create_token(&admin, a, json!({"role": "admin"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.admin_signin_link(&admin, a).await.expect(201);
    let spare_link = app
        .get(&format!("/v1/orgs/{a}/signin-links"), Some(&admin))
        .await
        .expect(200)[0]["id"]
        .as_i64()
        .unwrap();
    let tokens = [
        None,
        Some(member.as_str()),
        Some(other_admin.as_str()),
        Some(admin.as_str()),
        Some(app.operator.as_str()),
    ];

    type Body = fn(&str) -> Option<Value>;
    let none: Body = |_| None;
    let routes: Vec<(Method, String, Body, Access, &'static [u16])> = vec![
        (Method::GET, "/healthz".into(), none, Access::Public, &[200]),
        (Method::GET, "/metrics".into(), none, Access::Public, &[200]),
        (
            Method::GET,
            "/openapi.json".into(),
            none,
            Access::Public,
            &[200],
        ),
        (
            Method::GET,
            "/.well-known/namecard-keys.json".into(),
            none,
            Access::Public,
            &[200],
        ),
        (
            Method::GET,
            "/.well-known/namecard-revocations.json".into(),
            none,
            Access::Public,
            &[200],
        ),
        (
            Method::POST,
            "/v1/verify".into(),
            |_| Some(json!({"text": "x"})),
            Access::Public,
            &[200],
        ),
        (
            Method::POST,
            "/v1/orgs".into(),
            |r| Some(json!({"name": format!("Org of {r}")})),
            Access::Operator,
            &[201],
        ),
        (
            Method::GET,
            "/v1/orgs".into(),
            none,
            Access::Operator,
            &[200],
        ),
        (
            Method::GET,
            "/v1/audit".into(),
            none,
            Access::Operator,
            &[200],
        ),
        (
            Method::GET,
            "/v1/keys".into(),
            none,
            Access::Operator,
            &[200],
        ),
        (
            Method::POST,
            "/v1/keys/AAAAAAAAAAA/retire".into(),
            none,
            Access::Operator,
            &[404],
        ),
        (
            Method::DELETE,
            "/v1/keys/AAAAAAAAAAA".into(),
            none,
            Access::Operator,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}"),
            none,
            Access::Within,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/directory?q=a"),
            none,
            Access::Within,
            &[200],
        ),
        (
            Method::PATCH,
            format!("/v1/orgs/{a}"),
            |_| Some(json!({"policy": "open"})),
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/partners"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::PUT,
            format!("/v1/orgs/{a}/partners/{b}"),
            none,
            Access::Admin,
            &[204],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/partners/{b}"),
            none,
            Access::Admin,
            &[204, 404],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/tokens"),
            |_| Some(json!({"role": "admin"})),
            Access::Admin,
            &[201],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/tokens/{spare}"),
            none,
            Access::Admin,
            &[204, 404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/tokens"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/signin-links"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/signin-links/{spare_link}"),
            none,
            Access::Admin,
            &[204, 404],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/members"),
            |r| Some(json!({"display_name": r, "employee_id": format!("X-{r}")})),
            Access::Admin,
            &[201],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/members/import"),
            |r| Some(json!([{"display_name": r, "employee_id": format!("I-{r}")}])),
            Access::Admin,
            &[201],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/members/{target}"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::PATCH,
            format!("/v1/orgs/{a}/members/{target}"),
            |_| Some(json!({"title": "Lead"})),
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/members/{target}/card/png"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/cards/bulk"),
            |_| Some(json!({"member_ids": []})),
            Access::Admin,
            &[422],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/audit"),
            none,
            Access::Admin,
            &[200],
        ),
        (Method::GET, "/v1/me".into(), none, Access::Me, &[200]),
        (
            Method::PATCH,
            "/v1/me".into(),
            |_| Some(json!({"phone_discoverable": true})),
            Access::Me,
            &[200],
        ),
        (
            Method::POST,
            "/v1/me/card".into(),
            |_| Some(json!({})),
            Access::Me,
            &[201],
        ),
        (Method::GET, "/v1/me/card".into(), none, Access::Me, &[200]),
        (
            Method::GET,
            "/v1/me/card/svg".into(),
            none,
            Access::Me,
            &[200],
        ),
        (
            Method::POST,
            "/v1/me/cards".into(),
            |_| Some(json!({"channel": "expo"})),
            Access::Me,
            &[201],
        ),
        (Method::GET, "/v1/me/cards".into(), none, Access::Me, &[200]),
        (
            Method::DELETE,
            "/v1/me/cards/AAAAAAAAAAAAAAAA".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::POST,
            "/v1/scans".into(),
            |_| Some(json!({"text": "HTTPS://NC.EXAMPLE.COM/C/NOTACARD"})),
            Access::Me,
            &[422],
        ),
        (
            Method::POST,
            "/v1/scans/preview".into(),
            |_| Some(json!({"text": "not a card"})),
            Access::Me,
            &[422],
        ),
        (
            Method::POST,
            "/v1/contact-requests".into(),
            |_| Some(json!({"phone": "+4915100000000"})),
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            "/v1/contact-requests?direction=outgoing".into(),
            none,
            Access::Me,
            &[200],
        ),
        (
            Method::POST,
            "/v1/contact-requests/999999/accept".into(),
            |_| Some(json!({})),
            Access::Me,
            &[404],
        ),
        (
            Method::POST,
            "/v1/contact-requests/999999/reject".into(),
            |_| Some(json!({})),
            Access::Me,
            &[404],
        ),
        (
            Method::POST,
            "/v1/contact-requests/999999/cancel".into(),
            |_| Some(json!({})),
            Access::Me,
            &[404],
        ),
        (Method::GET, "/v1/contacts".into(), none, Access::Me, &[200]),
        (
            Method::DELETE,
            "/v1/contacts/999999".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::PATCH,
            "/v1/contacts/999999".into(),
            |_| Some(json!({"remark": "Boss"})),
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            "/v1/contacts/vcard".into(),
            none,
            Access::Me,
            &[200],
        ),
        (
            Method::GET,
            "/v1/contacts/999999/vcard".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-tags"),
            none,
            Access::Within,
            &[200],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/contact-tags"),
            |r| Some(json!({"group": "Industry", "name": format!("Tagged by {r}")})),
            Access::Admin,
            &[201],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/contact-tags/999999"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/external-contacts"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/external-contacts/csv"),
            none,
            Access::Admin,
            &[200],
        ),
        // SCIM tokens: the organization's admins create, list and revoke them.
        (
            Method::POST,
            format!("/v1/orgs/{a}/scim/tokens"),
            |r| Some(json!({"label": format!("IdP of {r}")})),
            Access::Admin,
            &[201],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/scim/tokens"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/scim/tokens/999999"),
            none,
            Access::Admin,
            &[404],
        ),
        // The mail outbox: the organization's admins read it; an unknown mail is 404 to them.
        (
            Method::GET,
            format!("/v1/orgs/{a}/mail"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/mail/999999/retry"),
            |_| Some(json!({})),
            Access::Admin,
            &[404],
        ),
        // Departments: unknown departments answer 404 (a missing parent 422) to whoever may ask.
        (
            Method::POST,
            format!("/v1/orgs/{a}/departments"),
            |_| Some(json!({"name": "Sales", "parent_id": 999_999})),
            Access::Admin,
            &[422],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/departments"),
            none,
            Access::Within,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/departments/999999"),
            none,
            Access::Within,
            &[404],
        ),
        (
            Method::PATCH,
            format!("/v1/orgs/{a}/departments/999999"),
            |_| Some(json!({"name": "Support"})),
            Access::Admin,
            &[404],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/departments/999999"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::PUT,
            format!("/v1/orgs/{a}/departments/999999/members/{target}"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/departments/999999/members/{target}"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/members/{target}/departments"),
            none,
            Access::Within,
            &[200],
        ),
        (
            Method::PUT,
            format!("/v1/orgs/{a}/members/{target}/departments"),
            |_| Some(json!({"department_ids": [999_999]})),
            Access::Admin,
            &[404],
        ),
        // Transfers: unknown members and transfers answer 404 to whoever may ask.
        (
            Method::POST,
            format!("/v1/orgs/{a}/transfers"),
            |_| Some(json!({"from": 999_999, "to": 999_998})),
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/transfers"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/transfers/999999"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/members/{target}/successor"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::PUT,
            format!("/v1/orgs/{a}/members/{target}/successor"),
            |_| Some(json!({"successor_id": 999_999})),
            Access::Admin,
            &[404],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/members/{target}/successor"),
            none,
            Access::Admin,
            &[204],
        ),
        // Contact ways: an unknown member or way answers 404 to whoever may ask.
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/contact-ways"),
            |_| Some(json!({"name": "Sales team", "members": [999_999]})),
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/999999"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::PATCH,
            format!("/v1/orgs/{a}/contact-ways/999999"),
            |_| Some(json!({"paused": true})),
            Access::Admin,
            &[404],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/contact-ways/999999"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/999999/qr.png"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/999999/qr.svg"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/999999/poster.png"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/999999/link"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/999999/stats"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/999999/stats/days?from=0&to=86400"),
            none,
            Access::Admin,
            &[404],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/contact-ways/stats?channel=fair-2026"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            "/v1/me/contact-ways/999999/poster.png".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            "/v1/me/contact-ways/999999/link".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            "/v1/me/contact-ways".into(),
            none,
            Access::Me,
            &[200],
        ),
        (
            Method::POST,
            "/v1/me/contact-ways".into(),
            |r| Some(json!({"name": format!("Made by {r}")})),
            Access::Me,
            &[201],
        ),
        (
            Method::GET,
            "/v1/me/contact-ways/999999".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::PATCH,
            "/v1/me/contact-ways/999999".into(),
            |_| Some(json!({"paused": true})),
            Access::Me,
            &[404],
        ),
        (
            Method::DELETE,
            "/v1/me/contact-ways/999999".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            "/v1/me/contact-ways/999999/qr.png".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            "/v1/me/contact-ways/999999/qr.svg".into(),
            none,
            Access::Me,
            &[404],
        ),
        (
            Method::GET,
            "/v1/me/transfers".into(),
            none,
            Access::Me,
            &[200],
        ),
        (
            Method::POST,
            "/v1/me/transfers/999999/refuse".into(),
            |_| Some(json!({})),
            Access::Me,
            &[404],
        ),
        (
            Method::PUT,
            format!("/v1/orgs/{a}/webhook"),
            |_| Some(json!({"url": "https://hooks.example.com/namecard"})),
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/webhook"),
            none,
            Access::Admin,
            &[200],
        ),
        // The admin removes it; the operator then finds nothing to remove.
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/webhook"),
            none,
            Access::Admin,
            &[204, 404],
        ),
        // Single sign-on: the admin sets the provider (no call reaches it until someone signs
        // in), then removes it; the operator then finds nothing to remove.
        (
            Method::PUT,
            format!("/v1/orgs/{a}/oidc"),
            |_| {
                Some(
                    json!({"issuer": "https://idp.example.com", "client_id": "nc", "client_secret": "s3cret"}),
                )
            },
            Access::Admin,
            &[200],
        ),
        (
            Method::GET,
            format!("/v1/orgs/{a}/oidc"),
            none,
            Access::Admin,
            &[200],
        ),
        (
            Method::DELETE,
            format!("/v1/orgs/{a}/oidc"),
            none,
            Access::Admin,
            &[204, 404],
        ),
        (
            Method::GET,
            "/v1/oidc/providers?domain=nobody.example".into(),
            none,
            Access::Public,
            &[404],
        ),
        // The browser routes of the flow answer people with an HTML page, whoever calls.
        (
            Method::GET,
            format!("/auth/oidc/{b}/start"),
            none,
            Access::Public,
            &[404],
        ),
        (
            Method::GET,
            "/auth/oidc/callback?state=unknown".into(),
            none,
            Access::Public,
            &[400],
        ),
        // Web sign-in: links come from the organization's admins; a session comes from a link's
        // secret and lives in a cookie, which no caller here has.
        (
            Method::POST,
            format!("/v1/orgs/{a}/signin-links"),
            |_| Some(json!({})),
            Access::Admin,
            &[201],
        ),
        (
            Method::POST,
            format!("/v1/orgs/{a}/members/{target}/signin-links"),
            |_| Some(json!({})),
            Access::Admin,
            &[201],
        ),
        (
            Method::POST,
            "/v1/sessions".into(),
            |_| Some(json!({"secret": "nc_not-a-link"})),
            Access::Public,
            &[404],
        ),
        (
            Method::GET,
            "/v1/session".into(),
            none,
            Access::Public,
            &[401],
        ),
        (
            Method::DELETE,
            "/v1/session".into(),
            none,
            Access::AnyToken,
            &[204],
        ),
        // Last: deactivation and rotation change what later rows would see.
        (
            Method::POST,
            format!("/v1/orgs/{a}/members/{target}/deactivate"),
            |_| Some(json!({})),
            Access::Admin,
            &[200],
        ),
        (
            Method::POST,
            "/v1/keys/rotate".into(),
            |_| Some(json!({})),
            Access::Operator,
            &[201],
        ),
    ];

    // SCIM: an organization's SCIM token reaches its own users and groups; another's gets 404
    // for them (and its own, empty, collections).
    let user = |r: &str| {
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("scim-{}", r.replace('_', "-")), "displayName": "Tom"}),
        )
    };
    let scim_patch: Body = |_| {
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]}),
        )
    };
    let search: Body = |_| {
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 1}),
        )
    };
    let group: Body = |r| {
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": format!("Group of {r}")}),
        )
    };
    let scim_routes: Vec<(Method, String, Body, Access, &'static [u16])> = vec![
        (
            Method::GET,
            "/scim/v2/Users".into(),
            none,
            Access::Scim,
            &[200],
        ),
        (
            Method::POST,
            "/scim/v2/Users".into(),
            user,
            Access::Scim,
            &[201],
        ),
        (
            Method::GET,
            format!("/scim/v2/Users/{target}"),
            none,
            Access::Scim,
            &[200],
        ),
        (
            Method::PUT,
            format!("/scim/v2/Users/{target}"),
            |_| {
                Some(
                    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "E2", "displayName": "Tom"}),
                )
            },
            Access::Scim,
            &[200],
        ),
        (
            Method::PATCH,
            format!("/scim/v2/Users/{target}"),
            scim_patch,
            Access::Scim,
            &[200],
        ),
        (
            Method::DELETE,
            "/scim/v2/Users/999999".into(),
            none,
            Access::Scim,
            &[404],
        ),
        (
            Method::POST,
            "/scim/v2/Users/.search".into(),
            search,
            Access::Scim,
            &[200],
        ),
        (
            Method::GET,
            "/scim/v2/Groups".into(),
            none,
            Access::Scim,
            &[200],
        ),
        (
            Method::POST,
            "/scim/v2/Groups".into(),
            group,
            Access::Scim,
            &[201],
        ),
        (
            Method::GET,
            "/scim/v2/Groups/999999".into(),
            none,
            Access::Scim,
            &[404],
        ),
        (
            Method::GET,
            "/scim/v2/ServiceProviderConfig".into(),
            none,
            Access::Scim,
            &[200],
        ),
        (
            Method::GET,
            "/scim/v2/ResourceTypes".into(),
            none,
            Access::Scim,
            &[200],
        ),
        (
            Method::GET,
            "/scim/v2/Schemas".into(),
            none,
            Access::Scim,
            &[200],
        ),
    ];
    let scim_token = |org: i64, admin: String| {
        let app = &app;
        async move {
            app.post(
                &format!("/v1/orgs/{org}/scim/tokens"),
                Some(&admin),
                json!({"label": "IdP"}),
            )
            .await
            .expect(201)["secret"]
                .as_str()
                .expect("secret")
                .to_owned()
        }
    };
    let scim_a = scim_token(a, admin.clone()).await;
    let scim_b = scim_token(b, other_admin.clone()).await;
    let mut scim_failures = Vec::new();
    for (method, path, body, _, ok) in &scim_routes {
        for (who, token) in [("scim_a", &scim_a), ("scim_b", &scim_b)] {
            let answer = app.send(method.clone(), path, Some(token), body(who)).await;
            // Organization A's ids are 404 to B's token, like an unknown id.
            let names_a_thing = path
                .rsplit('/')
                .next()
                .is_some_and(|id| id == target.to_string());
            let want: &[u16] = if who == "scim_b" && names_a_thing {
                &[404]
            } else {
                ok
            };
            if !want.contains(&answer.status.as_u16()) {
                scim_failures.push(format!(
                    "{method} {path} as {who}: got {}, want {want:?}",
                    answer.status
                ));
            }
        }
    }
    assert!(
        scim_failures.is_empty(),
        "SCIM mismatches:\n{}",
        scim_failures.join("\n")
    );
    let mut routes = routes;
    routes.extend(scim_routes);

    // Every route in the OpenAPI document has a row here, so a new route cannot skip the matrix.
    let doc = app.get("/openapi.json", None).await.expect(200);
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let covered = routes.iter().any(|(m, path, ..)| {
                m.as_str().eq_ignore_ascii_case(method) && fills(template, path)
            });
            assert!(covered, "{method} {template} has no row in the matrix");
        }
    }

    let mut failures = Vec::new();
    for (method, path, body, access, ok) in &routes {
        for (i, token) in tokens.iter().enumerate() {
            let answer = app.send(method.clone(), path, *token, body(ROLES[i])).await;
            let want = expected(*access, ok)[i];
            if !want.contains(&answer.status.as_u16()) {
                failures.push(format!(
                    "{method} {path} as {}: got {}, want {want:?}",
                    ROLES[i], answer.status
                ));
            }
            if !answer.status.is_success()
                && answer.status != 304
                && !path.starts_with("/auth/")
                && !path.starts_with("/scim/")
            {
                assert_eq!(
                    answer.content_type, "application/problem+json",
                    "{method} {path} as {}",
                    ROLES[i]
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix mismatches:\n{}",
        failures.join("\n")
    );
}

/// Whether `path` (its query aside) is `template` with each `{parameter}` filled in.
fn fills(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

on_both_databases!(every_route_answers_every_role_as_the_rules_say);
