//! An initial SCIM sync in the shape Microsoft Entra ID sends it, against a running namecard:
//! `bench/scim/run.sh` starts the server and runs this beside it.
//!
//! ```text
//! cargo build --release --example scim_sync
//! scim_sync http://127.0.0.1:8097/scim/v2 <scim token> [users] [groups] [connections]
//! ```
//!
//! For each user, as Entra's provisioning does: `GET /Users?filter=userName eq "..."` (nothing
//! found), then `POST /Users` with Entra's default attribute mappings (enterprise extension,
//! addresses, work and mobile numbers). Then for each group: `GET /Groups?filter=displayName eq
//! "..."&excludedAttributes=members`, `POST /Groups` without members, and `PATCH` adding its
//! members in batches of at most 50 (Entra's batches are of that order). `connections` requests
//! run at once (Entra works in parallel too). Prints the wall time and users per second of the
//! whole sync, users and groups, and checks that everything arrived.

use anyhow::{Context as _, bail};
use futures::StreamExt as _;
use serde_json::{Value, json};
use std::time::Instant;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json");
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        if status != expect {
            bail!("{method} {path}: {status} {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn quoted(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn entra_user(i: usize) -> Value {
    let upn = format!("user{i:05}@contoso.example");
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": format!("{:08x}-0000-4000-8000-{i:012}", i * 7919),
        "userName": upn,
        "active": true,
        "displayName": format!("用户 {i:05}"),
        "title": "Engineer",
        "preferredLanguage": "zh-CN",
        "emails": [{"primary": true, "type": "work", "value": upn}],
        "phoneNumbers": [
            {"type": "work", "value": format!("+86 21 5555 {:04}", i % 10_000)},
            {"type": "mobile", "value": format!("+86139{i:08}")}
        ],
        "addresses": [{"type": "work", "formatted": "1 Century Avenue, Shanghai", "primary": true}],
        "name": {"formatted": format!("用户 {i:05}"), "familyName": "用", "givenName": format!("户{i:05}")},
        ENTERPRISE: {"employeeNumber": format!("{i}"), "department": format!("Dept {:03}", i % 200)}
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(base), Some(token)) = (args.get(1), args.get(2)) else {
        bail!("usage: scim_sync <scim base url> <token> [users] [groups] [connections]");
    };
    let users: usize = args.get(3).map_or(Ok(10_000), |a| a.parse())?;
    let groups: usize = args.get(4).map_or(Ok(200), |a| a.parse())?;
    let connections: usize = args.get(5).map_or(Ok(8), |a| a.parse())?;
    let client = Client {
        http: reqwest::Client::builder().build()?,
        base: base.clone(),
        token: token.clone(),
    };
    let client = &client;
    let started = Instant::now();

    let ids: Vec<anyhow::Result<String>> = futures::stream::iter(0..users)
        .map(|i| async move {
            let body = entra_user(i);
            let user_name = body["userName"].as_str().unwrap_or_default().to_owned();
            let filter = quoted(&format!("userName eq \"{user_name}\""));
            let found = client
                .send(
                    reqwest::Method::GET,
                    &format!("/Users?filter={filter}"),
                    None,
                    200,
                )
                .await?;
            if found["totalResults"] != 0 {
                bail!("{user_name} exists already: the database is not fresh");
            }
            let created = client
                .send(reqwest::Method::POST, "/Users", Some(body), 201)
                .await?;
            created["id"]
                .as_str()
                .map(str::to_owned)
                .context("no id in the created user")
        })
        .buffered(connections)
        .collect()
        .await;
    let ids: Vec<String> = ids.into_iter().collect::<anyhow::Result<_>>()?;
    let users_done = started.elapsed();

    let per_group = ids.len().div_ceil(groups.max(1));
    let results: Vec<anyhow::Result<()>> = futures::stream::iter(0..groups)
        .map(|g| {
            let members: Vec<String> = ids
                .iter()
                .skip(g * per_group)
                .take(per_group)
                .cloned()
                .collect();
            async move {
                let name = format!("Dept {g:03} 部门");
                let filter = quoted(&format!("displayName eq \"{name}\""));
                client
                    .send(
                        reqwest::Method::GET,
                        &format!("/Groups?excludedAttributes=members&filter={filter}"),
                        None,
                        200,
                    )
                    .await?;
                let group = client
                    .send(
                        reqwest::Method::POST,
                        "/Groups",
                        Some(json!({"schemas": [GROUP], "displayName": name,
                                    "externalId": format!("group-{g}"), "members": []})),
                        201,
                    )
                    .await?;
                let id = group["id"].as_str().context("no group id")?.to_owned();
                for batch in members.chunks(50) {
                    let value: Vec<Value> = batch.iter().map(|m| json!({"value": m})).collect();
                    client
                        .send(
                            reqwest::Method::PATCH,
                            &format!("/Groups/{id}"),
                            Some(json!({"schemas": [PATCH], "Operations": [
                                {"op": "Add", "path": "members", "value": value}
                            ]})),
                            200,
                        )
                        .await?;
                }
                Ok(())
            }
        })
        .buffered(connections)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let total = started.elapsed();

    let listed = client
        .send(reqwest::Method::GET, "/Users?count=1", None, 200)
        .await?;
    if listed["totalResults"] != json!(users) {
        bail!("{} users listed, {users} sent", listed["totalResults"]);
    }
    let rate = |n: usize, d: std::time::Duration| n as f64 / d.as_secs_f64();
    println!(
        "users: {users} in {:.1} s ({:.0} users/s); groups: {groups} with their members in {:.1} s; \
         whole sync: {:.1} s, {:.0} users/s",
        users_done.as_secs_f64(),
        rate(users, users_done),
        (total - users_done).as_secs_f64(),
        total.as_secs_f64(),
        rate(users, total)
    );
    Ok(())
}
