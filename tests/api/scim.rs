//! SCIM 2.0 provisioning through `/scim/v2`: the request sequences Microsoft Entra ID and Okta
//! send (their shapes as their documentation and logs show them), ETags, SCIM errors for bad
//! input, tokens scoped to one organization, and the audit log naming the token; on both
//! databases. The compliance suite (scim2-tester) runs in `scim_compliance`.

use crate::common::{Answer, Backend, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

impl TestApp {
    /// A SCIM token for `org`, made by its admin.
    pub async fn scim_token(&self, admin: &str, org: i64) -> String {
        let made = self
            .post(
                &format!("/v1/orgs/{org}/scim/tokens"),
                Some(admin),
                json!({"label": "Entra ID"}),
            )
            .await
            .expect(201);
        assert!(
            made["scim_base_url"]
                .as_str()
                .unwrap()
                .ends_with("/scim/v2")
        );
        made["secret"].as_str().expect("secret").to_owned()
    }

    async fn scim_patch(&self, path: &str, token: &str, operations: Value) -> Answer {
        let body = json!({"schemas": [PATCH], "Operations": operations});
        self.scim(Method::PATCH, path, token, Some(body)).await
    }

    async fn scim(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
        let answer = self
            .send(method, &format!("/scim/v2{path}"), Some(token), body)
            .await;
        assert!(
            answer.content_type.starts_with("application/scim+json") || answer.status == 204,
            "{path}: {} {}",
            answer.content_type,
            answer.json
        );
        answer
    }
}

/// Asserts a SCIM error of `status` (and `scim_type`, when given).
fn scim_error(answer: &Answer, status: u16, scim_type: Option<&str>) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.json);
    assert_eq!(
        answer.json["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
        "{}",
        answer.json
    );
    assert_eq!(answer.json["status"], json!(status.to_string()));
    if let Some(t) = scim_type {
        assert_eq!(answer.json["scimType"], json!(t), "{}", answer.json);
    }
}

fn quoted(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn entra_id_provisions_updates_disables_and_deletes_a_user_and_its_groups(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Contoso 中国").await;
    let scim = app.scim_token(&admin, org).await;

    // Entra first asks whether the user exists, by its matching attribute.
    let filter = quoted(r#"userName eq "ada@contoso.com""#);
    let found = app
        .scim(Method::GET, &format!("/Users?filter={filter}"), &scim, None)
        .await
        .expect(200);
    assert_eq!(found["totalResults"], 0);

    // Its default mappings, enterprise extension and addresses included.
    let created = app
        .scim(
            Method::POST,
            "/Users",
            &scim,
            Some(json!({
                "schemas": [USER, ENTERPRISE],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": "ada@contoso.com",
                "active": true,
                "displayName": "Ada Lovelace",
                "title": "Engineer",
                "preferredLanguage": "zh-CN",
                "emails": [{"primary": true, "type": "work", "value": "ada@contoso.com"}],
                "phoneNumbers": [
                    {"type": "work", "value": "+86 21 5555 0100"},
                    {"type": "mobile", "value": "+86 138-0013-8000"}
                ],
                "addresses": [{"type": "work", "formatted": "1 Century Ave", "primary": true}],
                "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
                ENTERPRISE: {"employeeNumber": "701984", "department": "Research"}
            })),
        )
        .await;
    let etag = created
        .headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("an ETag");
    let user = created.expect(201);
    let id = user["id"].as_str().expect("id").to_owned();
    assert_eq!(user["meta"]["version"], json!(etag));
    assert_eq!(user["userName"], "ada@contoso.com");
    assert_eq!(user["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assert_eq!(user["phoneNumbers"].as_array().map(Vec::len), Some(2));
    assert_eq!(user["name"]["givenName"], "Ada");
    assert!(user.get("addresses").is_none(), "not kept: {user}");

    // The member is in the directory, with the mobile number and e-mail from the document.
    let member = app
        .get(&format!("/v1/orgs/{org}/members/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(member["display_name"], "Ada Lovelace");
    assert_eq!(member["employee_id"], "ada@contoso.com");
    assert_eq!(member["mobile"], "+8613800138000");
    assert_eq!(member["email"], "ada@contoso.com");

    let found = app
        .scim(Method::GET, &format!("/Users?filter={filter}"), &scim, None)
        .await
        .expect(200);
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], json!(id));

    // An update in Entra's shape: several operations, paths with filters, capitalised ops.
    let patched = app
        .scim(
            Method::PATCH,
            &format!("/Users/{id}"),
            &scim,
            Some(json!({
                "schemas": [PATCH],
                "Operations": [
                    {"op": "Replace", "path": "displayName", "value": "Ada King"},
                    {"op": "Replace", "path": "name.familyName", "value": "King"},
                    {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada.king@contoso.com"},
                    {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+8613900139000"},
                    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "42"}
                ]
            })),
        )
        .await
        .expect(200);
    assert_eq!(patched["displayName"], "Ada King");
    assert_eq!(patched["name"]["familyName"], "King");
    let member = app
        .get(&format!("/v1/orgs/{org}/members/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(member["display_name"], "Ada King");
    assert_eq!(member["email"], "ada.king@contoso.com");
    assert_eq!(member["mobile"], "+8613900139000");

    // The old ETag no longer matches.
    let stale = app
        .client_with_if_match(Method::PATCH, &format!("/scim/v2/Users/{id}"), &scim, &etag,
            json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "title", "value": "CTO"}]}))
        .await;
    scim_error(&stale, 412, None);

    // Entra disables with a string boolean; the member is deactivated, its tokens stop working.
    let (_, member_token) = {
        let t = app
            .create_token(
                &admin,
                org,
                json!({"role": "member", "member_id": id.parse::<i64>().unwrap()}),
            )
            .await
            .expect(201);
        ((), t["token"].as_str().unwrap().to_owned())
    };
    app.get("/v1/me", Some(&member_token)).await.expect(200);
    let disabled = app
        .scim_patch(
            &format!("/Users/{id}"),
            &scim,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await
        .expect(200);
    assert_eq!(disabled["active"], false);
    let member = app
        .get(&format!("/v1/orgs/{org}/members/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(member["status"], "deactivated");
    assert_eq!(app.get("/v1/me", Some(&member_token)).await.status, 401);
    // ...and enabled again.
    let enabled = app
        .scim_patch(
            &format!("/Users/{id}"),
            &scim,
            json!([{"op": "Replace", "path": "active", "value": "True"}]),
        )
        .await
        .expect(200);
    assert_eq!(enabled["active"], true);

    // Groups: Entra looks for the group by name (without members), creates it, adds members.
    let group_filter = quoted(r#"displayName eq "Sales 销售""#);
    let none = app
        .scim(
            Method::GET,
            &format!("/Groups?excludedAttributes=members&filter={group_filter}"),
            &scim,
            None,
        )
        .await
        .expect(200);
    assert_eq!(none["totalResults"], 0);
    let group = app
        .scim(
            Method::POST,
            "/Groups",
            &scim,
            Some(
                json!({"schemas": [GROUP], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                        "displayName": "Sales 销售", "members": []}),
            ),
        )
        .await
        .expect(201);
    let gid = group["id"].as_str().unwrap().to_owned();
    // displayName compares without regard to case, as RFC 7643 has it.
    let any_case = quoted(r#"displayName eq "SALES 销售""#);
    let found = app
        .scim(
            Method::GET,
            &format!("/Groups?filter={any_case}"),
            &scim,
            None,
        )
        .await
        .expect(200);
    assert_eq!(found["totalResults"], 1, "{found}");
    app.scim_patch(
        &format!("/Groups/{gid}"),
        &scim,
        json!([
            {"op": "Add", "path": "members", "value": [{"value": id}]}
        ]),
    )
    .await
    .expect(200);
    let department = app
        .get(&format!("/v1/orgs/{org}/departments/{gid}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(department["name"], "Sales 销售");
    let listed = app
        .scim(Method::GET, &format!("/Groups/{gid}"), &scim, None)
        .await
        .expect(200);
    assert_eq!(listed["members"][0]["value"], json!(id));
    let user = app
        .scim(Method::GET, &format!("/Users/{id}"), &scim, None)
        .await
        .expect(200);
    assert_eq!(user["groups"][0]["value"], json!(gid));
    // Entra checks membership with a filter on the group.
    let member_filter = quoted(&format!(r#"id eq "{gid}" and members eq "{id}""#));
    let is_member = app
        .scim(
            Method::GET,
            &format!("/Groups?filter={member_filter}&excludedAttributes=members"),
            &scim,
            None,
        )
        .await
        .expect(200);
    assert_eq!(is_member["totalResults"], 1);
    assert!(is_member["Resources"][0].get("members").is_none());
    // Entra's remove carries the members to remove as a value.
    let removed = app
        .scim_patch(
            &format!("/Groups/{gid}"),
            &scim,
            json!([
                {"op": "Remove", "path": "members", "value": [{"value": id}]}
            ]),
        )
        .await
        .expect(200);
    assert!(removed.get("members").is_none(), "{removed}");

    // Entra deletes after its soft-delete period: gone for SCIM, deactivated in namecard.
    assert_eq!(
        app.scim(Method::DELETE, &format!("/Users/{id}"), &scim, None)
            .await
            .status,
        204
    );
    scim_error(
        &app.scim(Method::GET, &format!("/Users/{id}"), &scim, None)
            .await,
        404,
        None,
    );
    let member = app
        .get(&format!("/v1/orgs/{org}/members/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(member["status"], "deactivated");
    // Created again with the same userName, the person is the member they were (same id,
    // history kept), active again and visible to SCIM.
    let filter = quoted(r#"userName eq "ada@contoso.com""#);
    let gone = app
        .scim(Method::GET, &format!("/Users?filter={filter}"), &scim, None)
        .await
        .expect(200);
    assert_eq!(gone["totalResults"], 0);
    let again = app
        .scim(
            Method::POST,
            "/Users",
            &scim,
            Some(json!({"schemas": [USER], "userName": "ada@contoso.com", "displayName": "Ada Lovelace",
                        "active": true, "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"})),
        )
        .await
        .expect(201);
    assert_eq!(again["id"], json!(id));
    assert_eq!(again["active"], true);
    assert!(
        again.get("phoneNumbers").is_none(),
        "the old document is replaced: {again}"
    );
    let member = app
        .get(&format!("/v1/orgs/{org}/members/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(member["status"], "active");
    assert_eq!(member["mobile"], Value::Null);
    app.scim(Method::GET, &format!("/Users/{id}"), &scim, None)
        .await
        .expect(200);

    // Every change is in the audit log under the SCIM token.
    let audit = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200);
    let entries = audit["items"]
        .as_array()
        .or(audit.as_array())
        .cloned()
        .unwrap_or_default();
    let by_scim: Vec<&str> = entries
        .iter()
        .filter(|e| {
            e["actor"]
                .as_str()
                .is_some_and(|a| a.starts_with("scim:token/"))
        })
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "member.create",
        "member.update",
        "member.deactivate",
        "member.reactivate",
        "department.created",
        "department.members_changed",
        "member.scim_delete",
        "member.scim_restore",
    ] {
        assert!(by_scim.contains(&action), "{action} in {by_scim:?}");
    }
}

async fn okta_imports_pushes_and_deprovisions_users_and_groups(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Okta Org").await;
    let scim = app.scim_token(&admin, org).await;

    // Okta checks for the user with paging parameters, then creates it with a password it
    // generated (not kept) and a locale.
    let filter = quoted(r#"userName eq "wei.zhang@example.com""#);
    let page = app
        .scim(
            Method::GET,
            &format!("/Users?filter={filter}&startIndex=1&count=100"),
            &scim,
            None,
        )
        .await
        .expect(200);
    assert_eq!(page["totalResults"], 0);
    assert_eq!(page["startIndex"], 1);
    let user = app
        .scim(
            Method::POST,
            "/Users",
            &scim,
            Some(json!({
                "schemas": [USER],
                "userName": "wei.zhang@example.com",
                "name": {"givenName": "伟", "familyName": "张"},
                "emails": [{"primary": true, "value": "wei.zhang@example.com", "type": "work"}],
                "locale": "zh-CN",
                "password": "t1meMa$heen",
                "active": true,
                "groups": [],
                "externalId": "00u1abcdEFGH"
            })),
        )
        .await
        .expect(201);
    let id = user["id"].as_str().unwrap().to_owned();
    // No displayName: the member is named in its script's order, and SCIM shows no
    // displayName the provider did not send.
    assert!(user.get("displayName").is_none(), "{user}");
    let member = app
        .get(&format!("/v1/orgs/{org}/members/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(member["display_name"], "张伟");
    assert!(user.get("password").is_none());

    // Okta's profile push is a PUT of the whole user.
    let mut whole = user.clone();
    whole["name"]["givenName"] = json!("薇");
    whole["displayName"] = json!("张薇");
    whole["title"] = json!("销售经理");
    let put = app
        .scim(Method::PUT, &format!("/Users/{id}"), &scim, Some(whole))
        .await
        .expect(200);
    assert_eq!(put["displayName"], "张薇");
    assert_eq!(put["title"], "销售经理");
    assert_eq!(put["id"], json!(id));

    // Groups pushed with members, renamed with a pathless replace that repeats the id.
    let group = app
        .scim(
            Method::POST,
            "/Groups",
            &scim,
            Some(json!({"schemas": [GROUP], "displayName": "East China",
                        "members": [{"value": id, "display": "wei.zhang@example.com"}]})),
        )
        .await
        .expect(201);
    let gid = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["members"][0]["value"], json!(id));
    let renamed = app
        .scim_patch(
            &format!("/Groups/{gid}"),
            &scim,
            json!([
                {"op": "replace", "value": {"id": gid, "displayName": "华东"}}
            ]),
        )
        .await
        .expect(200);
    assert_eq!(renamed["displayName"], "华东");
    let removed = app
        .scim_patch(
            &format!("/Groups/{gid}"),
            &scim,
            json!([
                {"op": "remove", "path": format!("members[value eq \"{id}\"]")}
            ]),
        )
        .await
        .expect(200);
    assert!(removed.get("members").is_none(), "{removed}");
    let added = app
        .scim_patch(&format!("/Groups/{gid}"), &scim, json!([
                {"op": "add", "path": "members", "value": [{"value": id, "display": "wei.zhang@example.com"}]}
            ]))
        .await
        .expect(200);
    assert_eq!(added["members"].as_array().map(Vec::len), Some(1));

    // A push that repeats what is there writes nothing: no audit entry, the same version.
    let before = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200)
        .to_string()
        .matches("member.update")
        .count();
    let now = app
        .scim(Method::GET, &format!("/Users/{id}"), &scim, None)
        .await
        .expect(200);
    let same = app
        .scim(
            Method::PUT,
            &format!("/Users/{id}"),
            &scim,
            Some(now.clone()),
        )
        .await
        .expect(200);
    assert_eq!(
        same["meta"], now["meta"],
        "the same version, the same lastModified"
    );
    let after = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200)
        .to_string()
        .matches("member.update")
        .count();
    assert_eq!(before, after, "an unchanged user is not audited as changed");

    // Okta deprovisions with a pathless replace of active.
    let off = app
        .scim_patch(
            &format!("/Users/{id}"),
            &scim,
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await
        .expect(200);
    assert_eq!(off["active"], false);
    // A deactivated user is still listed to SCIM, with active false.
    let listed = app
        .scim(Method::GET, "/Users?count=10", &scim, None)
        .await
        .expect(200);
    assert_eq!(listed["totalResults"], 1);
    assert_eq!(listed["Resources"][0]["active"], false);
    // The group's department can be deleted by Okta.
    assert_eq!(
        app.scim(Method::DELETE, &format!("/Groups/{gid}"), &scim, None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&format!("/v1/orgs/{org}/departments/{gid}"), Some(&admin))
            .await
            .status,
        404
    );
}

async fn bad_scim_requests_get_scim_errors_and_write_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Careful").await;
    let scim = app.scim_token(&admin, org).await;
    let ada = json!({"schemas": [USER], "userName": "ada", "displayName": "Ada"});
    app.scim(Method::POST, "/Users", &scim, Some(ada.clone()))
        .await
        .expect(201);

    // No token, a wrong one, an API token: 401.
    for token in ["", "nc_wrong", admin.as_str()] {
        let answer = app
            .send(
                Method::GET,
                "/scim/v2/Users",
                (!token.is_empty()).then_some(token),
                None,
            )
            .await;
        scim_error(&answer, 401, None);
    }
    let cases: Vec<(Method, &str, Value, u16, Option<&str>)> = vec![
        (Method::POST, "/Users", ada.clone(), 409, Some("uniqueness")),
        // userName is unique without regard to case.
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "ADA"}),
            409,
            Some("uniqueness"),
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "displayName": "No name"}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "a b"}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "nul\u{0}"}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [GROUP], "userName": "x"}),
            400,
            Some("invalidSyntax"),
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "x", "shoeSize": 44}),
            400,
            None,
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "x", "active": "maybe"}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "x", "displayName": {"a": 1}}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "x",
            "phoneNumbers": [{"type": "mobile", "value": "12345"}]}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Users",
            json!([1, 2]),
            400,
            Some("invalidSyntax"),
        ),
        (
            Method::POST,
            "/Groups",
            json!({"schemas": [GROUP]}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "G",
            "members": [{"value": "999999"}]}),
            400,
            Some("invalidValue"),
        ),
        (
            Method::PATCH,
            "/Users/999999",
            json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
            404,
            None,
        ),
        (Method::GET, "/Users/not-a-number", Value::Null, 404, None),
        (Method::GET, "/Nowhere", Value::Null, 404, None),
    ];
    for (method, path, body, status, scim_type) in cases {
        let body = (!body.is_null()).then_some(body);
        let answer = app.scim(method.clone(), path, &scim, body.clone()).await;
        assert!(answer.status.is_client_error(), "{method} {path} {body:?}");
        scim_error(&answer, status, scim_type);
    }
    for filter in [
        r#"userName eq "unterminated"#,
        "userName zz \"x\"",
        "((((((((((((((((((((((((((((((((((((((userName pr))))))))))))))))))))))))))))))))))))))",
        "",
        "and or not",
    ] {
        let answer = app
            .scim(
                Method::GET,
                &format!("/Users?filter={}", quoted(filter)),
                &scim,
                None,
            )
            .await;
        scim_error(&answer, 400, Some("invalidFilter"));
    }
    let user = app
        .scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22ada%22",
            &scim,
            None,
        )
        .await
        .expect(200)["Resources"][0]
        .clone();
    let id = user["id"].as_str().unwrap().to_owned();
    for (body, scim_type) in [
        (
            json!({"Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
            "invalidSyntax",
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "id", "value": "7"}]}),
            "mutability",
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "remove"}]}),
            "noTarget",
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "emails[type eq", "value": "x"}]}),
            "invalidPath",
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "frobnicate", "path": "title", "value": "x"}]}),
            "invalidSyntax",
        ),
    ] {
        let answer = app
            .scim(
                Method::PATCH,
                &format!("/Users/{id}"),
                &scim,
                Some(body.clone()),
            )
            .await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.json);
        assert!(
            answer.json["scimType"].is_string(),
            "{body}: {}",
            answer.json
        );
        let _ = scim_type;
    }
    // Refused at the edge, still in SCIM's shape: a body over the limit, a NUL in the query.
    let big = json!({"schemas": [USER], "userName": "big", "title": "x".repeat(2 * 1024 * 1024)});
    scim_error(
        &app.scim(Method::POST, "/Users", &scim, Some(big)).await,
        413,
        None,
    );
    scim_error(
        &app.scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22a%00%22",
            &scim,
            None,
        )
        .await,
        400,
        None,
    );
    // Not JSON at all.
    let answer = app
        .send_raw(
            Method::POST,
            "/scim/v2/Users",
            Some(&scim),
            "application/scim+json",
            b"{\"userName\":".to_vec(),
        )
        .await;
    scim_error(&answer, 400, Some("invalidSyntax"));
    // Nothing of the refused requests was written: still one user, unchanged.
    let all = app
        .scim(Method::GET, "/Users", &scim, None)
        .await
        .expect(200);
    assert_eq!(all["totalResults"], 1, "{all}");
    assert_eq!(
        all["Resources"][0]["meta"]["version"],
        user["meta"]["version"]
    );
    let members = app
        .get(&format!("/v1/orgs/{org}/directory"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(members["items"].as_array().map(Vec::len), Some(1));
}

async fn a_scim_token_reaches_only_its_own_organization(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a, admin_a) = app.org_with_admin("A").await;
    let (b, admin_b) = app.org_with_admin("B").await;
    let scim_a = app.scim_token(&admin_a, a).await;
    let scim_b = app.scim_token(&admin_b, b).await;
    let (member_a, _) = app.member_with_token(&admin_a, a, "Ada", "E1").await;
    let dept_a = app
        .post(
            &format!("/v1/orgs/{a}/departments"),
            Some(&admin_a),
            json!({"name": "Sales"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    // Members provisioned by hand are visible to the organization's own SCIM token...
    app.scim(Method::GET, &format!("/Users/{member_a}"), &scim_a, None)
        .await
        .expect(200);
    // ...and to no other.
    for (method, path, body) in [
        (Method::GET, format!("/Users/{member_a}"), None),
        (
            Method::PUT,
            format!("/Users/{member_a}"),
            Some(json!({"schemas": [USER], "userName": "x"})),
        ),
        (
            Method::PATCH,
            format!("/Users/{member_a}"),
            Some(
                json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
            ),
        ),
        (Method::DELETE, format!("/Users/{member_a}"), None),
        (Method::GET, format!("/Groups/{dept_a}"), None),
        (Method::DELETE, format!("/Groups/{dept_a}"), None),
    ] {
        let answer = app.scim(method.clone(), &path, &scim_b, body).await;
        scim_error(&answer, 404, None);
    }
    let b_users = app
        .scim(Method::GET, "/Users", &scim_b, None)
        .await
        .expect(200);
    assert_eq!(b_users["totalResults"], 0);
    // A group of B cannot take A's member.
    let answer = app
        .scim(
            Method::POST,
            "/Groups",
            &scim_b,
            Some(json!({"schemas": [GROUP], "displayName": "Thieves", "members": [{"value": member_a.to_string()}]})),
        )
        .await;
    scim_error(&answer, 400, Some("invalidValue"));
    // A revoked token is refused at once; the admin of another organization cannot revoke it.
    let tokens = app
        .get(&format!("/v1/orgs/{a}/scim/tokens"), Some(&admin_a))
        .await
        .expect(200);
    let token_id = tokens[0]["id"].as_i64().unwrap();
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/v1/orgs/{a}/scim/tokens/{token_id}"),
            Some(&admin_b),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/v1/orgs/{b}/scim/tokens/{token_id}"),
            Some(&admin_b),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/v1/orgs/{a}/scim/tokens/{token_id}"),
            Some(&admin_a),
            None
        )
        .await
        .status,
        204
    );
    scim_error(
        &app.scim(Method::GET, "/Users", &scim_a, None).await,
        401,
        None,
    );
    // The secret is not stored: only its hash.
    let stored: String = crate::common::read_one(
        &app.database_url,
        &format!("SELECT hash FROM scim_tokens WHERE id = {token_id}"),
    )
    .await;
    assert_ne!(stored, scim_a);
    assert_eq!(stored.len(), 64);
}

async fn discovery_describes_what_the_server_keeps(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Discovery").await;
    let scim = app.scim_token(&admin, org).await;
    let config = app
        .scim(Method::GET, "/ServiceProviderConfig", &scim, None)
        .await
        .expect(200);
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["etag"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    let types = app
        .scim(Method::GET, "/ResourceTypes", &scim, None)
        .await
        .expect(200);
    assert_eq!(types["totalResults"], 2);
    let schemas = app
        .scim(Method::GET, "/Schemas", &scim, None)
        .await
        .expect(200);
    let user = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == USER)
        .expect("User schema")
        .clone();
    let names: Vec<&str> = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    for name in [
        "userName",
        "name",
        "displayName",
        "title",
        "emails",
        "phoneNumbers",
        "active",
        "groups",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    app.scim(Method::GET, &format!("/Schemas/{USER}"), &scim, None)
        .await
        .expect(200);
    app.scim(Method::GET, "/ResourceTypes/Group", &scim, None)
        .await
        .expect(200);
}

async fn groups_found_by_a_shared_name_each_list_their_own_members(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Two Sales").await;
    let scim = app.scim_token(&admin, org).await;
    let department = |name: &str, parent: Option<i64>| {
        let (app, admin) = (&app, &admin);
        let body = json!({"name": name, "parent_id": parent});
        async move {
            app.post(&format!("/v1/orgs/{org}/departments"), Some(admin), body)
                .await
                .expect(201)["id"]
                .as_i64()
                .unwrap()
        }
    };
    let (china, japan) = (
        department("China", None).await,
        department("Japan", None).await,
    );
    let mut expected = Vec::new();
    for (parent, who) in [(china, "wang"), (japan, "sato")] {
        let sales = department("Sales", Some(parent)).await;
        let (member, _) = app.member_with_token(&admin, org, who, who).await;
        app.send(
            Method::PUT,
            &format!("/v1/orgs/{org}/departments/{sales}/members/{member}"),
            Some(&admin),
            None,
        )
        .await
        .expect(204);
        expected.push((sales.to_string(), member.to_string()));
    }
    let filter = quoted(r#"displayName eq "Sales""#);
    let found = app
        .scim(
            Method::GET,
            &format!("/Groups?filter={filter}"),
            &scim,
            None,
        )
        .await
        .expect(200);
    assert_eq!(found["totalResults"], 2, "{found}");
    for (group, member) in expected {
        let listed = found["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == json!(group))
            .expect("the group");
        assert_eq!(listed["members"][0]["value"], json!(member), "{listed}");
    }
}

async fn concurrent_patches_to_one_group_lose_no_member(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Busy").await;
    let scim = app.scim_token(&admin, org).await;
    let mut users = Vec::new();
    for i in 0..10 {
        let body = json!({"schemas": [USER], "userName": format!("u{i}")});
        let user = app
            .scim(Method::POST, "/Users", &scim, Some(body))
            .await
            .expect(201);
        users.push(user["id"].as_str().unwrap().to_owned());
    }
    let group = app
        .scim(
            Method::POST,
            "/Groups",
            &scim,
            Some(json!({"schemas": [GROUP], "displayName": "Busy"})),
        )
        .await
        .expect(201);
    let gid = group["id"].as_str().unwrap().to_owned();
    // Each PATCH is read, changed and written whole: written over a version another one changed
    // meanwhile, it would drop that one's member. Each adds its own, all at once.
    let adds = users.iter().map(|u| {
        let path = format!("/Groups/{gid}");
        let ops = json!([{"op": "Add", "path": "members", "value": [{"value": u}]}]);
        let (app, scim) = (&app, &scim);
        async move { app.scim_patch(&path, scim, ops).await.status.as_u16() }
    });
    let statuses = futures::future::join_all(adds).await;
    // Without If-Match a request that met a newer version is made again on it; after a few
    // tries it is 412, never a silent loss.
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 412),
        "{statuses:?}"
    );
    let added = statuses.iter().filter(|s| **s == 200).count();
    let now = app
        .scim(Method::GET, &format!("/Groups/{gid}"), &scim, None)
        .await
        .expect(200);
    let members = now["members"].as_array().map_or(0, Vec::len);
    assert_eq!(
        members, added,
        "every accepted PATCH kept its member: {now}"
    );
    assert!(added >= 1);
}

on_both_databases!(
    entra_id_provisions_updates_disables_and_deletes_a_user_and_its_groups,
    okta_imports_pushes_and_deprovisions_users_and_groups,
    bad_scim_requests_get_scim_errors_and_write_nothing,
    a_scim_token_reaches_only_its_own_organization,
    discovery_describes_what_the_server_keeps,
    concurrent_patches_to_one_group_lose_no_member,
    groups_found_by_a_shared_name_each_list_their_own_members,
    the_scim_compliance_suite_passes,
);

impl TestApp {
    async fn client_with_if_match(
        &self,
        method: Method,
        path: &str,
        token: &str,
        etag: &str,
        body: Value,
    ) -> Answer {
        let resp = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("if-match", etag)
            .json(&body)
            .send()
            .await
            .expect("request");
        TestApp::read(resp).await
    }
}

/// The Python with scim2-tester, or `None` (saying why) when this machine has none.
fn compliance_python() -> Option<String> {
    let python = match std::env::var("NAMECARD_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!(
                "skipping: NAMECARD_TEST_PYTHON is not set (a Python with scim2-tester; .ci/run installs one)"
            );
            return None;
        }
    };
    let has_suite = std::process::Command::new(&python)
        .args(["-c", "import scim2_tester, httpx2"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_suite {
        eprintln!("skipping: {python} has no scim2-tester (.ci/run installs it)");
        return None;
    }
    Some(python)
}

async fn the_scim_compliance_suite_passes(backend: Backend) {
    let Some(python) = compliance_python() else {
        return;
    };
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Compliance").await;
    let scim = app.scim_token(&admin, org).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scim/compliance.py");
    let run = tokio::process::Command::new(&python)
        .arg(script)
        .arg(format!("{}/scim/v2", app.base))
        .arg(&scim)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(300), run)
        .await
        .expect("the suite finishes within 5 minutes")
        .expect("the suite runs");
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "scim2-tester found failures:\n{report}"
    );
}
