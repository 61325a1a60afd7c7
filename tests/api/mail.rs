//! E-mail through a real SMTP server on loopback (aiosmtpd, started by each test with
//! `tests/common/smtp_sink.py`, which stores every message it receives as parsed by Python's
//! e-mail package): sign-in links an admin asks to have mailed (and the link in the mail signs
//! in), new contact requests, transfer notices, the member's opt-out, a server that is down and
//! comes back, a server that refuses (failed after the bounded retries, visible in the outbox
//! and the metrics, and retried by an admin), and e-mail off; on both databases.
//!
//! The server runs on the venv's Python named by `NAMECARD_TEST_PYTHON` (`.ci/run` installs
//! aiosmtpd there); without it these tests say so and pass without running.

use crate::common::{Backend, TestApp, signin_secret, spawn_app, spawn_app_on};
use crate::contacts::ContactsClient as _;
use namecard::config::RawSettings;
use namecard::service::{Clock as _, ManualClock};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The Python with aiosmtpd, or `None` (saying why) when this machine has none.
fn python() -> Option<String> {
    match std::env::var("NAMECARD_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!(
                "skipping: NAMECARD_TEST_PYTHON is not set (a Python with aiosmtpd; .ci/run installs one)"
            );
            None
        }
    }
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The SMTP server: stopped when dropped (its standard input closes, and it is killed).
struct Sink {
    _child: tokio::process::Child,
    dir: tempfile::TempDir,
}

impl Sink {
    /// Starts the server on `port`; `refuse` answers every recipient 550.
    async fn start(python: &str, port: u16, refuse: bool) -> Sink {
        use tokio::io::AsyncBufReadExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/smtp_sink.py");
        let mut command = tokio::process::Command::new(python);
        command
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true);
        if refuse {
            command.arg("--refuse");
        }
        let mut child = command.spawn().expect("start the SMTP server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the SMTP server starts within 30 s")
            .expect("its output");
        assert_eq!(ready.as_deref(), Some("ready"), "the SMTP server started");
        Sink { _child: child, dir }
    }

    /// Every message received so far, in order.
    fn messages(&self) -> Vec<Value> {
        let mut paths: Vec<_> = std::fs::read_dir(self.dir.path())
            .expect("the sink's directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json"))
            .collect()
    }

    /// Waits (at most 30 s) until `n` messages arrived; all of them.
    async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.messages();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                assert!(
                    got.len() >= n,
                    "{} of {n} mails arrived: {got:?}",
                    got.len()
                );
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Mail settings for an SMTP server on `port` (no TLS on loopback).
fn smtp(port: u16) -> RawSettings {
    RawSettings {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        smtp_tls: Some("none".into()),
        mail_from: Some("Acme namecard <namecard@nc.example.com>".into()),
        ..Default::default()
    }
}

/// The service on its own port, its public URL that address (so the links in mails lead to it),
/// mailing through the SMTP server on `smtp_port`, on `clock`.
async fn app_mailing(
    backend: Backend,
    smtp_port: u16,
    clock: Arc<dyn namecard::service::Clock>,
) -> Option<TestApp> {
    let port = free_port();
    let extra = RawSettings {
        listen: Some(format!("127.0.0.1:{port}")),
        public_url: Some(format!("http://127.0.0.1:{port}")),
        ..smtp(smtp_port)
    };
    spawn_app_on(backend, extra, clock).await
}

/// A member of `org` with an e-mail address and a token.
async fn member_with_email(
    app: &TestApp,
    admin: &str,
    org: i64,
    name: &str,
    email: &str,
) -> (i64, String) {
    let body =
        json!({ "display_name": name, "employee_id": email, "title": "Sales", "email": email });
    let id = app.create_member(admin, org, body).await.expect(201)["id"]
        .as_i64()
        .expect("member id");
    let token = app
        .create_token(admin, org, json!({ "role": "member", "member_id": id }))
        .await
        .expect(201);
    (id, token["token"].as_str().expect("token").to_owned())
}

/// `GET /v1/orgs/{org}/mail` (the admin's list), its items.
async fn outbox(app: &TestApp, admin: &str, org: i64) -> Vec<Value> {
    app.get(&format!("/v1/orgs/{org}/mail"), Some(admin))
        .await
        .expect(200)["items"]
        .as_array()
        .expect("items")
        .clone()
}

async fn mailed_link(app: &TestApp, admin: &str, org: i64, member: i64) -> crate::common::Answer {
    let path = format!("/v1/orgs/{org}/members/{member}/signin-links?email=true");
    app.send(Method::POST, &path, Some(admin), None).await
}

/// Waits until `check` holds for the outbox's first mail (at most 30 s); that mail.
async fn wait_for_mail(
    app: &TestApp,
    admin: &str,
    org: i64,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mails = outbox(app, admin, org).await;
        if let Some(m) = mails.first().filter(|m| check(m)) {
            return m.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the mail never got there: {mails:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_sign_in_link_mailed_at_an_admins_request_arrives_and_signs_in(backend: Backend) {
    let Some(python) = python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port, false).await;
    let Some(app) = app_mailing(backend, port, Arc::new(namecard::service::SystemClock)).await
    else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme <Robotics> & Co").await;
    let name = "Zoë \"Z\" 张伟, Jr.";
    let (zoe, token) = member_with_email(&app, &admin, org, name, "Zoe.Z@Example.COM").await;
    // Her opt-out is about notices: a link the admin mails at her request still goes.
    app.send(
        Method::PATCH,
        "/v1/me",
        Some(&token),
        Some(json!({ "email_notices": false })),
    )
    .await
    .expect(200);

    let link = mailed_link(&app, &admin, org, zoe).await.expect(201);

    let mail = &sink.wait_for(1).await[0];
    assert_eq!(mail["rcpt_tos"], json!(["Zoe.Z@example.com"]));
    assert_eq!(mail["to_address"], "Zoe.Z@example.com");
    assert_eq!(
        mail["to_name"], name,
        "the name survives the header encoding"
    );
    // A new organization writes Simplified Chinese unless it says otherwise.
    assert_eq!(mail["subject"], "您在Acme <Robotics> & Co的登录链接");
    assert_eq!(mail["mail_from"], "namecard@nc.example.com");
    assert_eq!(mail["content_type"], "multipart/alternative");
    let url = link["url"].as_str().expect("url");
    let text = mail["text"].as_str().expect("a plain-text part");
    let html = mail["html"].as_str().expect("an HTML part");
    assert!(text.contains(url), "{text}");
    assert!(html.contains(&format!("href=\"{url}\"")), "{html}");
    assert!(html.contains("Acme &lt;Robotics&gt; &amp; Co"), "{html}");
    assert!(!html.contains("<Robotics>"), "{html}");
    assert!(
        !mail["raw"].as_str().unwrap_or("").contains("张伟"),
        "non-ASCII header text is encoded, never raw"
    );

    // The link in the mail: its page opens, and its secret signs Zoë in, once.
    let mailed_url = text
        .split_whitespace()
        .find(|w| w.contains("/signin#"))
        .expect("the link in the text");
    let page = reqwest::get(mailed_url).await.expect("the sign-in page");
    assert_eq!(page.status(), 200);
    let session = app.sign_in(mailed_url).await;
    assert_eq!(session.view["member_id"], zoe);
    assert_eq!(session.view["role"], "member");
    assert_eq!(app.start_session(mailed_url, None).await.status, 404);

    // The outbox shows it sent, and nothing of the link's secret.
    let listed = wait_for_mail(&app, &admin, org, |m| m["status"] == "sent").await;
    assert_eq!(listed["id"], link["mail_id"]);
    assert_eq!(listed["kind"], "signin_link");
    assert_eq!(listed["to"], "Zoe.Z@example.com");
    assert_eq!(listed["attempts"], 1);
    let listing = app
        .get(&format!("/v1/orgs/{org}/mail"), Some(&admin))
        .await
        .bytes;
    let secret = signin_secret(url);
    assert!(!String::from_utf8_lossy(&listing).contains(secret));

    // A member without an address: refused, nothing made.
    let (bob, _) = app.member_with_token(&admin, org, "Bob", "B1").await;
    let refused = mailed_link(&app, &admin, org, bob).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.problem_code(), "no_email_address");
    assert_eq!(outbox(&app, &admin, org).await.len(), 1);
}

/// Two open organizations; returns `(acme, acme_admin, customer, customer_admin)`.
async fn two_orgs(app: &TestApp, acme_name: &str) -> (i64, String, i64, String) {
    let (acme, admin) = app.org_with_admin(acme_name).await;
    let (customer, c_admin) = app.org_with_admin("深圳华星光电技术有限公司").await;
    for (org, token) in [(acme, &admin), (customer, &c_admin)] {
        app.update_org(token, org, json!({ "policy": "open" }))
            .await
            .expect(200);
    }
    (acme, admin, customer, c_admin)
}

async fn a_new_contact_request_reaches_its_owner_unless_they_opted_out(backend: Backend) {
    let Some(python) = python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port, false).await;
    let Some(app) = app_mailing(backend, port, Arc::new(namecard::service::SystemClock)).await
    else {
        return;
    };
    let (acme, admin, customer, c_admin) = two_orgs(&app, "Acme & Sons").await;
    let (_, quiet) = member_with_email(&app, &admin, acme, "Quiet Q", "quiet@acme.example").await;
    let (_, owner) =
        member_with_email(&app, &admin, acme, "Ada Lovelace", "ada@acme.example").await;
    let requester = "<img src=x onerror=alert(1)>\r\nBcc: eve@evil.example";
    let (_, asker) = app
        .member_with_token(&c_admin, customer, "李娜", "C1")
        .await;
    app.send(
        Method::PATCH,
        "/v1/me",
        Some(&quiet),
        Some(json!({ "email_notices": false })),
    )
    .await
    .expect(200);
    // A name with a line break is refused where it is written; one with markup is not.
    let renamed = app
        .send(
            Method::PATCH,
            &format!(
                "/v1/orgs/{customer}/members/{}",
                member_id(&app, &asker).await
            ),
            Some(&c_admin),
            Some(json!({ "display_name": requester })),
        )
        .await;
    assert_eq!(renamed.status, 422);
    let requester = "<img src=x onerror=alert(1)>";
    app.send(
        Method::PATCH,
        &format!(
            "/v1/orgs/{customer}/members/{}",
            member_id(&app, &asker).await
        ),
        Some(&c_admin),
        Some(json!({ "display_name": requester })),
    )
    .await
    .expect(200);

    let quiet_card = app.card_text(&quiet).await;
    app.request_id(&asker, &quiet_card).await;
    let card = app.card_text(&owner).await;
    app.request_id(&asker, &card).await;

    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], json!(["ada@acme.example"]));
    assert_eq!(mail["to_name"], "Ada Lovelace");
    assert_eq!(
        mail["subject"],
        format!("深圳华星光电技术有限公司的{requester}请求添加您为联系人")
    );
    let html = mail["html"].as_str().expect("html");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img"), "{html}");
    let inbox = format!("{}/inbox", app.base);
    assert!(html.contains(&format!("href=\"{inbox}\"")), "{html}");
    assert!(mail["text"].as_str().expect("text").contains(&inbox));
    // Quiet opted out: her request made no mail (the worker sent Ada's, queued after it).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1, "{:?}", sink.messages());
    let listed = outbox(&app, &admin, acme).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["kind"], "contact_request");
}

async fn a_request_and_its_notice_are_written_together_or_not_at_all(backend: Backend) {
    let port = free_port();
    let Some(app) = app_mailing(backend, port, Arc::new(namecard::service::SystemClock)).await
    else {
        return;
    };
    let (acme, admin, customer, c_admin) = two_orgs(&app, "Acme").await;
    let (_, owner) = member_with_email(&app, &admin, acme, "Ada", "ada@acme.example").await;
    let (_, asker) = app
        .member_with_token(&c_admin, customer, "Li Na", "C1")
        .await;
    let card = app.card_text(&owner).await;

    // The outbox refuses every row (an injected fault): the request is not made either.
    if backend == Backend::Postgres {
        crate::common::execute(
            &app.database_url,
            "CREATE FUNCTION refuse_mail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$ LANGUAGE plpgsql",
        )
        .await;
        crate::common::execute(
            &app.database_url,
            "CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox FOR EACH ROW EXECUTE FUNCTION refuse_mail()",
        )
        .await;
    } else {
        crate::common::execute(
            &app.database_url,
            "CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox BEGIN SELECT RAISE(ABORT, 'injected'); END",
        )
        .await;
    }
    let failed = app.scan_text(&asker, &card).await;
    assert!(failed.status.is_server_error(), "{failed:?}");
    assert_eq!(
        app.requests(&owner, "direction=incoming").await["items"],
        json!([]),
        "no request without its notice"
    );

    // The fault gone, the same scan makes both.
    let drop = if backend == Backend::Postgres {
        "DROP TRIGGER refuse_mail ON mail_outbox"
    } else {
        "DROP TRIGGER refuse_mail"
    };
    crate::common::execute(&app.database_url, drop).await;
    app.request_id(&asker, &card).await;
    let listed = outbox(&app, &admin, acme).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["kind"], "contact_request");
}

/// The member id behind a member token.
async fn member_id(app: &TestApp, token: &str) -> i64 {
    app.get("/v1/me", Some(token)).await.expect(200)["id"]
        .as_i64()
        .expect("id")
}

async fn a_transfer_is_told_to_the_new_holder_and_to_the_contact(backend: Backend) {
    let Some(python) = python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port, false).await;
    let Some(app) = app_mailing(backend, port, Arc::new(namecard::service::SystemClock)).await
    else {
        return;
    };
    let (acme, admin, customer, c_admin) = two_orgs(&app, "Acme Robotics").await;
    // Each mail in its recipient's organization's language: Acme writes English, the
    // customer Traditional Chinese.
    for (org, token, lang) in [(acme, &admin, "en"), (customer, &c_admin, "zh-Hant-TW")] {
        app.send(
            Method::PATCH,
            &format!("/v1/orgs/{org}"),
            Some(token),
            Some(json!({ "lang": lang })),
        )
        .await
        .expect(200);
    }
    let (ada, ada_token) = app
        .member_with_token(&admin, acme, "Ada Lovelace", "A1")
        .await;
    let (cy, _) = member_with_email(&app, &admin, acme, "Cy Young", "cy@acme.example").await;
    let (_, li) = member_with_email(&app, &c_admin, customer, "李娜", "li@customer.example").await;
    let card = app.card_text(&ada_token).await;
    let request = app.request_id(&li, &card).await;
    app.decide(&ada_token, request, "accept").await.expect(200);
    let before = sink.wait_for(0).await.len();

    app.post(
        &format!("/v1/orgs/{acme}/transfers"),
        Some(&admin),
        json!({ "from": ada, "to": cy, "message": "Cy <b>looks after</b> you now." }),
    )
    .await
    .expect(201);

    let mails = sink.wait_for(before + 2).await;
    let to = |address: &str| {
        mails
            .iter()
            .find(|m| m["rcpt_tos"] == json!([address]))
            .unwrap_or_else(|| panic!("a mail to {address}: {mails:?}"))
    };
    let contact = to("li@customer.example");
    assert_eq!(
        contact["subject"],
        "您在Acme Robotics的聯絡人現在是Cy Young"
    );
    assert_eq!(contact["to_name"], "李娜");
    let html = contact["html"].as_str().expect("html");
    assert!(
        html.contains("Cy &lt;b&gt;looks after&lt;/b&gt; you now."),
        "{html}"
    );
    assert!(
        contact["text"]
            .as_str()
            .expect("text")
            .contains("> Cy <b>looks after</b> you now.")
    );
    let holder = to("cy@acme.example");
    assert_eq!(holder["subject"], "1 contact of Ada Lovelace handed to you");
    let listed = holder["text"].as_str().expect("text");
    assert!(
        listed.contains("- 李娜 (Sales) of 深圳华星光电技术有限公司"),
        "{listed}"
    );
    assert!(listed.starts_with("Hello Cy Young,"), "{listed}");
    let told = contact["text"].as_str().expect("text");
    assert!(told.starts_with("李娜，您好："), "{told}");
    assert!(told.contains("Ada Lovelace將與您的聯繫轉交給"), "{told}");
    // Each mail is in its recipient's organization's outbox.
    let kinds = |org, token| {
        let app = &app;
        async move {
            outbox(app, token, org)
                .await
                .iter()
                .map(|m| m["kind"].as_str().unwrap_or("").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(
        kinds(acme, &admin)
            .await
            .contains(&"transfer_to_holder".to_owned())
    );
    assert!(
        kinds(customer, &c_admin)
            .await
            .contains(&"transfer_to_contact".to_owned())
    );
}

async fn a_mail_waits_while_the_server_is_down_and_goes_once_it_is_up(backend: Backend) {
    let Some(python) = python() else { return };
    let port = free_port();
    let clock = Arc::new(ManualClock::at(1_800_000_000));
    let Some(app) = app_mailing(backend, port, clock.clone()).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (zoe, _) = member_with_email(&app, &admin, org, "Zoe", "zoe@acme.example").await;

    // Nobody listens on the port: the request still succeeds, and the mail waits.
    mailed_link(&app, &admin, org, zoe).await.expect(201);
    let waiting = wait_for_mail(&app, &admin, org, |m| m["attempts"] == 1).await;
    assert_eq!(waiting["status"], "queued");
    assert!(
        waiting["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{waiting}"
    );
    assert_eq!(
        waiting["next_attempt_at"],
        clock.now() + 2,
        "retried after the backoff"
    );

    let sink = Sink::start(&python, port, false).await;
    clock.advance(2);
    let mail = &sink.wait_for(1).await[0];
    assert_eq!(mail["rcpt_tos"], json!(["zoe@acme.example"]));
    let sent = wait_for_mail(&app, &admin, org, |m| m["status"] == "sent").await;
    assert_eq!(sent["attempts"], 2);
    assert_eq!(sent["last_error"], Value::Null);
}

async fn a_queued_mail_still_goes_after_the_kek_is_rotated(backend: Backend) {
    let Some(python) = python() else { return };
    let port = free_port();
    let clock = Arc::new(ManualClock::at(1_800_000_000));
    let Some(app) = app_mailing(backend, port, clock.clone()).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (zoe, _) = member_with_email(&app, &admin, org, "Zoe", "zoe@acme.example").await;
    mailed_link(&app, &admin, org, zoe).await.expect(201);
    wait_for_mail(&app, &admin, org, |m| m["attempts"] == 1).await;

    // The letter waits sealed under the KEK; the rotation seals it anew with the keys.
    let (rotated, said) = crate::keys_at_rest::rotate_kek(&app);
    assert!(rotated, "{said}");
    assert!(
        said.contains(", 1 queued mails' letters and 1 revocation list secrets"),
        "{said}"
    );
    let kek: String =
        crate::common::read_one(&app.database_url, "SELECT letter_kek FROM mail_outbox").await;
    assert_eq!(kek, app.kek().id().as_str());

    // An instance started with the new KEK opens and sends it.
    let sink = Sink::start(&python, port, false).await;
    let later = Arc::new(ManualClock::at(clock.now() + 2));
    let _restarted = app.another_instance_at(smtp(port), later).await;
    let mail = &sink.wait_for(1).await[0];
    assert_eq!(mail["rcpt_tos"], json!(["zoe@acme.example"]));
    assert!(mail.to_string().contains("/signin#"), "{mail}");
}

async fn a_refused_mail_fails_after_its_attempts_visibly_and_an_admin_can_retry_it(
    backend: Backend,
) {
    let Some(python) = python() else { return };
    let port = free_port();
    let _sink = Sink::start(&python, port, true).await;
    let clock = Arc::new(ManualClock::at(1_800_000_000));
    let Some(app) = app_mailing(backend, port, clock.clone()).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (zoe, _) = member_with_email(&app, &admin, org, "Zoe", "zoe@acme.example").await;
    mailed_link(&app, &admin, org, zoe).await.expect(201);

    // Queued for its next attempt (the test's clock stands still): not failed, so not retried.
    let first = wait_for_mail(&app, &admin, org, |m| m["attempts"] == 1).await;
    let id = first["id"].as_i64().expect("id");
    let retry = format!("/v1/orgs/{org}/mail/{id}/retry");
    let early = app.post(&retry, Some(&admin), json!({})).await;
    assert_eq!(early.status, 409);
    assert_eq!(early.problem_code(), "mail_not_failed");

    let max = namecard::service::webhooks::MAX_ATTEMPTS;
    for attempt in 1..max {
        let m = wait_for_mail(&app, &admin, org, |m| m["attempts"] == attempt).await;
        assert_eq!(m["status"], "queued", "after attempt {attempt}: {m}");
        assert_eq!(
            m["next_attempt_at"],
            clock.now() + namecard::service::webhooks::backoff_secs(attempt),
            "the webhooks' backoff"
        );
        clock.advance(namecard::service::webhooks::backoff_secs(attempt));
    }
    let failed = wait_for_mail(&app, &admin, org, |m| m["status"] == "failed").await;
    assert_eq!(failed["attempts"], max);
    let error = failed["last_error"].as_str().expect("the last error");
    assert!(error.contains("550"), "{error}");
    let listed = app
        .get(&format!("/v1/orgs/{org}/mail?status=failed"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["id"], failed["id"]);
    let metrics = String::from_utf8(app.get("/metrics", None).await.bytes).expect("text");
    assert!(
        metrics.contains("mail_deliveries_total{result=\"failed\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mail_outbox{status=\"failed\"}"),
        "{metrics}"
    );

    // An admin retries it: one more attempt, now.
    let retried = app.post(&retry, Some(&admin), json!({})).await.expect(200);
    assert_eq!(retried["status"], "queued");
    let refailed = wait_for_mail(&app, &admin, org, |m| m["status"] == "failed").await;
    assert_eq!(refailed["attempts"], max + 1);
    let audit = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200);
    assert!(
        audit
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "mail.retry"),
        "{audit}"
    );
}

async fn without_smtp_settings_nothing_is_queued_and_mailing_a_link_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (acme, admin, customer, c_admin) = two_orgs(&app, "Acme").await;
    let (zoe, owner) = member_with_email(&app, &admin, acme, "Zoe", "zoe@acme.example").await;
    let refused = mailed_link(&app, &admin, acme, zoe).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.problem_code(), "mail_disabled");
    assert!(
        app.get(&format!("/v1/orgs/{acme}/signin-links"), Some(&admin))
            .await
            .expect(200)
            .as_array()
            .is_some_and(Vec::is_empty),
        "no link was made"
    );
    let (_, asker) = app.member_with_token(&c_admin, customer, "Li", "C1").await;
    let card = app.card_text(&owner).await;
    app.request_id(&asker, &card).await;
    assert!(outbox(&app, &admin, acme).await.is_empty());
    // Her choice is kept all the same, for when e-mail is on.
    let me = app.get("/v1/me", Some(&owner)).await.expect(200);
    assert_eq!(me["email_notices"], true);
}

on_both_databases!(
    a_sign_in_link_mailed_at_an_admins_request_arrives_and_signs_in,
    a_new_contact_request_reaches_its_owner_unless_they_opted_out,
    a_transfer_is_told_to_the_new_holder_and_to_the_contact,
    a_mail_waits_while_the_server_is_down_and_goes_once_it_is_up,
    a_refused_mail_fails_after_its_attempts_visibly_and_an_admin_can_retry_it,
    a_queued_mail_still_goes_after_the_kek_is_rotated,
    a_request_and_its_notice_are_written_together_or_not_at_all,
    without_smtp_settings_nothing_is_queued_and_mailing_a_link_is_refused,
);
