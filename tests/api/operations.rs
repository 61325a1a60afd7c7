//! Operations: the OpenAPI document against the routes actually served, the `/metrics` token,
//! and log lines (text and JSON) that carry the request id.

use crate::common::{Backend, spawn_app, spawn_app_with};
use namecard::config::RawSettings;
use reqwest::Method;
use serde_json::Value;
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Every route the service serves, as `METHOD path` in OpenAPI's template syntax. The document
/// must list each (it may list more: routes added later are checked by the served-answer loop).
const ROUTES: &[&str] = &[
    "DELETE /v1/keys/{kid}",
    "DELETE /v1/me/cards/{card}",
    "DELETE /v1/orgs/{org}/partners/{partner}",
    "DELETE /v1/orgs/{org}/signin-links/{link}",
    "DELETE /v1/orgs/{org}/tokens/{token}",
    "GET /.well-known/namecard-keys.json",
    "GET /.well-known/namecard-revocations.json",
    "GET /healthz",
    "GET /metrics",
    "GET /openapi.json",
    "GET /v1/audit",
    "GET /v1/keys",
    "GET /v1/me",
    "GET /v1/me/card",
    "GET /v1/me/card/{format}",
    "GET /v1/me/cards",
    "GET /v1/orgs",
    "GET /v1/orgs/{org}",
    "GET /v1/orgs/{org}/audit",
    "GET /v1/orgs/{org}/directory",
    "GET /v1/orgs/{org}/members/{member}",
    "GET /v1/orgs/{org}/members/{member}/card/{format}",
    "GET /v1/orgs/{org}/partners",
    "GET /v1/orgs/{org}/signin-links",
    "GET /v1/orgs/{org}/tokens",
    "PATCH /v1/me",
    "PATCH /v1/orgs/{org}",
    "PATCH /v1/orgs/{org}/members/{member}",
    "POST /v1/keys/rotate",
    "POST /v1/keys/{kid}/retire",
    "POST /v1/me/card",
    "POST /v1/me/cards",
    "POST /v1/orgs",
    "POST /v1/orgs/{org}/cards/bulk",
    "POST /v1/orgs/{org}/members",
    "POST /v1/orgs/{org}/members/import",
    "POST /v1/orgs/{org}/members/{member}/deactivate",
    "POST /v1/orgs/{org}/tokens",
    "POST /v1/verify",
    "PUT /v1/orgs/{org}/partners/{partner}",
];

fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

/// A concrete path for a template: numbers for ids, `png` for formats, a word for the rest.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|part| match part {
            "{format}" => "png",
            "{org}" | "{member}" => "1",
            p if p.starts_with('{') => "x",
            p => p,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_3_1_and_lists_every_route_the_router_serves() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");

    let doc = app.get("/openapi.json", None).await.expect(200);

    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let listed = documented(&doc);
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        assert!(
            listed.contains(&(method.to_owned(), path.to_owned())),
            "{route} is served but not in /openapi.json"
        );
    }
    for (method, path) in &listed {
        let answer = app
            .send(
                Method::from_bytes(method.as_bytes()).unwrap(),
                &concrete(path),
                None,
                None,
            )
            .await;
        let unrouted = answer.status == 405
            || (answer.status == 404 && answer.json["detail"] == "route not found");
        assert!(
            !unrouted,
            "{method} {path} is documented but not served: {answer:?}"
        );
    }
}

/// `docs/openapi.json`, the API as committed: every change to the API is a visible diff there.
const COMMITTED_OPENAPI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_openapi_document_is_the_committed_one() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let served = app.get("/openapi.json", None).await;
    assert_eq!(served.status, 200);
    let served = String::from_utf8(served.bytes).expect("UTF-8") + "\n";
    // After a deliberate API change, `NAMECARD_WRITE_OPENAPI=1 cargo test` rewrites the file.
    if std::env::var_os("NAMECARD_WRITE_OPENAPI").is_some() {
        std::fs::write(COMMITTED_OPENAPI, &served).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(COMMITTED_OPENAPI).expect("docs/openapi.json");
    assert!(
        served == committed,
        "the served OpenAPI document differs from docs/openapi.json; if the change is meant, \
         run the test with NAMECARD_WRITE_OPENAPI=1 and commit the diff"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_routes_declare_their_content_types() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");

    let doc = app.get("/openapi.json", None).await.expect(200);

    let content = |path: &str, method: &str| {
        let c = &doc["paths"][path][method]["responses"]["200"]["content"];
        let mut types: Vec<String> = c
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        types.sort();
        types
    };
    for path in [
        "/v1/me/card/{format}",
        "/v1/orgs/{org}/members/{member}/card/{format}",
    ] {
        assert_eq!(
            content(path, "get"),
            ["image/png", "image/svg+xml"],
            "{path}: {}",
            doc["paths"][path]
        );
        assert_eq!(
            doc["paths"][path]["get"]["responses"]["200"]["content"]["image/png"]["schema"]["format"],
            "binary",
            "{path}"
        );
    }
    assert_eq!(
        content("/v1/orgs/{org}/cards/bulk", "post"),
        ["application/zip"]
    );
    assert_eq!(content("/v1/verify", "post"), ["application/json"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_open_by_default_and_need_the_token_when_one_is_set() {
    let open = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let token = "scrape-0123456789abcdef";
    let guarded = spawn_app_with(
        Backend::Sqlite,
        RawSettings {
            metrics_token: Some(token.into()),
            ..Default::default()
        },
    )
    .await
    .expect("sqlite app");

    let without = guarded.get("/metrics", None).await;
    let wrong = guarded
        .get("/metrics", Some("scrape-0123456789abcdeX"))
        .await;
    let operator = guarded.get("/metrics", Some(&guarded.operator)).await;
    let right = guarded.get("/metrics", Some(token)).await;

    assert_eq!(open.get("/metrics", None).await.status, 200);
    assert_eq!(
        (without.status.as_u16(), without.problem_code()),
        (401, "missing_token")
    );
    assert_eq!(
        (wrong.status.as_u16(), wrong.problem_code()),
        (401, "invalid_token")
    );
    assert_eq!(
        operator.status, 401,
        "only the metrics token opens /metrics"
    );
    assert_eq!(right.status, 200);
    assert!(String::from_utf8_lossy(&right.bytes).contains("http_requests_total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_method_route_and_status() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    for _ in 0..3 {
        app.post("/v1/verify", None, serde_json::json!({"text": "hello"}))
            .await
            .expect(200);
    }
    app.send(
        Method::from_bytes(b"BREW").unwrap(),
        "/v1/verify",
        None,
        None,
    )
    .await;
    app.get("/no/such/route", None).await;

    let text = String::from_utf8_lossy(&app.get("/metrics", None).await.bytes).into_owned();

    let count = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in {text}"))
    };
    // The recorder is shared by every app in this test process: at least this test's requests.
    assert!(count(r#"http_requests_total{method="POST",route="/v1/verify",status="200"}"#) >= 3.0);
    assert!(count(r#"http_requests_total{method="OTHER",route="/v1/verify",status="405"}"#) >= 1.0);
    assert!(count(r#"http_requests_total{method="GET",route="unmatched",status="404"}"#) >= 1.0);
    assert!(
        count(
            r#"http_request_duration_seconds_count{method="POST",route="/v1/verify",status="200"}"#
        ) >= 3.0
    );
    assert!(count(r#"verifications_total{result="malformed"}"#) >= 3.0);
}

/// The real binary with `--log-format`, its stdout and stderr read line by line on threads.
struct Running {
    child: Child,
    lines: mpsc::Receiver<Line>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A line of output: `log` when it came on stderr (where log lines go), else stdout.
#[derive(Debug)]
struct Line {
    log: bool,
    text: String,
}

fn forward_lines(from: impl std::io::Read + Send + 'static, log: bool, to: mpsc::Sender<Line>) {
    std::thread::spawn(move || {
        for text in std::io::BufReader::new(from).lines() {
            let Ok(text) = text else { break };
            if to.send(Line { log, text }).is_err() {
                break;
            }
        }
    });
}

impl Running {
    fn start(format: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_namecard"))
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", format])
            .args(["--public-url", "https://nc.example.com"])
            .arg("--data-dir")
            .arg(dir.path())
            .env("RUST_LOG", "info,tower_http=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start namecard serve");
        // Start-up lines come on stdout, log lines on stderr: one stream of lines for the test.
        let (send, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        forward_lines(stdout, false, send.clone());
        forward_lines(stderr, true, send);
        Self {
            child,
            lines,
            _dir: dir,
        }
    }

    /// Lines until one satisfies `stop` (included), failing after ten seconds.
    fn lines_until(&self, stop: impl Fn(&str) -> bool) -> Vec<Line> {
        let mut seen = Vec::new();
        loop {
            let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) else {
                let texts: Vec<&str> = seen.iter().map(|l: &Line| l.text.as_str()).collect();
                panic!("no such line; got {texts:#?}");
            };
            let done = stop(&line.text);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
}

async fn get_with_request_id(base: &str, path: &str, id: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("x-request-id", id)
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_the_request_id_in_every_line_of_a_request() {
    let server = Running::start("json");
    let start = server.lines_until(|l| l.contains("namecard listening"));
    let listening: Value = serde_json::from_str(&start.last().unwrap().text).expect("a JSON line");
    let base = format!(
        "http://{}",
        listening["fields"]["address"].as_str().unwrap()
    );

    let answer = get_with_request_id(&base, "/healthz", "ops-json-1").await;
    let lines = server.lines_until(|l| l.contains("finished processing request"));

    assert_eq!(answer.headers()["x-request-id"], "ops-json-1");
    let events: Vec<Value> = start
        .iter()
        .chain(&lines)
        .filter(|l| l.log)
        .map(|l| {
            serde_json::from_str(&l.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", l.text))
        })
        .collect();
    let in_request: Vec<&Value> = events
        .iter()
        .filter(|e| e["span"]["name"] == "request")
        .collect();
    assert!(
        in_request.len() >= 2,
        "request start and finish are logged: {events:#?}"
    );
    for event in in_request {
        assert_eq!(event["span"]["request_id"], "ops-json-1", "{event}");
        assert_eq!(event["span"]["uri"], "/healthz");
        assert!(event["level"].is_string() && event["timestamp"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_name_the_request_id_in_every_line_of_a_request() {
    let server = Running::start("text");
    let start = server.lines_until(|l| l.contains("namecard listening on"));
    let base = start
        .last()
        .unwrap()
        .text
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();

    get_with_request_id(&base, "/healthz", "ops-text-1").await;
    let lines = server.lines_until(|l| l.contains("finished processing request"));

    let in_request: Vec<&str> = lines
        .iter()
        .map(|l| l.text.as_str())
        .filter(|l| l.contains("request{"))
        .collect();
    assert!(in_request.len() >= 2, "{lines:#?}");
    assert!(
        in_request
            .iter()
            .all(|l| l.contains("request_id=ops-text-1")),
        "{in_request:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_a_fresh_uuid_request_id_or_the_one_sent() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");

    let first = app.get("/healthz", None).await;
    let second = app.get("/no/such/route", None).await;
    let sent = get_with_request_id(&app.base, "/healthz", "lb-7f3a").await;

    let id = |a: &crate::common::Answer| a.headers["x-request-id"].to_str().unwrap().to_owned();
    for answer in [&first, &second] {
        let id = id(answer);
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert_eq!(id.as_bytes()[14], b'4', "a version 4 UUID: {id}");
        assert!(
            id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()),
            "{id}"
        );
    }
    assert_ne!(id(&first), id(&second));
    assert_eq!(sent.headers()["x-request-id"], "lb-7f3a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_that_is_unsafe_to_log_is_replaced_by_a_fresh_one() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");

    for sent in [
        "x\" request_id=forged level=ERROR\"".to_owned(),
        "a".repeat(65),
        "évé".to_owned(),
    ] {
        let answer = reqwest::Client::new()
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", sent.as_bytes())
            .send()
            .await
            .expect("request");

        let id = answer.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(id.as_bytes(), sent.as_bytes());
        assert_eq!(id.len(), 36, "a fresh UUID: {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_says_nosniff() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (org, admin) = app.org_with_admin("Acme").await;
    let (member, _) = app.member_with_token(&admin, org, "Ada", "E1").await;

    let answers = [
        app.get("/healthz", None).await,
        app.get("/openapi.json", None).await,
        app.get("/v1/me", None).await,
        app.get("/no/such/route", None).await,
        app.get(
            &format!("/v1/orgs/{org}/members/{member}/card/svg"),
            Some(&admin),
        )
        .await,
    ];

    for answer in &answers {
        assert_eq!(
            answer
                .headers
                .get("x-content-type-options")
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{} {:?}",
            answer.status,
            answer.headers
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_a_problem_whichever_extractor_reads_it() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (org, admin) = app.org_with_admin("Acme").await;
    let csv = format!(
        "display_name,employee_id\n{}",
        "Ada,E1\n".repeat(2 * 1024 * 1024 / 7)
    );

    let sent = app
        .send_raw(
            Method::POST,
            &format!("/v1/orgs/{org}/members/import"),
            Some(&admin),
            "text/csv",
            csv.into_bytes(),
        )
        .await;

    assert_eq!(sent.status, 413);
    assert_eq!(sent.problem_code(), "body_too_large");
    assert!(sent.headers.contains_key("x-request-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_cut_off_and_connections_are_capped() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;
    let settings = RawSettings {
        header_read_timeout: Some("1s".into()),
        max_connections: Some(3),
        ..Default::default()
    };
    let app = spawn_app_with(Backend::Sqlite, settings)
        .await
        .expect("sqlite app");
    let addr = app.base.trim_start_matches("http://").to_owned();

    // Three clients take every place: one sends nothing, one trickles its headers, one idles
    // on its keep-alive connection after an answer.
    let silent = TcpStream::connect(&addr).await.unwrap();
    let mut trickling = TcpStream::connect(&addr).await.unwrap();
    trickling
        .write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 64];
    let n = idle.read(&mut first).await.unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &first[..n]);
    let started = std::time::Instant::now();

    // A fourth client waits in the listen queue until the server cuts one of them off.
    let fourth = app.get("/healthz", None).await;
    let waited = started.elapsed();

    assert_eq!(fourth.status, 200);
    assert!(
        waited >= Duration::from_millis(500),
        "answered while every place was taken: {waited:?}"
    );
    for (what, mut stream) in [("silent", silent), ("trickling", trickling), ("idle", idle)] {
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the {what} connection is still open");
    }
}
