//! The web app in a real browser: headless Chromium driven through chromedriver (WebDriver),
//! against the real server on a loopback port. Each test signs people in from the links an admin
//! creates and clicks through the pages as a person would. Screenshots of the main pages, at a
//! phone's 390x844 and a desktop's 1280x800, are written to `docs/screenshots/`.
//!
//! Skipped, with the reason printed, when `/usr/bin/chromium` or `chromedriver` is missing
//! (`.ci/run` installs both, so CI always runs them). One browser runs at a time.

use crate::common::browser::{Browser, PHONE, browser, browser_filming};
use crate::common::{Backend, TestApp, signin_secret, spawn_app};
use fantoccini::Locator;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

const DESKTOP: (u32, u32) = (1280, 800);
const PATIENCE: Duration = Duration::from_secs(20);

impl Browser {
    async fn open(&self, app: &TestApp, path: &str) {
        self.client
            .goto(&format!("{}{path}", app.base))
            .await
            .expect("navigate");
        self.wait_for("body[data-ready]").await;
    }

    /// Opens a sign-in link (on the test server's address) and waits for the page it leads to.
    async fn sign_in(&self, app: &TestApp, url: &str) {
        self.client
            .goto(&format!("{}/signin#{}", app.base, signin_secret(url)))
            .await
            .expect("navigate");
        self.wait_for("#sign-out").await;
        self.wait_for("body[data-ready]").await;
    }

    async fn sign_out(&self) {
        self.click("#sign-out").await;
        self.wait_for("body[data-ready]").await;
        self.wait_until(|b| async move { b.find_all("#sign-out").await.is_empty() })
            .await;
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.wait_for_within(css, PATIENCE).await
    }

    async fn find_all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    async fn wait_until<'a, F, Fut>(&'a self, ready: F)
    where
        F: Fn(&'a Self) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !ready(self).await {
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element at `css` shows `text`, and returns all of its text.
    async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mut seen = String::new();
            for el in self.find_all(css).await {
                seen.push_str(&el.text().await.unwrap_or_default());
                seen.push('\n');
            }
            if seen.contains(text) {
                return seen;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css} never showed {text:?}; it shows {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("click");
    }

    /// Scrolls the element at `css` to the middle of the window (out from under the sticky
    /// top bar), then clicks it.
    async fn click_centered(&self, css: &str) {
        let el = self.wait_for(css).await;
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' }); return true;",
                vec![serde_json::to_value(&el).expect("an element")],
            )
            .await
            .expect("scroll");
        el.click().await.expect("click");
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.wait_for(css)
            .await
            .send_keys(text)
            .await
            .expect("typing");
    }

    /// Clears the field, then types `text`.
    async fn retype(&self, css: &str, text: &str) {
        self.wait_for(css).await.clear().await.expect("clearing");
        self.type_into(css, text).await;
    }

    /// Runs `script` (a function body) in the page and returns its value.
    async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .expect("script runs")
    }

    /// Whether every image on the page has loaded with real pixels.
    async fn images_loaded(&self, css: &str) -> bool {
        let script = format!(
            "return [...document.querySelectorAll({css:?})].every(i => i.complete && i.naturalWidth > 0);"
        );
        self.eval(&script).await == json!(true)
    }

    /// No JavaScript dialog is open (a hostile card did not run `alert`).
    async fn assert_no_alert(&self) {
        let alert = self.client.get_alert_text().await;
        assert!(alert.is_err(), "a dialog opened: {alert:?}");
    }

    /// Saves the page as `docs/screenshots/{name}-phone.png` and `-desktop.png`.
    async fn screenshots(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        for (label, size) in [("phone", PHONE), ("desktop", DESKTOP)] {
            self.viewport(size).await;
            self.eval("window.scrollTo(0, 0); return true;").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).expect("write screenshot");
        }
        self.viewport(PHONE).await;
    }

    /// Sizes the window so that the page itself (the viewport) is `width` x `height`.
    async fn viewport(&self, (width, height): (u32, u32)) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize");
        let inner = self
            .eval("return [window.innerWidth, window.innerHeight];")
            .await;
        let extra = |i: usize, want: u32| {
            want.saturating_sub(inner[i].as_u64().unwrap_or(u64::from(want)) as u32)
        };
        let (dw, dh) = (extra(0, width), extra(1, height));
        if dw > 0 || dh > 0 {
            self.client
                .set_window_size(width + dw, height + dh)
                .await
                .expect("resize");
        }
    }

    /// Picks `photo` in the scan page's "choose a photo" input, as a person choosing a file would.
    async fn choose_photo(&self, app: &TestApp, photo: &Path) {
        self.open(app, "/scan").await;
        self.wait_for("#photo-file")
            .await
            .send_keys(photo.to_str().expect("a UTF-8 path"))
            .await
            .expect("choose the photo");
    }

    async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A member's printable card rendered through the API, photographed by a "phone": the JPEG
/// file a person would upload, written to `dir`.
async fn photo_of_printable_card(
    app: &TestApp,
    admin: &str,
    org: i64,
    member: i64,
    dir: &Path,
) -> PathBuf {
    let png = app
        .get(
            &format!("/v1/orgs/{org}/members/{member}/card/printable"),
            Some(admin),
        )
        .await;
    assert_eq!(png.status, 200);
    photo_of_png(&png.bytes, &dir.join(format!("card-{org}-{member}.jpg")))
}

/// A printed PNG (a card, a team code's poster) photographed by a "phone": the JPEG file a
/// person would upload, written to `path`.
fn photo_of_png(png: &[u8], path: &Path) -> PathBuf {
    use namecard::scan::synth::{PhotoParams, phone_photo};
    let printed = image::load_from_memory(png).expect("a PNG").to_luma8();
    // A 3 MP photo keeps the upload under the default body limit and the test quick.
    let jpeg = phone_photo(
        &printed,
        &PhotoParams {
            width: 2016,
            height: 1512,
            seed: 7,
            ..PhotoParams::default()
        },
    );
    std::fs::write(path, jpeg).expect("write photo");
    path.to_owned()
}

/// Two organizations that allow contacts with each other (`partners_only`, partners both
/// ways), each with an admin and one member: Ada at Acme Robotics, Bob at Nordlicht Logistik.
struct TwoOrgs {
    a: i64,
    admin_a: String,
    ada: i64,
    b: i64,
    admin_b: String,
    bob: i64,
}

async fn two_partner_organizations(app: &TestApp) -> TwoOrgs {
    let (a, admin_a) = app.org_with_admin("Acme Robotics").await;
    let (b, admin_b) = app.org_with_admin("Nordlicht Logistik").await;
    for (org, token, partner) in [(a, &admin_a, b), (b, &admin_b, a)] {
        let path = format!("/v1/orgs/{org}/partners/{partner}");
        let answer = app
            .send(reqwest::Method::PUT, &path, Some(token), None)
            .await;
        assert_eq!(answer.status, 204);
    }
    let ada = member(app, &admin_a, a, "Ada Lovelace", "A-1", "Chief Engineer").await;
    let bob = member(app, &admin_b, b, "Bob Müller", "B-1", "Head of Procurement").await;
    TwoOrgs {
        a,
        admin_a,
        ada,
        b,
        admin_b,
        bob,
    }
}

impl TwoOrgs {
    async fn ada_link(&self, app: &TestApp) -> String {
        link(app, &self.admin_a, self.a, self.ada).await
    }

    async fn bob_link(&self, app: &TestApp) -> String {
        link(app, &self.admin_b, self.b, self.bob).await
    }

    /// A phone photo of Bob's printable card, in a folder that lives as long as the result.
    async fn photo_of_bobs_card(&self, app: &TestApp) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let photo = photo_of_printable_card(app, &self.admin_b, self.b, self.bob, dir.path()).await;
        (dir, photo)
    }
}

async fn member(app: &TestApp, admin: &str, org: i64, name: &str, id: &str, title: &str) -> i64 {
    let body = json!({ "display_name": name, "employee_id": id, "title": title });
    app.create_member(admin, org, body).await.expect(201)["id"]
        .as_i64()
        .expect("id")
}

async fn link(app: &TestApp, admin: &str, org: i64, member: i64) -> String {
    app.member_signin_link(admin, org, member).await.expect(201)["url"]
        .as_str()
        .expect("url")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_in_from_a_link_and_sees_their_card() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let url = orgs.ada_link(&app).await;

    b.sign_in(&app, &url).await;

    b.wait_for("#my-qr").await;
    b.wait_until(|b| b.images_loaded("#my-qr, #my-printable"))
        .await;
    b.wait_for_text("#who", "Ada Lovelace").await;
    b.wait_for_text("nav a[aria-current=page]", "My card").await;
    let address = b.client.current_url().await.unwrap();
    assert_eq!(address.path(), "/card", "the secret left the address bar");
    b.screenshots("my-card").await;
    let before = b.eval("return document.querySelector('#my-qr').src;").await;
    b.click("button.danger").await;
    b.wait_for_text("button.danger", "Yes, replace it").await;
    b.click("button.danger").await;
    b.wait_for_text("main", "Your card was replaced").await;
    let after = b.eval("return document.querySelector('#my-qr').src;").await;
    assert_ne!(before, after, "the new card is shown");

    // The link was used up: opening it again says so.
    b.sign_out().await;
    b.client
        .goto(&format!("{}/signin#{}", app.base, signin_secret(&url)))
        .await
        .unwrap();
    b.wait_for_text("main", "already been used or has expired")
        .await;
    b.screenshots("sign-in-used-link").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_searches_the_directory_of_their_organization() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    for (i, (name, title)) in [
        ("张伟明", "销售总监"),
        ("Grace Hopper", "Rear Admiral"),
        ("Alan Turing", "Researcher"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("A-{}", i + 10);
        member(&app, &orgs.admin_a, orgs.a, name, &id, title).await;
    }
    b.sign_in(&app, &orgs.ada_link(&app).await).await;

    b.open(&app, "/directory").await;
    b.wait_for_text("#directory", "Grace Hopper").await;
    b.screenshots("directory").await;
    b.type_into("input[type=search]", "张伟").await;
    b.click("form.search button").await;

    let shown = b.wait_for_text("#directory", "张伟明").await;
    assert!(!shown.contains("Grace Hopper"), "{shown}");
    b.wait_for_text("#directory", "销售总监").await;

    // By exact employee id: that colleague alone.
    b.click("select[name=by] option[value=employee_id]").await;
    b.retype("input[type=search]", "A-11").await;
    b.click("form.search button").await;
    let shown = b.wait_for_text("#directory", "Grace Hopper").await;
    assert!(
        !shown.contains("张伟明") && !shown.contains("Alan Turing"),
        "{shown}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_members_policy_cards_and_reads_the_audit_log() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let TwoOrgs { a, b: b_org, .. } = two_partner_organizations(&app).await;
    let admin_link = app.admin_signin_link(&app.operator, a).await.expect(201);
    b.sign_in(&app, admin_link["url"].as_str().unwrap()).await;
    b.wait_for_text("#who", "Admin · Acme Robotics").await;
    b.wait_for_text("#members", "Ada Lovelace").await;

    // Add one member with the form, two from CSV.
    b.type_into("#m-display_name", "Katherine Johnson").await;
    b.type_into("#m-employee_id", "A-77").await;
    b.type_into("#m-title", "Mathematician").await;
    b.click("#add-member button[type=submit]").await;
    b.wait_for_text("#add-member", "Katherine Johnson was added")
        .await;
    b.type_into(
        "#import-csv",
        "display_name,employee_id,title\nDorothy Vaughan,A-78,Supervisor\nMary Jackson,A-79,Engineer\n",
    )
    .await;
    b.click("#import-members button[type=submit]").await;
    b.wait_for_text("#import-members", "Imported 2 members")
        .await;
    b.wait_for_text("#members", "Mary Jackson").await;
    b.screenshots("admin-members").await;

    // A bad CSV row is reported and nothing is imported.
    b.type_into(
        "#import-csv",
        "display_name,employee_id,mobile\nEve,A-90,not-a-phone\n",
    )
    .await;
    b.click("#import-members button[type=submit]").await;
    b.wait_for_text("#import-members", "Row 1, mobile").await;

    // A sign-in link for Katherine, then deactivate Dorothy.
    let katherine = b.wait_for_text("#members li", "Katherine Johnson").await;
    assert!(katherine.contains("A-77"));
    b.eval(
        "[...document.querySelectorAll('#members li')].find(li => li.textContent.includes('Katherine'))\
         .querySelector('.signin-link').click(); return true;",
    )
    .await;
    let shown = b
        .wait_for_text(
            "#members .copy-row input, #members .notice",
            "Sign-in link for Katherine",
        )
        .await;
    assert!(shown.contains("Works once"), "{shown}");
    let katherine_url = b
        .eval("return document.querySelector('#members .copy-row input').value;")
        .await;
    let katherine_url = katherine_url.as_str().unwrap();
    assert!(
        katherine_url.starts_with("https://nc.example.com/signin#nc_"),
        "{katherine_url}"
    );
    b.eval(
        "const li = [...document.querySelectorAll('#members li')].find(li => li.textContent.includes('Dorothy'));\
         li.querySelector('button.danger').click(); li.querySelector('button.danger').click(); return true;",
    )
    .await;
    b.wait_for_text("#members", "Dorothy Vaughan was deactivated")
        .await;

    // Policy: open, then back to partners only with a second partner.
    b.open(&app, "/admin/policy").await;
    b.wait_for_text("#partners", "Nordlicht Logistik").await;
    b.click("#policy input[value=open]").await;
    b.click("#policy button[type=submit]").await;
    b.wait_for_text("#policy", "Policy saved").await;
    let org = app
        .get(&format!("/v1/orgs/{a}"), Some(&app.operator))
        .await
        .expect(200);
    assert_eq!(org["policy"], "open");
    // Cobalt lists Acme first: only a partner that lists you back is named in your list.
    let (c, c_admin) = app.org_with_admin("Cobalt Mining").await;
    app.send(
        reqwest::Method::PUT,
        &format!("/v1/orgs/{c}/partners/{a}"),
        Some(&c_admin),
        None,
    )
    .await
    .expect(204);
    b.type_into("#partner-id", &c.to_string()).await;
    b.click("#add-partner button").await;
    b.wait_for_text("#partners", "Cobalt Mining").await;
    b.screenshots("admin-policy").await;
    let partners = app
        .get(&format!("/v1/orgs/{a}/partners"), Some(&app.operator))
        .await
        .expect(200);
    let ids: Vec<i64> = partners
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![b_org, c]);
    b.wait_for_text("#webhook-now", "No webhook set").await;
    b.type_into("#webhook-url", "https://hooks.acme.example/namecard")
        .await;
    b.click("#webhook button").await;
    let saved = b.wait_for_text("main", "Webhook saved").await;
    assert!(saved.contains("shown only now"), "{saved}");
    b.wait_for_text(
        "#webhook-now",
        "Sending to https://hooks.acme.example/namecard",
    )
    .await;
    let hook = app
        .get(&format!("/v1/orgs/{a}/webhook"), Some(&app.operator))
        .await
        .expect(200);
    assert_eq!(hook["url"], "https://hooks.acme.example/namecard");

    // Printable cards for everyone active: Ada, Katherine and Mary.
    b.open(&app, "/admin/cards").await;
    b.click("#download-cards").await;
    b.wait_for_text("#cards-out", "3 cards downloaded").await;
    b.screenshots("admin-cards").await;

    // The audit log shows what was done here.
    b.open(&app, "/admin/audit").await;
    // Each action is named in the reader's words, its code kept beside it.
    let log = b.wait_for_text("#audit", "Member deactivated").await;
    for action in [
        "Members imported",
        "Sign-in link created",
        "Signed in",
        "Organization changed",
        "Partner added",
    ] {
        assert!(log.contains(action), "{action} missing from {log}");
    }
    b.screenshots("admin-audit").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_url_shows_the_verified_card_and_asks_to_sign_in() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let text = card_text(&app, &orgs.admin_b, orgs.b, orgs.bob).await;
    let body = text.rsplit("/C/").next().unwrap();

    b.open(&app, &format!("/C/{body}")).await;

    b.wait_for_text("#scan-owner", "Bob Müller").await;
    b.wait_for_text("#scan-owner", "Head of Procurement · Nordlicht Logistik")
        .await;
    b.wait_for_text("#card-check", "Verified namecard").await;
    b.wait_for_text("#signin-prompt", "sign in first").await;
    b.screenshots("card-link-signed-out").await;

    // A tampered card says so.
    let mut tampered: Vec<char> = body.chars().collect();
    let i = tampered.len() - 5;
    tampered[i] = if tampered[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    b.open(&app, &format!("/c/{}", tampered.to_lowercase()))
        .await;
    b.wait_for_text("#scan-problem", "This is not a valid namecard")
        .await;
    b.close().await;
}

/// A new bearer token for a member (what an API client of theirs would hold).
async fn member_token(app: &TestApp, admin: &str, org: i64, member: i64) -> String {
    let body = json!({ "role": "member", "member_id": member });
    app.create_token(admin, org, body).await.expect(201)["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The text of a new primary card for the member.
async fn card_text(app: &TestApp, admin: &str, org: i64, member: i64) -> String {
    let token = member_token(app, admin, org, member).await;
    let card = app
        .send(reqwest::Method::POST, "/v1/me/card", Some(&token), None)
        .await
        .expect(201);
    card["text"].as_str().expect("card text").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_with_hostile_text_renders_as_inert_text() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let evil_org = r#""><svg onload=alert(3)>"#;
    let evil_name = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    let evil_title = "javascript:alert(4)";
    let org = app.create_org(&app.operator, evil_org).await.expect(201)["id"]
        .as_i64()
        .unwrap();
    let admin = app
        .create_token(&app.operator, org, json!({ "role": "admin" }))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mallory = member(&app, &admin, org, evil_name, "X-1", evil_title).await;
    let text = card_text(&app, &admin, org, mallory).await;

    // The public card page, signed out.
    b.open(&app, &format!("/C/{}", text.rsplit("/C/").next().unwrap()))
        .await;
    b.wait_for_text("#scan-owner", evil_name).await;
    let sub = b.wait_for_text("#scan-owner .sub", evil_title).await;
    assert!(sub.contains(evil_org), "{sub}");
    b.assert_no_alert().await;
    assert!(
        b.find_all("#main img[src=x], #main script, #main svg")
            .await
            .is_empty()
    );
    assert_eq!(b.find_all("a[href^='javascript']").await.len(), 0);

    // Signed in as Mallory: the header, the directory and the card page show the same text.
    b.sign_in(&app, &link(&app, &admin, org, mallory).await)
        .await;
    b.wait_for_text("#who", evil_name).await;
    b.open(&app, "/directory").await;
    b.wait_for_text("#directory", evil_name).await;
    b.wait_for_text("#directory", evil_title).await;
    b.assert_no_alert().await;
    assert!(
        b.find_all("#main img[src=x], #main script, #main svg, #who img")
            .await
            .is_empty()
    );
    b.screenshots("hostile-card-text").await;
    b.close().await;
}

// ---------------------------------------------------------------------------------------------
// The contact flow, over the contacts API of issue 5 (POST /v1/scans, the inbox, contacts).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanned_card_becomes_a_contact_on_both_sides() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let (_photos, photo) = orgs.photo_of_bobs_card(&app).await;

    // Ada photographs Bob's printed card.
    b.sign_in(&app, &orgs.ada_link(&app).await).await;
    b.choose_photo(&app, &photo).await;
    b.wait_for_text("#scan-owner", "Bob Müller").await;
    b.wait_for_text("#scan-owner", "Head of Procurement · Nordlicht Logistik")
        .await;
    b.wait_for_text("#scan-result", "Verified namecard").await;
    b.screenshots("scan-verified").await;
    b.click("#send-request").await;
    b.wait_for_text("#send-outcome", "Request sent").await;
    b.open(&app, "/inbox").await;
    b.wait_for_text("#outgoing", "Bob Müller").await;
    b.sign_out().await;

    // Bob sees Ada's request, from which organization and how, and accepts it.
    b.sign_in(&app, &orgs.bob_link(&app).await).await;
    b.open(&app, "/inbox").await;
    let request = b.wait_for_text("#incoming", "Ada Lovelace").await;
    assert!(
        request.contains("Chief Engineer · Acme Robotics"),
        "{request}"
    );
    assert!(request.contains("scanned your card"), "{request}");
    b.screenshots("inbox").await;
    b.click("#incoming button.accept").await;
    b.wait_for_text("#incoming", "Ada Lovelace is now one of your contacts")
        .await;
    b.open(&app, "/contacts").await;
    b.wait_for_text("#contacts", "Ada Lovelace").await;
    b.wait_for_text("#contacts", "Acme Robotics").await;
    b.screenshots("contacts").await;
    b.sign_out().await;

    // ...and Ada sees Bob.
    b.sign_in(&app, &orgs.ada_link(&app).await).await;
    b.open(&app, "/contacts").await;
    b.wait_for_text("#contacts", "Bob Müller").await;
    b.wait_for_text("#contacts", "Nordlicht Logistik").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_blocked_scan_says_whose_policy_blocked_it() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let (_photos, photo) = orgs.photo_of_bobs_card(&app).await;
    b.sign_in(&app, &orgs.ada_link(&app).await).await;

    // Bob's organization turns external contacts off.
    app.update_org(&orgs.admin_b, orgs.b, json!({ "policy": "disabled" }))
        .await
        .expect(200);
    b.choose_photo(&app, &photo).await;
    let theirs = b
        .wait_for_text("#scan-problem", "Blocked by Nordlicht Logistik's policy")
        .await;
    assert!(theirs.contains("card owner's organization"), "{theirs}");
    b.screenshots("scan-policy-blocked").await;

    // Now Ada's own organization is the one that says no.
    app.update_org(&orgs.admin_b, orgs.b, json!({ "policy": "open" }))
        .await
        .expect(200);
    app.update_org(&orgs.admin_a, orgs.a, json!({ "policy": "disabled" }))
        .await
        .expect(200);
    let text = card_text(&app, &orgs.admin_b, orgs.b, orgs.bob).await;
    b.open(&app, &format!("/C/{}", text.rsplit("/C/").next().unwrap()))
        .await;
    let ours = b
        .wait_for_text("#scan-problem", "Blocked by Acme Robotics's policy")
        .await;
    assert!(ours.contains("Ask your admin"), "{ours}");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_signing_in_the_card_page_sends_the_request() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let text = card_text(&app, &orgs.admin_b, orgs.b, orgs.bob).await;
    let card_path = format!("/C/{}", text.rsplit("/C/").next().unwrap());

    // Opened from the phone camera before signing in; the sign-in link brings Ada back.
    b.open(&app, &card_path).await;
    b.wait_for("#signin-prompt").await;
    b.sign_in(&app, &orgs.ada_link(&app).await).await;
    let address = b.client.current_url().await.unwrap();
    assert_eq!(address.path(), card_path);
    b.wait_for_text("#card-check", "Bob Müller").await;
    b.screenshots("card-link-signed-in").await;
    b.click("#send-request").await;
    b.wait_for_text("#send-outcome", "Request sent").await;

    // Opening it again: already requested.
    b.open(&app, &card_path).await;
    b.wait_for_text("#card-check", "Already requested").await;
    let bob = member_token(&app, &orgs.admin_b, orgs.b, orgs.bob).await;
    let incoming = app
        .get("/v1/contact-requests?direction=incoming", Some(&bob))
        .await
        .expect(200);
    assert_eq!(
        incoming["items"].as_array().unwrap().len(),
        1,
        "one request"
    );
    b.close().await;
}

/// Ada (Acme) and Bob (Nordlicht) become external contacts through the API: Bob scans Ada's card
/// and Ada accepts.
async fn connect_ada_and_bob(app: &TestApp, orgs: &TwoOrgs) {
    let ada = member_token(app, &orgs.admin_a, orgs.a, orgs.ada).await;
    let bob = member_token(app, &orgs.admin_b, orgs.b, orgs.bob).await;
    let card = card_text(app, &orgs.admin_a, orgs.a, orgs.ada).await;
    let scanned = app
        .post("/v1/scans", Some(&bob), json!({ "text": card }))
        .await
        .expect(201);
    let request = scanned["request"]["id"].as_i64().expect("request id");
    app.post(
        &format!("/v1/contact-requests/{request}/accept"),
        Some(&ada),
        json!({}),
    )
    .await
    .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_builds_departments_and_colleagues_browse_the_directory_by_them() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    member(
        &app,
        &orgs.admin_a,
        orgs.a,
        "Grace Hopper",
        "A-2",
        "Rear Admiral",
    )
    .await;
    member(
        &app,
        &orgs.admin_a,
        orgs.a,
        "Alan Turing",
        "A-3",
        "Researcher",
    )
    .await;
    let admin_link = app
        .admin_signin_link(&orgs.admin_a, orgs.a)
        .await
        .expect(201);
    b.sign_in(&app, admin_link["url"].as_str().unwrap()).await;
    b.open(&app, "/admin/departments").await;
    b.wait_for_text("#departments", "No departments yet").await;

    // Engineering at the top, Compilers inside it, chosen from the parent list.
    b.type_into("#d-name", "Engineering").await;
    b.click("#add-department button[type=submit]").await;
    b.wait_for_text("#departments", "Engineering").await;
    b.wait_for("#d-parent option:nth-child(2)").await;
    b.type_into("#d-name", "Compilers").await;
    b.wait_for("#d-parent")
        .await
        .select_by_label("Engineering")
        .await
        .expect("choose the parent");
    b.click("#add-department button[type=submit]").await;
    b.wait_for_text("#departments", "Compilers").await;

    // Grace goes into Compilers by her employee id.
    let compilers = b
        .eval(
            "return [...document.querySelectorAll('#departments li.department')]\
             .find((li) => li.textContent.includes('Compilers')).dataset.id;",
        )
        .await;
    let compilers = compilers.as_str().expect("department id").to_owned();
    let row = format!("#departments li.department[data-id='{compilers}']");
    b.click(&format!("{row} button.members")).await;
    b.type_into(&format!("{row} form.add-to-department input"), "A-2")
        .await;
    b.click(&format!("{row} form.add-to-department button"))
        .await;
    b.wait_for_text(&format!("{row} .department-members"), "Grace Hopper")
        .await;
    b.wait_for_text(&row, "1 member directly").await;
    b.assert_no_alert().await;
    b.screenshots("admin-departments").await;
    b.sign_out().await;

    // A colleague narrows the directory to Engineering: Grace, in Compilers under it, alone.
    b.sign_in(&app, &orgs.ada_link(&app).await).await;
    b.open(&app, "/directory").await;
    b.wait_for_text("#directory", "Alan Turing").await;
    b.wait_for("select[name=department]")
        .await
        .select_by_label("Engineering")
        .await
        .expect("choose a department");
    b.wait_until(|b| async move {
        let shown = b.wait_for_text("#directory", "Grace Hopper").await;
        !shown.contains("Alan Turing")
    })
    .await;
    b.screenshots("directory-by-department").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_hands_a_leavers_contacts_to_a_colleague_who_is_told() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let cy = member(
        &app,
        &orgs.admin_a,
        orgs.a,
        "Cy Young",
        "A-2",
        "Account Manager",
    )
    .await;
    connect_ada_and_bob(&app, &orgs).await;
    app.deactivate_member(&orgs.admin_a, orgs.a, orgs.ada)
        .await
        .expect(200);

    let admin_link = app
        .admin_signin_link(&orgs.admin_a, orgs.a)
        .await
        .expect(201);
    b.sign_in(&app, admin_link["url"].as_str().unwrap()).await;
    b.open(&app, "/admin/contacts").await;
    let leaver = b.wait_for_text("#unassigned", "Ada Lovelace").await;
    assert!(leaver.contains("1 unassigned contact"), "{leaver}");
    assert!(
        leaver.contains("Bob Müller (Nordlicht Logistik)"),
        "{leaver}"
    );
    b.wait_for(&format!("#unassigned select[name=to] option[value='{cy}']"))
        .await;
    b.wait_for("#unassigned select[name=to]")
        .await
        .select_by_value(&cy.to_string())
        .await
        .expect("choose Cy");
    b.type_into(
        "#unassigned textarea[name=message]",
        "Ada has left us; Cy looks after you from now on.",
    )
    .await;
    b.click("#unassigned form.hand-over button[type=submit]")
        .await;
    let results = b.wait_for_text("#transfer-results", "Bob Müller").await;
    assert!(results.contains("Ada Lovelace → Cy Young"), "{results}");
    b.wait_for_text("#transfers", "unless refused").await;
    b.screenshots("admin-transfers").await;
    b.sign_out().await;

    // Bob is told who looks after him now, and may refuse.
    b.sign_in(&app, &orgs.bob_link(&app).await).await;
    b.open(&app, "/inbox").await;
    let told = b
        .wait_for_text(
            "#transfer-notices",
            "Your contact at Acme Robotics is now Cy Young.",
        )
        .await;
    assert!(told.contains("Cy looks after you from now on"), "{told}");
    b.wait_for_text("#transfer-notices button", "Refuse").await;
    b.screenshots("transfer-notice").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_tags_a_contact_adds_a_note_and_saves_it_to_the_phone() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    connect_ada_and_bob(&app, &orgs).await;
    app.post(
        &format!("/v1/orgs/{}/contact-tags", orgs.a),
        Some(&orgs.admin_a),
        json!({"group": "Industry", "name": "Logistics"}),
    )
    .await
    .expect(201);
    // Bob shows his mobile to his contacts.
    let bob = member_token(&app, &orgs.admin_b, orgs.b, orgs.bob).await;
    app.send(
        reqwest::Method::PATCH,
        "/v1/me",
        Some(&bob),
        Some(json!({"mobile": "+4915112345678", "share_mobile": true})),
    )
    .await
    .expect(200);

    b.sign_in(&app, &orgs.ada_link(&app).await).await;
    b.wait_for_text("#sharing", "My mobile number").await;
    b.open(&app, "/contacts").await;
    b.wait_for_text("#contacts", "Bob Müller").await;
    b.wait_for_text("#contacts a.mobile", "+4915112345678")
        .await;
    b.click("#contacts .edit-book").await;
    b.click("#contacts input[name=tag]").await;
    b.retype("#contacts input[name=remark]", "Bob (Hamburg)")
        .await;
    b.type_into(
        "#contacts textarea[name=note]",
        "Met at CeMAT; prefers e-mail",
    )
    .await;
    b.click("#contacts form.book button[type=submit]").await;
    b.wait_for_text("#contacts", "Shown to you as Bob (Hamburg)")
        .await;
    b.wait_for_text("#contacts .badge.tag", "Logistics").await;
    b.screenshots("contact-tagged").await;

    // The .vcf the button saves: captured as the page hands it to the browser.
    b.eval(
        "window.__saved = []; const made = URL.createObjectURL; \
         URL.createObjectURL = (blob) => { window.__saved.push(blob); return made(blob); }; return true;",
    )
    .await;
    b.click("#contacts .save-vcf").await;
    b.wait_until(|b| async move { b.eval("return window.__saved.length;").await == json!(1) })
        .await;
    let vcf = b.eval("return window.__saved[0].text();").await;
    let vcf = vcf.as_str().expect("vCard text");
    assert!(vcf.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{vcf}");
    assert!(vcf.contains("FN:Bob Müller\r\n"), "{vcf}");
    assert!(vcf.contains("ORG:Nordlicht Logistik"), "{vcf}");
    assert!(vcf.contains("Met at CeMAT\\; prefers e-mail"), "{vcf}");
    assert!(
        vcf.contains("TEL;VALUE=uri;TYPE=cell:tel:+4915112345678\r\n"),
        "{vcf}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_scim_token_an_identity_provider_uses_and_revokes_it() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let admin_link = app
        .admin_signin_link(&orgs.admin_a, orgs.a)
        .await
        .expect(201);
    b.sign_in(&app, admin_link["url"].as_str().unwrap()).await;
    b.open(&app, "/admin/policy").await;
    b.wait_for_text("#scim-tokens", "No SCIM tokens").await;
    b.type_into("#scim-label", "Entra ID").await;
    b.click("#scim-new button[type=submit]").await;
    b.wait_for_text("#scim-tokens", "Entra ID").await;
    let shown = b
        .eval("return [...document.querySelectorAll('.copy-row input')].map(i => i.value);")
        .await;
    let shown: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let base = shown
        .iter()
        .find(|v| v.ends_with("/scim/v2"))
        .expect("the SCIM base URL");
    assert!(base.starts_with("https://nc.example.com"), "{base}");
    let secret = shown
        .iter()
        .find(|v| v.starts_with("nc_"))
        .expect("the token, shown once")
        .to_string();
    // What the page handed over works as an identity provider would use it.
    let users = app
        .send(reqwest::Method::GET, "/scim/v2/Users", Some(&secret), None)
        .await;
    assert_eq!(users.status, 200, "{}", users.json);
    assert_eq!(users.json["totalResults"], 1, "Ada is provisioned already");

    b.eval(
        "const li = [...document.querySelectorAll('#scim-tokens li')].find(li => li.textContent.includes('Entra ID'));\
         li.querySelector('button.danger').click(); li.querySelector('button.danger').click(); return true;",
    )
    .await;
    b.wait_for_text("#scim-tokens", "No SCIM tokens").await;
    let refused = app
        .send(reqwest::Method::GET, "/scim/v2/Users", Some(&secret), None)
        .await;
    assert_eq!(refused.status, 401);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_turns_e_mail_notices_off_on_their_card_page() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    app.send(
        reqwest::Method::PATCH,
        &format!("/v1/orgs/{}/members/{}", orgs.a, orgs.ada),
        Some(&orgs.admin_a),
        Some(json!({"email": "ada@acme.example"})),
    )
    .await
    .expect(200);
    let ada = member_token(&app, &orgs.admin_a, orgs.a, orgs.ada).await;
    assert_eq!(
        app.get("/v1/me", Some(&ada)).await.expect(200)["email_notices"],
        true
    );

    b.sign_in(&app, &orgs.ada_link(&app).await).await;
    b.wait_for_text("#sharing", "Sent to: ada@acme.example")
        .await;
    b.click("#sharing input[name=email_notices]").await;
    b.wait_for_text("#sharing", "Turned off.").await;
    assert_eq!(
        app.get("/v1/me", Some(&ada)).await.expect(200)["email_notices"],
        false,
        "the choice is saved"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_page_reads_a_card_live_from_the_camera() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let png = app
        .get(
            &format!("/v1/orgs/{}/members/{}/card/printable", orgs.b, orgs.bob),
            Some(&orgs.admin_b),
        )
        .await;
    assert_eq!(png.status, 200);
    let Some((b, _video)) = browser_filming(&png.bytes).await else {
        return;
    };

    b.sign_in(&app, &orgs.ada_link(&app).await).await;
    b.open(&app, "/scan").await;
    b.click("#scan-camera").await;
    b.wait_for_text("#scan-owner", "Bob Müller").await;
    b.wait_for_text("#scan-result", "Verified namecard").await;
    let status = b.wait_for_text("#scan-camera-status", "Read a card").await;
    assert!(!status.contains("error"), "{status}");
    b.screenshots("scan-live").await;
    b.click("#send-request").await;
    b.wait_for_text("#send-outcome", "Request sent").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_in_through_the_organizations_identity_provider() {
    sign_in_through_the_identity_provider(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_in_through_the_organizations_identity_provider_on_postgres() {
    sign_in_through_the_identity_provider(Backend::Postgres).await;
}

/// The sign-in page finds Acme's provider by the member's work e-mail; Chromium goes through the
/// real provider's login form and comes back signed in, on its card page. Cancelling at the
/// provider shows the error page with its code.
async fn sign_in_through_the_identity_provider(backend: Backend) {
    use crate::common::oidc::{acme, app_at_its_own_url, real_provider};
    let Some(app) = app_at_its_own_url(backend).await else {
        return;
    };
    let Some(idp) = real_provider(&app, None) else {
        return;
    };
    let Some(b) = browser(&[]).await else { return };
    let (org, admin) = acme(&app).await;
    app.send(
        reqwest::Method::PUT,
        &format!("/v1/orgs/{org}/oidc"),
        Some(&admin),
        Some(json!({"issuer": idp.issuer, "client_id": "namecard",
                    "client_secret": "namecard-test-secret", "label": "Acme Test IdP"})),
    )
    .await
    .expect(200);

    b.open(&app, "/signin").await;
    b.type_into("#sso-domain", "ada@acme.example").await;
    b.click("#sso button[type=submit]").await;
    b.wait_for_text("#sso-start", "Sign in with Acme Test IdP")
        .await;
    b.screenshots("sign-in-sso").await;
    b.click("#sso-start").await;
    b.wait_for("#login").await;
    b.type_into("#login", "ada").await;
    b.click("#submit").await;
    b.wait_for("#sign-out").await;
    b.wait_for_text("#who", "Ada Lovelace").await;
    b.wait_for("#my-qr").await;

    b.sign_out().await;
    // The provider remembers Ada's sign-in in its own cookies (same host, another port): forget it.
    b.client.delete_all_cookies().await.expect("cookies");
    b.open(&app, "/signin?domain=acme.example").await;
    b.click("#sso-start").await;
    b.wait_for("#cancel").await;
    b.click("#cancel").await;
    b.wait_for("main[data-code=oidc_provider_error]").await;
    b.wait_for_text("main", "refused the sign-in").await;
    b.screenshots("sign-in-sso-failed").await;

    // An account that matches no member, and one whose member left: each its own page, and
    // the callback opened again (a replayed state) its own too; nobody is signed in.
    for (login, code) in [
        ("eve", "oidc_unknown_member"),
        ("bob", "oidc_member_inactive"),
    ] {
        b.client.delete_all_cookies().await.expect("cookies");
        b.open(&app, "/signin?domain=acme.example").await;
        b.click("#sso-start").await;
        b.wait_for("#login").await;
        b.type_into("#login", login).await;
        b.click("#submit").await;
        b.wait_for(&format!("main[data-code={code}]")).await;
        let callback = b.client.current_url().await.expect("url");
        assert!(
            callback.path().ends_with("/auth/oidc/callback"),
            "{callback}"
        );
        b.client.goto(callback.as_str()).await.expect("reload");
        b.wait_for("main[data-code=oidc_unknown_state]").await;
        let cookies = b.client.get_all_cookies().await.expect("cookies");
        assert!(
            !cookies.iter().any(|c| c.name() == "nc_session"),
            "{login} signed in"
        );
    }
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_a_team_code_whose_poster_a_partner_scans_and_its_chart_counts_it() {
    let Some(b) = browser(&[]).await else { return };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let orgs = two_partner_organizations(&app).await;
    let grace = member(
        &app,
        &orgs.admin_a,
        orgs.a,
        "Grace Hopper",
        "A-2",
        "Rear Admiral",
    )
    .await;
    let admin_in = async || {
        let link = app
            .admin_signin_link(&orgs.admin_a, orgs.a)
            .await
            .expect(201);
        b.sign_in(&app, link["url"].as_str().unwrap()).await;
        b.open(&app, "/admin/contact-ways").await;
    };
    admin_in().await;
    b.wait_for_text("#ways", "No team codes yet").await;

    // A team code answered by Ada and Grace, picked from the directory in that order.
    b.type_into("#w-name", "Sales team").await;
    b.type_into("#w-channel", "fair-2026").await;
    // Nobody chosen yet: the API's refusal shows as every page shows a problem.
    b.click_centered("#w-create").await;
    b.wait_for_text("#add-way .notice.bad", "That did not work")
        .await;
    for id in [orgs.ada, grace] {
        b.click_centered(&format!(
            "#way-directory li.member[data-id='{id}'] button.add-answerer"
        ))
        .await;
    }
    b.wait_for_text("#way-chosen", "Grace Hopper").await;
    b.type_into(
        "#w-welcome",
        "Hello {requester}, {member} will look after you.",
    )
    .await;
    b.click_centered("#w-create").await;
    b.wait_for_text("#add-way", "Sales team was created").await;
    let listed = b
        .wait_for_text("#ways", "Answered by Ada Lovelace, Grace Hopper")
        .await;
    for fact in [
        "Sales team",
        "fair-2026",
        "Live",
        "Round robin",
        "Approval",
        "Made by",
    ] {
        assert!(listed.contains(fact), "{fact}: {listed}");
    }
    let way = b
        .eval("return document.querySelector('#ways li.way').dataset.id;")
        .await;
    let way: i64 = way.as_str().expect("way id").parse().expect("a number");
    let row = format!("#ways li.way[data-id='{way}']");

    // Its QR, its poster (shown, and a PNG behind the download) and its plain link.
    b.click_centered(&format!("{row} button.codes")).await;
    b.wait_for(&format!("{row} .way-poster")).await;
    let css = format!("{row} img");
    b.wait_until(|b| {
        let css = css.clone();
        async move { b.images_loaded(&css).await }
    })
    .await;
    let poster = b
        .eval(&format!(
            "const a = document.querySelector(\"{row} a.poster\");\
             return fetch(a.href).then(async (r) => [r.status, r.headers.get('content-type'),\
               [...new Uint8Array(await r.arrayBuffer()).slice(0, 4)], a.getAttribute('download')]);"
        ))
        .await;
    assert_eq!(poster[0], json!(200), "{poster}");
    assert_eq!(poster[1], json!("image/png"), "{poster}");
    assert_eq!(poster[2], json!([0x89, 0x50, 0x4e, 0x47]), "{poster}");
    assert!(poster[3].as_str().unwrap().ends_with(".png"), "{poster}");
    let link = b.wait_for(&format!("{row} a.way-url")).await;
    let url = link.attr("href").await.unwrap().expect("a link");
    let text = link.text().await.unwrap();
    assert_eq!(url, text);
    assert!(url.starts_with("HTTPS://NC.EXAMPLE.COM/C/"), "{url}");
    b.assert_no_alert().await;
    b.screenshots("admin-contact-ways").await;

    // The chart of a code nobody scanned yet.
    b.click_centered(&format!("{row} button.chart")).await;
    b.wait_for_text(&format!("{row} #way-funnel"), "Requests 0")
        .await;
    b.sign_out().await;

    // Bob, at the partner organization, photographs the printed poster.
    let poster = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{way}/poster.png", orgs.a),
            Some(&orgs.admin_a),
        )
        .await;
    assert_eq!(poster.status, 200);
    let photos = tempfile::tempdir().expect("tempdir");
    let photo = photo_of_png(&poster.bytes, &photos.path().join("poster.jpg"));
    b.sign_in(&app, &orgs.bob_link(&app).await).await;
    b.choose_photo(&app, &photo).await;
    b.wait_for_text("#scan-result", "Verified team code").await;
    let told = b.wait_for_text("#scan-way", "will answer you").await;
    assert!(told.contains("Team code: Sales team"), "{told}");
    assert!(told.contains("of Acme Robotics (Sales team)"), "{told}");
    b.click("#send-request").await;
    let sent = b.wait_for_text("#send-outcome", "Request sent").await;
    assert!(
        sent.contains("will see your request in their inbox"),
        "{sent}"
    );
    b.screenshots("scan-team-code").await;

    // The plain link opens the team card in a browser: Bob's request is waiting.
    let body = url.rsplit("/C/").next().unwrap();
    b.open(&app, &format!("/C/{body}")).await;
    b.wait_for_text("#scan-owner", "Sales team").await;
    b.wait_for_text("#card-check", "Already requested").await;
    b.sign_out().await;

    // The chart counts the request, exactly as the stats API does.
    admin_in().await;
    b.click_centered(&format!("{row} button.chart")).await;
    let funnel = b
        .wait_for_text(&format!("{row} #way-funnel"), "Requests 1")
        .await;
    assert!(funnel.contains("1 pending"), "{funnel}");
    assert!(funnel.contains("Accepted 0"), "{funnel}");
    // One scan sent it; the previews (the photo's, the link's) are not scans.
    assert!(funnel.contains("Scans 1"), "{funnel}");
    let stats = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{way}/stats", orgs.a),
            Some(&orgs.admin_a),
        )
        .await;
    let stats = stats.json;
    assert_eq!(stats["total"]["requests"], json!(1), "{stats}");
    assert_eq!(stats["scans"]["scans"], json!(1), "{stats}");
    assert_eq!(stats["scans"]["requested"], json!(1), "{stats}");
    let answerer = stats["members"][0]["member_id"].as_i64().expect("a member");
    let member_row = b
        .wait_for_text(
            &format!("{row} table.way-members-stats tr[data-member='{answerer}']"),
            "1",
        )
        .await;
    let name = if answerer == orgs.ada {
        "Ada Lovelace"
    } else {
        "Grace Hopper"
    };
    assert!(member_row.contains(name), "{member_row}");
    // Thirty days, today's column one request high, none accepted.
    let days = b
        .eval(&format!(
            "const days = [...document.querySelectorAll(\"{row} svg.bar-chart g.day\")];\
             const last = days[days.length - 1];\
             return [days.length, last.querySelector('rect.requests').dataset.value,\
               last.querySelector('rect.accepted').dataset.value];"
        ))
        .await;
    assert_eq!(days, json!([30, "1", "0"]));
    b.assert_no_alert().await;
    b.screenshots("admin-contact-way-chart").await;

    // Edited from the list: the form holds the way as it is; a new name, the welcome cleared,
    // Grace taken off; what was not touched stays.
    b.click_centered(&format!("{row} button.edit")).await;
    let form = format!("#edit-way-{way}");
    let name = b.wait_for(&format!("{form} input[name=name]")).await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Sales team")
    );
    let welcome = b.wait_for(&format!("{form} textarea[name=welcome]")).await;
    assert_eq!(
        welcome.prop("value").await.unwrap().as_deref(),
        Some("Hello {requester}, {member} will look after you.")
    );
    b.wait_for_text(&format!("#we{way}-chosen"), "Grace Hopper")
        .await;
    b.retype(&format!("#we{way}-name"), "Sales team, booth 3A")
        .await;
    b.wait_for(&format!("#we{way}-welcome"))
        .await
        .clear()
        .await
        .expect("clearing");
    b.click_centered(&format!("#we{way}-chosen li[data-id='{grace}'] button"))
        .await;
    b.click_centered(&format!("#we{way}-save")).await;
    b.wait_for_text(&format!("{row} .way-name"), "Sales team, booth 3A")
        .await;
    b.wait_for_text(&format!("{row} .answerers"), "Answered by Ada Lovelace")
        .await;
    let edited = app
        .get(
            &format!("/v1/orgs/{}/contact-ways/{way}", orgs.a),
            Some(&orgs.admin_a),
        )
        .await
        .json;
    assert_eq!(edited["name"], "Sales team, booth 3A", "{edited}");
    assert_eq!(edited["welcome"], Value::Null, "{edited}");
    assert_eq!(edited["channel"], "fair-2026", "{edited}");
    assert_eq!(
        edited["members"].as_array().map(Vec::len),
        Some(1),
        "{edited}"
    );
    assert_eq!(edited["sharing"], "round_robin", "{edited}");
    b.assert_no_alert().await;

    // Paused from the list, resumed, then deleted after a confirmation.
    b.click_centered(&format!("{row} button.pause")).await;
    b.wait_for_text(&format!("{row} .badge.state"), "Paused")
        .await;
    b.wait_for_text(&format!("{row} button.pause"), "Resume")
        .await;
    b.click_centered(&format!("{row} button.pause")).await;
    b.wait_for_text(&format!("{row} .badge.state"), "Live")
        .await;
    b.click_centered(&format!("{row} button.danger")).await;
    b.wait_for_text(&format!("{row} button.danger"), "Yes, delete")
        .await;
    b.click_centered(&format!("{row} button.danger")).await;
    b.wait_for_text("#ways", "No team codes yet").await;
    b.close().await;
}

/// Each page of the app, who sees it, and its heading in English, Simplified and Traditional
/// Chinese (the catalogues' words, written out here so the test does not read them back).
const HEADINGS: [(&str, Seen, [&str; 3]); 14] = [
    ("/signin", Seen::Anyone, ["Sign in", "登录", "登入"]),
    ("/", Seen::Anyone, ["Sign in", "登录", "登入"]),
    ("/card", Seen::Member, ["My card", "我的名片", "我的名片"]),
    (
        "/scan",
        Seen::Member,
        ["Scan a card", "扫描名片", "掃描名片"],
    ),
    ("/inbox", Seen::Member, ["Inbox", "消息", "收件匣"]),
    (
        "/contacts",
        Seen::Member,
        ["External contacts", "外部联系人", "外部聯絡人"],
    ),
    (
        "/directory",
        Seen::Member,
        ["Directory", "通讯录", "通訊錄"],
    ),
    ("/admin", Seen::Admin, ["Members", "成员", "成員"]),
    (
        "/admin/departments",
        Seen::Admin,
        ["Departments", "部门", "部門"],
    ),
    (
        "/admin/contact-ways",
        Seen::Admin,
        ["Team codes", "团队码", "團隊碼"],
    ),
    (
        "/admin/contacts",
        Seen::Admin,
        ["Contacts", "联系人", "聯絡人"],
    ),
    (
        "/admin/policy",
        Seen::Admin,
        ["Policy and partners", "策略与合作组织", "政策與合作組織"],
    ),
    (
        "/admin/cards",
        Seen::Admin,
        ["Printable cards", "可打印名片", "可列印名片"],
    ),
    (
        "/admin/audit",
        Seen::Admin,
        ["Audit log", "审计日志", "稽核紀錄"],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Anyone,
    Member,
    Admin,
}

/// How the browser comes to read a language.
enum Choice {
    /// The browser's own language (`Accept-Language`).
    Browser(&'static str),
    /// The language switch on the first page, remembered for every page after it.
    Switch(&'static str),
}

impl Browser {
    /// Saves the phone-sized page as `docs/screenshots/{name}-phone.png`.
    async fn phone_screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        self.viewport(PHONE).await;
        self.eval("window.scrollTo(0, 0); return true;").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}-phone.png")), png).expect("write screenshot");
    }

    /// Asserts the page is written in `locale`: `<html lang>`, the heading, no message id shown
    /// in place of words, and (on a Chinese page) none of the English catalogue's sentences.
    async fn assert_reads_in(
        &self,
        path: &str,
        locale: &str,
        heading: &str,
        keys: &Value,
        english: &Value,
    ) {
        let lang = self.eval("return document.documentElement.lang;").await;
        assert_eq!(lang, json!(locale), "{path}: <html lang>");
        let shown = self.wait_for_text("main h1", heading).await;
        assert_eq!(shown.trim(), heading, "{path}: its heading");
        let leaks = self
            .client
            .execute(
                "const keys = new Set(arguments[0]); const english = arguments[1];
                 const found = [];
                 const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                 for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                   if (keys.has(n.textContent.trim())) found.push(n.textContent.trim());
                 }
                 for (const el of document.querySelectorAll('[placeholder], [aria-label], [alt], [title]')) {
                   for (const a of ['placeholder', 'aria-label', 'alt', 'title']) {
                     if (keys.has(el.getAttribute(a))) found.push(el.getAttribute(a));
                   }
                 }
                 const text = document.body.innerText;
                 for (const sentence of english) if (text.includes(sentence)) found.push(sentence);
                 return found;",
                vec![keys.clone(), english.clone()],
            )
            .await
            .expect("the check runs");
        assert_eq!(
            leaks,
            json!([]),
            "{path} in {locale}: message ids or English words"
        );
    }
}

/// Visits every page in `PAGES` (and a card's page) signed out, as a member and as an admin,
/// in the language `choice` leads to, and saves each as `<page>-<locale>-phone.png`.
async fn every_page_reads_in(choice: Choice) {
    let (locale, extra) = match choice {
        Choice::Browser(l) => (l, vec![format!("--lang={l}"), format!("--accept-lang={l}")]),
        Choice::Switch(l) => (l, Vec::new()),
    };
    let Some(b) = browser(&extra).await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let column = ["en", "zh-CN", "zh-TW"]
        .iter()
        .position(|l| *l == locale)
        .expect("a locale");
    let (org_name, person, title, department) = [
        (
            "Acme Robotics",
            "Ada Lovelace",
            "Chief Engineer",
            "Research",
        ),
        ("深圳前海科技有限公司", "张伟明", "高级工程师", "研发部"),
        (
            "臺灣積體電路製造股份有限公司",
            "王喆 陳昇",
            "資深工程師",
            "研發處",
        ),
    ][column];
    // The organization prints its cards in the readers' language too (its footer, its forms).
    let card_lang = ["en", "zh-Hans", "zh-Hant-TW"][column];
    let created = app.post(
        "/v1/orgs",
        Some(&app.operator),
        json!({ "name": org_name, "lang": card_lang }),
    );
    let org = created.await.expect(201)["id"].as_i64().unwrap();
    let admin = app
        .create_token(&app.operator, org, json!({ "role": "admin" }))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ada = member(&app, &admin, org, person, "E-1", title).await;
    app.post(
        &format!("/v1/orgs/{org}/departments"),
        Some(&admin),
        json!({ "name": department }),
    )
    .await
    .expect(201);
    app.post(
        &format!("/v1/orgs/{org}/contact-ways"),
        Some(&admin),
        json!({ "name": department, "members": [ada], "sharing": "round_robin" }),
    )
    .await
    .expect(201);
    let catalogue = |l: &str| {
        let app = &app;
        let path = format!("/assets/locales/{l}.json");
        async move { app.get(&path, None).await.expect(200)["messages"].clone() }
    };
    let ours = catalogue(locale).await;
    let english_messages = catalogue("en").await;
    let keys: Vec<&String> = english_messages.as_object().unwrap().keys().collect();
    let keys = json!(keys);
    // English sentences (plain text, two words or more) that this locale words otherwise.
    let english: Vec<&str> = if locale == "en" {
        Vec::new()
    } else {
        english_messages
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| Some((v.as_str()?, ours[k].as_str()?)))
            .filter(|(en, theirs)| en.contains(' ') && en.len() >= 8 && en != theirs)
            .map(|(en, _)| en)
            .collect()
    };
    let english = json!(english);
    let name = |path: &str| match path {
        "/" => "home-signed-out".to_owned(),
        p => p.trim_start_matches('/').replace('/', "-"),
    };

    // Signed out: the sign-in page (where the switch is used, when it is).
    b.open(&app, "/signin").await;
    if let Choice::Switch(l) = choice {
        // The switch reloads the page at once: the script's answer may be lost with it.
        let _ = b
            .client
            .execute(
                &format!(
                    "const s = document.querySelector('#locale-switch'); s.value = '{l}'; \
             s.dispatchEvent(new Event('change')); return true;"
                ),
                Vec::new(),
            )
            .await;
        // The page reloads: a script may find no document for a moment.
        b.wait_until(|b| async move {
            let lang = b
                .client
                .execute("return document.documentElement.lang;", Vec::new())
                .await;
            lang.ok() == Some(json!(l))
        })
        .await;
        b.wait_for("body[data-ready]").await;
    }
    for (path, seen, headings) in HEADINGS.iter().filter(|h| h.1 == Seen::Anyone) {
        b.open(&app, path).await;
        b.assert_reads_in(path, locale, headings[column], &keys, &english)
            .await;
        assert_eq!(*seen, Seen::Anyone);
        b.phone_screenshot(&format!("{}-{locale}", name(path)))
            .await;
    }

    // A member's pages, and the page a card's QR code opens.
    b.sign_in(&app, &link(&app, &admin, org, ada).await).await;
    for (path, _, headings) in HEADINGS.iter().filter(|h| h.1 == Seen::Member) {
        b.open(&app, path).await;
        b.assert_reads_in(path, locale, headings[column], &keys, &english)
            .await;
        if *path == "/card" {
            // The card's date, as the reader's locale writes dates.
            b.wait_for("#my-qr").await;
            let until = ["Valid until", "有效期至", "有效期限至"][column];
            let valid = b.wait_for_text("main", until).await;
            if locale != "en" {
                assert!(valid.contains('年') && valid.contains('日'), "{valid}");
            }
            b.wait_until(|b| b.images_loaded("#my-qr, #my-printable"))
                .await;
        }
        b.phone_screenshot(&format!("{}-{locale}", name(path)))
            .await;
    }
    let card = b
        .eval("return fetch('/v1/me/card').then(r => r.json()).then(c => c.text);")
        .await;
    let body = card
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    b.open(&app, &format!("/C/{body}")).await;
    let card_heading = ["Namecard", "名片", "名片"][column];
    b.assert_reads_in("/C/...", locale, card_heading, &keys, &english)
        .await;
    b.wait_for_text("#card-check", person).await;
    b.phone_screenshot(&format!("card-link-{locale}")).await;
    b.sign_out().await;

    // An admin's pages.
    let admin_link = app.admin_signin_link(&app.operator, org).await.expect(201);
    b.sign_in(&app, admin_link["url"].as_str().unwrap()).await;
    for (path, _, headings) in HEADINGS.iter().filter(|h| h.1 == Seen::Admin) {
        b.open(&app, path).await;
        b.assert_reads_in(path, locale, headings[column], &keys, &english)
            .await;
        match *path {
            "/admin" => drop(b.wait_for_text("#members", person).await),
            "/admin/departments" => drop(b.wait_for_text("#departments", department).await),
            "/admin/contact-ways" => drop(b.wait_for_text("#ways", department).await),
            "/admin/policy" => drop(b.wait_for("#org-lang").await),
            "/admin/audit" => drop(b.wait_for("#audit td").await),
            _ => {}
        }
        b.assert_reads_in(path, locale, headings[column], &keys, &english)
            .await;
        b.phone_screenshot(&format!("{}-{locale}", name(path)))
            .await;
    }
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_reads_in_english() {
    every_page_reads_in(Choice::Browser("en")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_reads_in_simplified_chinese_once_the_switch_chooses_it() {
    every_page_reads_in(Choice::Switch("zh-CN")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_reads_in_traditional_chinese_for_a_browser_in_taiwan() {
    every_page_reads_in(Choice::Browser("zh-TW")).await;
}
