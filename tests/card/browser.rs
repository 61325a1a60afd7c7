//! The in-browser verifier (`/verify`, `assets/web/verify-core.js`) in headless Chromium against
//! the real server: it gives every published vector's expected answer and agrees with
//! `namecard verify --json` on each; it scans a card live from a (fake) camera; after one online
//! visit it verifies with the server stopped and the network cut; and it shows tampered,
//! expired, revoked (with the successor) and stale-list cards each with their answer.
//! Screenshots go to `docs/screenshots/verify-*.png`.
//!
//! Skipped, with the reason printed, when `/usr/bin/chromium` or `chromedriver` is missing.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use fantoccini::Locator;
use serde_json::{Value, json};

use super::common::browser::{Browser, CHROMIUM, browser, browser_filming, chromedriver};
use super::common::{Backend, TestApp, spawn_app};
use super::support::{fixture, fixture_path, vectors, without_detail};

const PATIENCE: Duration = Duration::from_secs(30);

impl Browser {
    async fn open_verify(&self, base: &str) {
        self.client
            .goto(&format!("{base}/verify"))
            .await
            .expect("navigate");
        self.wait_for("body[data-ready]").await;
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.wait_for_within(css, PATIENCE).await
    }

    async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    async fn eval_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    async fn text_of(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap_or_default()
    }

    /// Pastes a card text and waits for the verdict it produces (`data-result` / `data-reason`).
    async fn verify_text(&self, text: &str) -> (String, String) {
        self.eval(
            "document.getElementById('verdict').dataset.result = ''; \
             document.getElementById('text').value = arguments[0]; \
             document.querySelector('#paste button').click();",
            vec![json!(text)],
        )
        .await;
        self.verdict().await
    }

    async fn verdict(&self) -> (String, String) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let v = self
                .eval(
                    "const v = document.getElementById('verdict'); \
                     return [v.dataset.result || '', v.dataset.reason || ''];",
                    vec![],
                )
                .await;
            let result = v[0].as_str().unwrap_or_default().to_owned();
            if !result.is_empty() {
                return (result, v[1].as_str().unwrap_or_default().to_owned());
            }
            assert!(tokio::time::Instant::now() < deadline, "no verdict shown");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        self.eval(
            "const r = document.getElementById('result'); \
             (r.hidden ? document.body : r).scrollIntoView({ block: 'center' });",
            vec![],
        )
        .await;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("verify-{name}.png")), png).expect("write screenshot");
    }

    /// A Chrome DevTools Protocol command through chromedriver.
    async fn cdp(&self, cmd: &str, params: Value) {
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a session id");
        let url = format!(
            "{}/session/{session}/goog/cdp/execute",
            self.driver_url().await
        );
        let res = reqwest::Client::new()
            .post(url)
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .expect("CDP command sent");
        assert!(res.status().is_success(), "CDP {cmd}: {}", res.status());
    }

    async fn driver_url(&self) -> String {
        // The port chromedriver was started on is in its command line.
        let cmdline = std::fs::read_to_string(format!("/proc/{}/cmdline", self.driver.id()))
            .expect("chromedriver's command line");
        let port = cmdline
            .split('\0')
            .find_map(|a| a.strip_prefix("--port="))
            .expect("a --port argument");
        format!("http://127.0.0.1:{port}")
    }
}

/// Runs every vector through verify-core.js in the page and returns its outputs, as JSON text
/// the test parses (integers exact).
const RUN_VECTORS: &str = r#"
const [vectorsText, files, done] = arguments;
(async () => {
  const core = await import('/assets/verify-core.js');
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const text = (s) => new TextEncoder().encode(s);
  const doc = (c) => c.document !== undefined ? text(c.document) : bytes(c.document_base64);
  const v = JSON.parse(vectorsText);
  const keysets = {};
  for (const name of Object.keys(files)) {
    if (name.startsWith('keyset')) keysets[name] = await core.loadKeyset(bytes(files[name]));
  }
  const out = { cards: [], keysets: [], lists: [], updates: [] };
  for (const c of v.cards) {
    const ks = keysets[c.keyset];
    const list = c.revocations ? await core.loadList(bytes(files[c.revocations]), ks, BigInt(c.skew)) : null;
    const o = await core.verifyCard(c.text, ks, list, { now: BigInt(c.now), skew: BigInt(c.skew) });
    out.cards.push(core.toJson(o));
  }
  for (const c of v.keysets) {
    const r = await core.loadKeysetOrError(doc(c));
    out.keysets.push(r.error ? core.toJson(r.error) : '{"result":"ok"}');
  }
  for (const c of v.revocation_lists) {
    const r = await core.loadListOrError(doc(c), keysets[c.keyset], BigInt(c.skew));
    out.lists.push(core.toJson(r.error ? r.error : {
      result: 'ok', number: r.list.number, issued_at: r.list.issued_at, next_update: r.list.next_update,
      entries: r.list.count, successors: r.list.successors, compromised_keys: r.list.compromised_keys,
    }));
  }
  for (const c of v.list_updates) {
    const ks = keysets[c.keyset];
    const held = await core.loadList(text(c.held), ks, BigInt(c.skew));
    const offered = await core.loadList(text(c.offered), ks, BigInt(c.skew));
    const r = core.updateListOrError(held, offered);
    out.updates.push(r.error ? r.error.error : r.result);
  }
  return JSON.stringify(out);
})().then(done, (e) => done('ERROR ' + e + ' ' + e.stack));
"#;

/// What `namecard verify --json` answers for a card vector.
fn cli_output(case: &Value) -> Value {
    let text = case["text"].as_str().unwrap();
    let keys = fixture_path(case["keyset"].as_str().unwrap());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_namecard"));
    cmd.arg("verify")
        .arg("--keys")
        .arg(&keys)
        .arg("--at")
        .arg(case["now"].as_i64().unwrap().to_string())
        .arg("--skew")
        .arg(format!("{}s", case["skew"].as_i64().unwrap()))
        .arg("--json")
        .env_remove("NAMECARD_KEYS")
        .env("RUST_LOG", "warn");
    if let Some(list) = case["revocations"].as_str() {
        cmd.arg("--revocations").arg(fixture_path(list));
    }
    // A NUL cannot be a command-line argument: such a text goes in a file (none ends in a line
    // ending, which a file's text would lose).
    let dir = tempfile::tempdir().unwrap();
    if text.contains('\0') {
        assert!(!text.ends_with('\n'));
        let path = dir.path().join("card.txt");
        std::fs::write(&path, text).unwrap();
        cmd.arg("--").arg(path);
    } else {
        cmd.arg("--").arg(text);
    }
    let out = cmd.output().expect("the CLI runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: {}",
            case["name"],
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_verifier_agrees_with_the_vectors_and_the_cli_on_every_case() {
    let Some(b) = browser(&[]).await else { return };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    b.open_verify(&app.base).await;
    let b64 = |name: &str| json!(base64::engine::general_purpose::STANDARD.encode(fixture(name)));
    let files = json!({
        "keyset.json": b64("keyset.json"),
        "keyset-mixed-order.json": b64("keyset-mixed-order.json"),
        "revocations.json": b64("revocations.json"),
        "revocations-unreadable.json": b64("revocations-unreadable.json"),
    });
    let vectors_text = String::from_utf8(fixture("vectors.json")).unwrap();
    let result = b
        .eval_async(RUN_VECTORS, vec![json!(vectors_text), files])
        .await;
    let result = result.as_str().expect("a string");
    assert!(!result.starts_with("ERROR"), "{result}");
    let got: Value = serde_json::from_str(result).unwrap();
    let v = vectors();
    let mut disagreements = Vec::new();
    for (case, js) in v["cards"]
        .as_array()
        .unwrap()
        .iter()
        .zip(got["cards"].as_array().unwrap())
    {
        let js: Value = serde_json::from_str(js.as_str().unwrap()).unwrap();
        let js = without_detail(js);
        if js != case["expected"] {
            disagreements.push(format!(
                "{}: browser {js} expected {}",
                case["name"], case["expected"]
            ));
        }
        let cli = without_detail(cli_output(case));
        if cli != js {
            disagreements.push(format!("{}: browser {js} CLI {cli}", case["name"]));
        }
    }
    for (kind, key) in [("keysets", "keysets"), ("revocation_lists", "lists")] {
        for (case, js) in v[kind]
            .as_array()
            .unwrap()
            .iter()
            .zip(got[key].as_array().unwrap())
        {
            let mut js: Value = serde_json::from_str(js.as_str().unwrap()).unwrap();
            if let Some(o) = js.as_object_mut() {
                o.remove("detail");
                o.remove("spec");
            }
            if js != case["expected"] {
                disagreements.push(format!(
                    "{}: browser {js} expected {}",
                    case["name"], case["expected"]
                ));
            }
        }
    }
    for (case, js) in v["list_updates"]
        .as_array()
        .unwrap()
        .iter()
        .zip(got["updates"].as_array().unwrap())
    {
        if *js != case["expected"] {
            disagreements.push(format!(
                "{}: browser {js} expected {}",
                case["name"], case["expected"]
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Ada Lovelace of a fresh Acme Robotics with her card: `(card text, printable PNG bytes)`.
async fn member_card(app: &TestApp) -> (String, Vec<u8>) {
    card_of(app, "Acme Robotics", "Ada Lovelace").await
}

/// `person` of a fresh organization `org_name` with their card: `(card text, printable PNG)`.
async fn card_of(app: &TestApp, org_name: &str, person: &str) -> (String, Vec<u8>) {
    let (org, admin) = app.org_with_admin(org_name).await;
    let (_, member) = app.member_with_token(&admin, org, person, "E1").await;
    let card = app
        .post("/v1/me/card", Some(&member), json!({}))
        .await
        .expect(201);
    let png = app.get("/v1/me/card/printable", Some(&member)).await;
    assert_eq!(png.status, 200);
    (card["text"].as_str().unwrap().to_owned(), png.bytes)
}

/// `text` with one character of its signature changed.
fn tampered(text: &str) -> String {
    let mut tampered = text.as_bytes().to_vec();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    String::from_utf8(tampered).expect("card text is ASCII")
}

/// Waits until the page's service worker controls it and has saved its files.
async fn wait_for_offline_copy(b: &Browser) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let ready = b
            .eval_async(
                "const done = arguments[0]; (async () => { \
                   const c = navigator.serviceWorker.controller; \
                   const cache = await caches.open('namecard-verify-v2'); \
                   const files = (await cache.keys()).length; \
                   const docs = (await (await caches.open('namecard-verify-documents')).keys()).length; \
                   return !!c && files >= 10 && docs >= 2; })().then(done, () => done(false));",
                vec![],
            )
            .await;
        if ready == json!(true) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the page was not saved for offline use"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_one_online_visit_the_page_verifies_with_the_server_stopped_and_the_network_cut() {
    let Some(b) = browser(&[]).await else { return };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let (text, _) = member_card(&app).await;
    let base = app.base.clone();
    b.open_verify(&base).await;
    assert!(
        b.text_of("#keys-status")
            .await
            .contains("Keys of https://nc.example.com")
    );
    wait_for_offline_copy(&b).await;
    assert_eq!(b.verify_text(&text).await, ("valid".into(), String::new()));

    drop(app);
    b.cdp("Network.enable", json!({})).await;
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({ "offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
    )
    .await;
    b.open_verify(&base).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while b.text_of("#net").await != "offline" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the page did not notice it is offline"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let keys = b.text_of("#keys-status").await;
    assert!(keys.contains("fetched"), "{keys}");
    assert!(b.text_of("#list-status").await.contains("Revocation list"));
    assert_eq!(b.verify_text(&text).await, ("valid".into(), String::new()));
    assert!(b.text_of("#fields").await.contains("Ada Lovelace"));
    let (result, reason) = b.verify_text(&tampered(&text)).await;
    assert_eq!(result, "invalid");
    assert!(
        ["bad_signature", "malformed"].contains(&reason.as_str()),
        "{reason}"
    );
    b.verify_text(&text).await;
    b.screenshot("offline").await;
}

/// The verifier opened by a browser in `locale` on a card of a Chinese-speaking organization:
/// every word of its answer in that language, the card's own names as signed.
async fn the_verifier_reads_in(locale: &str, org_name: &str, person: &str, words: [&str; 3]) {
    let [keys_of, valid, not_valid] = words;
    let Some(b) = browser(&[
        format!("--lang={locale}"),
        format!("--accept-lang={locale}"),
    ])
    .await
    else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let (text, _) = card_of(&app, org_name, person).await;

    b.open_verify(&app.base).await;
    let lang = b
        .eval("return document.documentElement.lang;", vec![])
        .await;
    let keys = b.text_of("#keys-status").await;
    let (refused, _) = b.verify_text(&tampered(&text)).await;
    let refusal = b.text_of("#verdict").await;
    let verdict = b.verify_text(&text).await;
    let said = b.text_of("#verdict").await;
    let fields = b.text_of("#fields").await;

    assert_eq!(lang, json!(locale));
    assert!(keys.contains(keys_of), "{keys}");
    assert!(!keys.contains("Keys of"), "{keys}");
    assert_eq!(refused, "invalid");
    assert!(refusal.contains(not_valid), "{refusal}");
    assert_eq!(verdict, ("valid".into(), String::new()));
    assert!(said.contains(valid), "{said}");
    assert!(
        fields.contains(person) && fields.contains(org_name),
        "{fields}"
    );
    assert!(
        fields.contains("年") && !fields.contains("Z 至"),
        "the validity span is written as the reader's language writes dates: {fields}"
    );
    b.screenshot(&format!("valid-{locale}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_in_china_reads_the_verifier_in_simplified_chinese() {
    the_verifier_reads_in(
        "zh-CN",
        "深圳前海科技有限公司",
        "张伟明",
        ["的密钥：共", "有效", "无效"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_in_taiwan_reads_the_verifier_in_traditional_chinese() {
    the_verifier_reads_in(
        "zh-TW",
        "臺灣積體電路製造股份有限公司",
        "王喆 陳昇",
        ["的金鑰：共", "有效", "無效"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_scans_a_printed_card_live_from_the_camera() {
    if chromedriver().is_none() || !Path::new(CHROMIUM).is_file() {
        eprintln!("skipping the browser test: Chromium or chromedriver is not installed");
        return;
    }
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let (_, png) = member_card(&app).await;
    let Some((b, _video)) = browser_filming(&png).await else {
        return;
    };
    b.open_verify(&app.base).await;
    b.wait_for("#keys-status").await;
    b.client
        .find(Locator::Css("#camera"))
        .await
        .expect("camera button")
        .click()
        .await
        .expect("click");
    assert_eq!(b.verdict().await, ("valid".into(), String::new()));
    assert!(b.text_of("#fields").await.contains("Ada Lovelace"));
    let status = b.text_of("#camera-status").await;
    assert!(
        status.contains("zxing-wasm") || status.contains("BarcodeDetector"),
        "{status}"
    );
    b.screenshot("live-scan").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_expired_revoked_and_stale_cards_each_show_their_answer() {
    use namecard::card::keystore::Keystore;
    use namecard::card::{CardRequest, Issuer, Successor, issue_card, unix_now};
    let Some(b) = browser(&[]).await else { return };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    // An offline issuer's files, as `namecard keygen` / `issue` / `revoke` write them.
    let now = unix_now();
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::parse("https://cards.acme.example").unwrap();
    let mut store =
        Keystore::create(&dir.path().join("keys"), issuer.clone(), now - 60 * 86_400).unwrap();
    let key = store.signer().unwrap();
    let request = |name: &str, member_id: u64, expires_at: i64| CardRequest {
        org_id: 1,
        org_name: "Acme Robotics".into(),
        member_id,
        member_name: name.into(),
        title: Some("Sales".into()),
        not_before: None,
        expires_at,
        one_time: false,
        channel: Some("expo-2026".into()),
    };
    let valid = issue_card(
        &issuer,
        &key,
        &request("Ada Lovelace", 1, now + 30 * 86_400),
        now - 60,
    )
    .unwrap();
    let expired = issue_card(
        &issuer,
        &key,
        &request("Ada Lovelace", 1, now - 10 * 86_400),
        now - 40 * 86_400,
    )
    .unwrap();
    let leaver = issue_card(
        &issuer,
        &key,
        &request("Bob Li", 2, now + 30 * 86_400),
        now - 60,
    )
    .unwrap();
    store.record_issued(&leaver).unwrap();
    store.set_list_lifetime(86_400).unwrap();
    store.refresh(now - 2 * 86_400).unwrap();
    let stale = dir.path().join("stale-revocations.json");
    std::fs::copy(store.signed_revocations_path(), &stale).unwrap();
    store
        .depart_member(
            1,
            2,
            now,
            Some(Successor {
                name: "Alice Wang".into(),
                title: Some("Sales Director".into()),
            }),
            now,
        )
        .unwrap();
    let fresh = store.signed_revocations_path();
    let keyset = store.keyset_path();
    let mut tampered =
        namecard::card::format::decode_text(&valid.text[issuer.card_prefix().len()..]).unwrap();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let tampered = format!(
        "{}{}",
        issuer.card_prefix(),
        namecard::card::format::encode_text(&tampered)
    );

    b.open_verify(&app.base).await;
    let import = |paths: Vec<&Path>| {
        let list = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        let b = &b;
        async move {
            b.eval("document.getElementById('import').hidden = false;", vec![])
                .await;
            let input = b.wait_for("#import").await;
            input.send_keys(&list).await.expect("choose files");
        }
    };
    import(vec![&keyset, &stale]).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !b
        .text_of("#keys-status")
        .await
        .contains("cards.acme.example")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the files were not taken"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        b.verify_text(&valid.text).await,
        ("stale".into(), String::new())
    );
    assert!(b.text_of("#list-status").await.contains("overdue"));
    b.screenshot("stale").await;

    import(vec![&fresh]).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while b.text_of("#list-status").await.contains("overdue") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new list was not taken"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        b.verify_text(&valid.text).await,
        ("valid".into(), String::new())
    );
    b.screenshot("valid").await;
    assert_eq!(
        b.verify_text(&tampered).await,
        ("invalid".into(), "bad_signature".into())
    );
    b.screenshot("tampered").await;
    assert_eq!(
        b.verify_text(&expired.text).await,
        ("invalid".into(), "expired".into())
    );
    b.screenshot("expired").await;
    assert_eq!(
        b.verify_text(&leaver.text).await,
        ("invalid".into(), "revoked".into())
    );
    let said = b.text_of("#verdict-detail").await;
    assert!(said.contains("Bob Li left Acme Robotics on"), "{said}");
    assert!(
        said.contains("contact Alice Wang (Sales Director) now"),
        "{said}"
    );
    b.screenshot("revoked").await;

    // The older list offered again is refused; the newer one stays.
    import(vec![&stale]).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !b.text_of("#doc-problem").await.contains("older_list") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the older list was not refused"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        b.verify_text(&leaver.text).await,
        ("invalid".into(), "revoked".into())
    );
    // Hostile card text is shown as text: the page's fields never become markup.
    assert_eq!(
        b.eval(
            "return document.querySelectorAll('#fields script, #fields img').length;",
            vec![]
        )
        .await,
        json!(0)
    );
}
