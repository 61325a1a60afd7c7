//! Departments: an organization's tree, who is in each department, the directory browsed and
//! searched within a department and everything under it, the audit log, the tree's rules
//! (cycles, depth, sibling names, deleting a parent), races, and other organizations' ids; on
//! both databases.

use crate::common::{Answer, Backend, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

impl TestApp {
    async fn department(&self, token: &str, org: i64, body: Value) -> Answer {
        self.post(&format!("/v1/orgs/{org}/departments"), Some(token), body)
            .await
    }

    pub(crate) async fn new_department(
        &self,
        token: &str,
        org: i64,
        name: &str,
        parent: Option<i64>,
    ) -> i64 {
        self.department(token, org, json!({ "name": name, "parent_id": parent }))
            .await
            .expect(201)["id"]
            .as_i64()
            .expect("department id")
    }

    async fn move_department(&self, token: &str, org: i64, id: i64, body: Value) -> Answer {
        self.send(
            Method::PATCH,
            &format!("/v1/orgs/{org}/departments/{id}"),
            Some(token),
            Some(body),
        )
        .await
    }

    pub(crate) async fn put_in(
        &self,
        token: &str,
        org: i64,
        department: i64,
        member: i64,
    ) -> Answer {
        self.send(
            Method::PUT,
            &format!("/v1/orgs/{org}/departments/{department}/members/{member}"),
            Some(token),
            None,
        )
        .await
    }

    /// The names the directory lists within a department (and `q`), in id order.
    async fn names_within(&self, token: &str, org: i64, department: i64, q: &str) -> Vec<String> {
        let path = format!(
            "/v1/orgs/{org}/directory?department={department}&q={}",
            urlencoding(q)
        );
        self.get(&path, Some(token)).await.expect(200)["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["display_name"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}

fn urlencoding(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn the_directory_is_browsed_and_searched_within_a_department_and_everything_under_it(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("深圳华星光电技术有限公司").await;
    let (wang, member) = app.member_with_token(&admin, org, "王伟", "E1").await;
    let (li, _) = app.member_with_token(&admin, org, "李娜", "E2").await;
    let (zhang, _) = app.member_with_token(&admin, org, "张伟", "E3").await;
    let sales = app.new_department(&admin, org, "销售部", None).await;
    let south = app.new_department(&admin, org, "华南区", Some(sales)).await;
    let rnd = app.new_department(&admin, org, "研发部", None).await;
    app.put_in(&admin, org, sales, wang).await.expect(204);
    app.put_in(&admin, org, south, li).await.expect(204);
    app.put_in(&admin, org, rnd, zhang).await.expect(204);
    // Li is in two departments under Sales: listed once.
    app.put_in(&admin, org, sales, li).await.expect(204);

    assert_eq!(
        app.names_within(&member, org, sales, "").await,
        ["王伟", "李娜"]
    );
    assert_eq!(app.names_within(&member, org, south, "").await, ["李娜"]);
    assert_eq!(app.names_within(&member, org, sales, "伟").await, ["王伟"]);
    assert_eq!(app.names_within(&member, org, rnd, "伟").await, ["张伟"]);

    // Every member reads the tree; only admins change it.
    let tree = app
        .get(&format!("/v1/orgs/{org}/departments"), Some(&member))
        .await
        .expect(200);
    let items = tree["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    let south_view = items.iter().find(|d| d["id"] == south).expect("south");
    assert_eq!(south_view["parent_id"], sales);
    assert_eq!(south_view["member_count"], 1);
    assert_eq!(
        app.department(&member, org, json!({ "name": "x" }))
            .await
            .status,
        403
    );
    let mine = app
        .get(
            &format!("/v1/orgs/{org}/members/{li}/departments"),
            Some(&member),
        )
        .await
        .expect(200);
    assert_eq!(mine["department_ids"], json!([sales, south]));
}

async fn a_member_is_put_in_exactly_the_departments_given_and_the_audit_log_says_who(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme Robotics").await;
    let (ada, _) = app.member_with_token(&admin, org, "Ada", "A1").await;
    let a = app.new_department(&admin, org, "Sales", None).await;
    let b = app.new_department(&admin, org, "Support", None).await;
    let path = format!("/v1/orgs/{org}/members/{ada}/departments");
    let set = |ids: Value| {
        app.send(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({ "department_ids": ids })),
        )
    };
    assert_eq!(
        set(json!([b, a])).await.expect(200)["department_ids"],
        json!([a, b])
    );
    assert_eq!(
        set(json!([b])).await.expect(200)["department_ids"],
        json!([b])
    );
    assert_eq!(
        set(json!([a, a])).await.status,
        422,
        "a repeated department"
    );
    assert_eq!(
        set(json!([b, 999_999])).await.status,
        404,
        "an unknown department"
    );
    // The refused sets wrote nothing.
    let now = app.get(&path, Some(&admin)).await.expect(200);
    assert_eq!(now["department_ids"], json!([b]));

    let audit = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200);
    let actions: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("department") || a.starts_with("member.departments"))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "department.created")
            .count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "member.departments_set")
            .count(),
        2
    );
}

async fn the_tree_refuses_cycles_depth_and_a_second_sibling_of_one_name(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme Robotics").await;
    let top = app.new_department(&admin, org, "China", None).await;
    let mid = app.new_department(&admin, org, "Sales", Some(top)).await;
    let low = app.new_department(&admin, org, "South", Some(mid)).await;

    let under_own_child = app
        .move_department(&admin, org, top, json!({ "parent_id": low }))
        .await;
    assert_eq!(under_own_child.status, 422);
    assert_eq!(under_own_child.problem_code(), "department_cycle");
    assert_eq!(
        app.move_department(&admin, org, mid, json!({ "parent_id": mid }))
            .await
            .problem_code(),
        "department_cycle"
    );
    // "Sales" again beside "Sales" is refused; under another parent it is fine.
    let twin = app
        .department(&admin, org, json!({ "name": "Sales", "parent_id": top }))
        .await;
    assert_eq!(
        (twin.status.as_u16(), twin.problem_code()),
        (409, "duplicate_department")
    );
    let japan = app.new_department(&admin, org, "Japan", None).await;
    app.new_department(&admin, org, "Sales", Some(japan)).await;
    let top_twin = app
        .department(&admin, org, json!({ "name": "China" }))
        .await;
    assert_eq!(
        top_twin.problem_code(),
        "duplicate_department",
        "top-level names too"
    );

    // A chain as deep as allowed takes no more.
    let mut parent = low;
    for depth in 4..=15 {
        parent = app
            .new_department(&admin, org, &format!("L{depth}"), Some(parent))
            .await;
    }
    let too_deep = app
        .department(&admin, org, json!({ "name": "L16", "parent_id": parent }))
        .await;
    assert_eq!(
        (too_deep.status.as_u16(), too_deep.problem_code()),
        (422, "department_too_deep")
    );
    // Moving a two-level branch under the deepest but one would overflow it too.
    let branch = app.new_department(&admin, org, "Branch", None).await;
    app.new_department(&admin, org, "Leaf", Some(branch)).await;
    assert_eq!(
        app.move_department(&admin, org, branch, json!({ "parent_id": parent }))
            .await
            .problem_code(),
        "department_too_deep"
    );

    // Deleting a parent is refused; its leaf goes, and the members stay in the organization.
    let (ada, _) = app.member_with_token(&admin, org, "Ada", "A1").await;
    app.put_in(&admin, org, low, ada).await.expect(204);
    let delete = |id: i64| {
        let path = format!("/v1/orgs/{org}/departments/{id}");
        let (app, admin) = (&app, &admin);
        async move { app.send(Method::DELETE, &path, Some(admin), None).await }
    };
    let parent_delete = delete(mid).await;
    assert_eq!(
        (parent_delete.status.as_u16(), parent_delete.problem_code()),
        (409, "department_has_children")
    );
    app.move_department(
        &admin,
        org,
        low,
        json!({ "parent_id": null, "name": "South (all)" }),
    )
    .await
    .expect(200);
    // Low's former children moved with it, so Sales is now a leaf.
    delete(mid).await.expect(204);
    let ada_view = app
        .get(&format!("/v1/orgs/{org}/members/{ada}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(ada_view["status"], "active");
}

async fn concurrent_moves_never_make_a_cycle(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme Robotics").await;
    // Twenty races of "A under B" against "B under A": at most one of each pair may win.
    for round in 0..20 {
        let a = app
            .new_department(&admin, org, &format!("A{round}"), None)
            .await;
        let b = app
            .new_department(&admin, org, &format!("B{round}"), None)
            .await;
        let (one, two) = tokio::join!(
            app.move_department(&admin, org, a, json!({ "parent_id": b })),
            app.move_department(&admin, org, b, json!({ "parent_id": a })),
        );
        let won = [&one, &two].iter().filter(|r| r.status == 200).count();
        assert_eq!(won, 1, "round {round}: {} {}", one.json, two.json);
        let loser = if one.status == 200 { &two } else { &one };
        assert_eq!(loser.problem_code(), "department_cycle");
    }
    let tree = app
        .get(&format!("/v1/orgs/{org}/departments"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(tree["items"].as_array().map(Vec::len), Some(40));
}

async fn another_organizations_departments_and_members_answer_404(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (acme, admin) = app.org_with_admin("Acme Robotics").await;
    let (other, other_admin) = app.org_with_admin("Globex").await;
    let (ada, _) = app.member_with_token(&admin, acme, "Ada", "A1").await;
    let (bob, _) = app
        .member_with_token(&other_admin, other, "Bob", "B1")
        .await;
    let ours = app.new_department(&admin, acme, "Sales", None).await;
    let theirs = app.new_department(&other_admin, other, "Sales", None).await;

    assert_eq!(app.put_in(&admin, acme, theirs, ada).await.status, 404);
    assert_eq!(app.put_in(&admin, acme, ours, bob).await.status, 404);
    let parent_elsewhere = app
        .department(&admin, acme, json!({ "name": "Sub", "parent_id": theirs }))
        .await;
    assert_eq!(parent_elsewhere.problem_code(), "no_parent_department");
    assert_eq!(
        app.move_department(&admin, acme, theirs, json!({ "name": "Mine" }))
            .await
            .status,
        404
    );
    let browse = app
        .get(
            &format!("/v1/orgs/{acme}/directory?department={theirs}"),
            Some(&admin),
        )
        .await;
    assert_eq!(browse.status, 404);
    // Nothing of Globex's changed.
    let theirs_now = app
        .get(
            &format!("/v1/orgs/{other}/departments/{theirs}"),
            Some(&other_admin),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            theirs_now["name"].as_str(),
            theirs_now["member_count"].as_i64()
        ),
        (Some("Sales"), Some(0))
    );
}

async fn bad_department_input_gets_a_clear_error(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme Robotics").await;
    for (body, code) in [
        (json!({ "name": "" }), "invalid_field"),
        (json!({ "name": "a\u{0000}b" }), "invalid_field"),
        (json!({ "name": "x".repeat(65) }), "invalid_field"),
        (json!({ "name": "ok", "extra": 1 }), "invalid_body"),
        (json!({ "name": "ok", "parent_id": "1" }), "invalid_body"),
    ] {
        let answer = app.department(&admin, org, body.clone()).await;
        assert!(
            answer.status.is_client_error(),
            "{body}: {} {}",
            answer.status,
            answer.json
        );
        assert_eq!(answer.problem_code(), code, "{body}");
    }
    let tree = app
        .get(&format!("/v1/orgs/{org}/departments"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(tree["items"], json!([]), "nothing was written");
}

on_both_databases!(
    the_directory_is_browsed_and_searched_within_a_department_and_everything_under_it,
    a_member_is_put_in_exactly_the_departments_given_and_the_audit_log_says_who,
    the_tree_refuses_cycles_depth_and_a_second_sibling_of_one_name,
    concurrent_moves_never_make_a_cycle,
    another_organizations_departments_and_members_answer_404,
    bad_department_input_gets_a_clear_error,
);
