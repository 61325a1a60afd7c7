//! Single sign-on through a real OpenID provider: the certified `oidc-provider` npm package,
//! configured by `tests/oidc/provider.mjs`, on a loopback port (`.ci/run` installs it and sets
//! `NAMECARD_OIDC_PROVIDER_DIR`; without it these tests skip and say why). A person's browser is
//! played over plain HTTP: every redirect followed by hand, cookies kept per name (all on
//! 127.0.0.1), the provider's login form filled in.

use crate::common::oidc::{
    Provider, acme, app_at_its_own_url, app_at_its_own_url_waiting, real_provider,
};
use crate::common::rogue_idp::{self, Endpoint, Fault, RogueIdp, Scenario};
use crate::common::{Backend, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Where a walk through the flow ended.
#[derive(Debug)]
struct Ended {
    status: u16,
    location: Option<String>,
    body: String,
    /// The error page's stable code, if it is one.
    code: Option<String>,
}

/// A browser played by hand: cookies by name, redirects followed, the login form filled in.
struct Walk {
    client: reqwest::Client,
    jar: HashMap<String, String>,
}

impl Walk {
    fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("client"),
            jar: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(
        &mut self,
        method: Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, url);
        if !self.jar.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        if let Some(form) = form {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter().copied())
                .finish();
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("request");
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or("");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                let gone = value.is_empty()
                    || text.contains("Max-Age=0")
                    || text.contains("expires=Thu, 01 Jan 1970");
                if gone {
                    self.jar.remove(name.trim());
                } else {
                    self.jar.insert(name.trim().to_owned(), value.to_owned());
                }
            }
        }
        response
    }

    /// Opens `url` and follows redirects; on the provider's login form, types `login` (or
    /// cancels, for `None`). Ends at the service's callback answer, or at the first page that
    /// is neither a redirect nor the form.
    async fn sign_in(&mut self, app: &TestApp, url: &str, login: Option<&str>) -> Ended {
        let mut url = url.to_owned();
        let mut form: Option<Vec<(&str, String)>> = None;
        for _ in 0..15 {
            let response = match &form {
                Some(f) => {
                    let pairs: Vec<(&str, &str)> =
                        f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    self.send(Method::POST, &url, Some(&pairs)).await
                }
                None => self.send(Method::GET, &url, None).await,
            };
            form = None;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let at_callback = url.starts_with(&format!("{}/auth/oidc/callback", app.base));
            let body = response.text().await.unwrap_or_default();
            if let (true, Some(next)) = ((300..400).contains(&status), &location)
                && !at_callback
            {
                url = reqwest::Url::parse(&url)
                    .and_then(|base| base.join(next))
                    .expect("a redirect target")
                    .to_string();
                continue;
            }
            if status == 200 && url.contains("/interaction/") {
                let uid = url.rsplit('/').next().unwrap_or("").to_owned();
                let base = reqwest::Url::parse(&url).expect("url");
                url = match login {
                    Some(l) => {
                        form = Some(vec![("login", l.to_owned())]);
                        base.join(&format!("/interaction/{uid}/login"))
                            .expect("url")
                            .to_string()
                    }
                    None => {
                        form = Some(vec![]);
                        base.join(&format!("/interaction/{uid}/abort"))
                            .expect("url")
                            .to_string()
                    }
                };
                continue;
            }
            let code = body
                .split("data-code=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned);
            return Ended {
                status,
                location,
                body,
                code,
            };
        }
        panic!("too many redirects from {url}");
    }

    /// The callback URL the provider last sent the browser to is not kept; this replays a
    /// callback exactly as given.
    async fn open(&mut self, url: &str) -> Ended {
        let response = self.send(Method::GET, url, None).await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        let code = body
            .split("data-code=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned);
        Ended {
            status,
            location: None,
            body,
            code,
        }
    }
}

async fn set_provider(app: &TestApp, admin: &str, org: i64, body: Value) -> crate::common::Answer {
    app.send(
        Method::PUT,
        &format!("/v1/orgs/{org}/oidc"),
        Some(admin),
        Some(body),
    )
    .await
}

/// The service at its own URL, the real provider for it, and Acme ([`acme`]).
async fn acme_with_provider(
    backend: Backend,
    auth_methods: Option<&str>,
) -> Option<(TestApp, Provider, i64, String)> {
    let app = app_at_its_own_url(backend).await?;
    let idp = real_provider(&app, auth_methods)?;
    let (org, admin) = acme(&app).await;
    Some((app, idp, org, admin))
}

async fn session_of(app: &TestApp, walk: &Walk) -> crate::common::Answer {
    let cookie = walk.jar.get("nc_session").expect("a session cookie");
    app.get_with_cookie("/v1/session", &format!("nc_session={cookie}"))
        .await
}

async fn a_member_signs_in_through_the_real_provider_matched_by_email(backend: Backend) {
    let Some((app, idp, org, admin)) = acme_with_provider(backend, None).await else {
        return;
    };
    let set = set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": idp.issuer, "client_id": "namecard", "client_secret": "namecard-test-secret", "label": "Test IdP"}),
    )
    .await
    .expect(200);
    assert_eq!(
        set["redirect_uri"],
        format!("{}/auth/oidc/callback", app.base)
    );
    assert_eq!(set["match_on"], "email");
    assert!(!set.to_string().contains("namecard-test-secret"));
    // The sign-in page finds the organization by a work e-mail's domain.
    let found = app
        .get("/v1/oidc/providers?domain=someone%40ACME.example", None)
        .await
        .expect(200);
    assert_eq!(found["label"], "Test IdP");

    let mut walk = Walk::new();
    let start = found["start_url"].as_str().unwrap().to_owned();
    // The provider's account says `Ada@Acme.example`: matched without regard to case.
    let ended = walk.sign_in(&app, &start, Some("ada")).await;
    assert_eq!(ended.status, 303, "{ended:?}");
    assert_eq!(ended.location.as_deref(), Some("/"));
    assert!(
        !walk.jar.contains_key("nc_oidc"),
        "the attempt cookie is cleared"
    );
    let session = session_of(&app, &walk).await.expect(200);
    assert_eq!(session["role"], "member");
    assert_eq!(session["member_name"], "Ada Lovelace");
    let audit = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200);
    assert!(audit.to_string().contains("oidc/ada"), "{audit}");
    // The secret is stored sealed, never as given.
    let stored: String = crate::common::read_one(
        &app.database_url,
        "SELECT client_secret FROM oidc_providers",
    )
    .await;
    assert!(stored.starts_with("v1.") && !stored.contains("namecard-test-secret"));
}

async fn a_provider_taking_only_client_secret_post_matches_members_by_a_custom_claim(
    backend: Backend,
) {
    let Some((app, idp, org, admin)) =
        acme_with_provider(backend, Some("client_secret_post")).await
    else {
        return;
    };
    set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": idp.issuer, "client_id": "namecard-post", "client_secret": "namecard-test-secret",
               "match_on": "employee_id", "claim": "employee_id"}),
    )
    .await
    .expect(200);
    let mut walk = Walk::new();
    let ended = walk
        .sign_in(
            &app,
            &format!("{}/auth/oidc/{org}/start", app.base),
            Some("ada"),
        )
        .await;
    assert_eq!(ended.status, 303, "{ended:?}");
    assert_eq!(
        session_of(&app, &walk).await.expect(200)["member_name"],
        "Ada Lovelace"
    );
}

async fn each_refused_sign_in_shows_its_error_page_and_signs_nobody_in(backend: Backend) {
    let Some((app, idp, org, admin)) = acme_with_provider(backend, None).await else {
        return;
    };
    set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": idp.issuer, "client_id": "namecard", "client_secret": "namecard-test-secret"}),
    )
    .await
    .expect(200);
    let start = format!("{}/auth/oidc/{org}/start", app.base);
    for (login, code) in [
        (Some("eve"), "oidc_unknown_member"),
        (Some("bob"), "oidc_member_inactive"),
        // Mallory's provider account has Ada's address but does not vouch for it.
        (Some("mallory"), "oidc_claim_missing"),
        (None, "oidc_provider_error"),
    ] {
        let mut walk = Walk::new();
        let ended = walk.sign_in(&app, &start, login).await;
        assert_eq!(ended.code.as_deref(), Some(code), "{login:?}: {ended:?}");
        assert!((400..500).contains(&ended.status), "{ended:?}");
        assert!(!walk.jar.contains_key("nc_session"), "{login:?} signed in");
    }

    // A callback opened twice: the second finds its state used up.
    let mut walk = Walk::new();
    let mut url = start.clone();
    let callback = loop {
        let response = walk.send(Method::GET, &url, None).await;
        let next = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let here = url.clone();
        let status = response.status().as_u16();
        if here.contains("/interaction/") && status == 200 {
            let uid = here.rsplit('/').next().unwrap().to_owned();
            let base = reqwest::Url::parse(&here).unwrap();
            let done = walk
                .send(
                    Method::POST,
                    base.join(&format!("/interaction/{uid}/login"))
                        .unwrap()
                        .as_str(),
                    Some(&[("login", "ada")]),
                )
                .await;
            url = base
                .join(done.headers()["location"].to_str().unwrap())
                .unwrap()
                .to_string();
            continue;
        }
        let next = next.expect("a redirect");
        let target = reqwest::Url::parse(&here)
            .unwrap()
            .join(&next)
            .unwrap()
            .to_string();
        if target.starts_with(&format!("{}/auth/oidc/callback", app.base)) {
            break target;
        }
        url = target;
    };
    let cookie = walk
        .jar
        .get("nc_oidc")
        .cloned()
        .expect("the attempt cookie");
    // Opened in a browser without the attempt's cookie: refused, and the attempt is used up.
    let mut other = Walk::new();
    assert_eq!(
        other.open(&callback).await.code.as_deref(),
        Some("oidc_other_browser")
    );
    walk.jar.insert("nc_oidc".into(), cookie);
    let replayed = walk.open(&callback).await;
    assert_eq!(
        replayed.code.as_deref(),
        Some("oidc_unknown_state"),
        "{replayed:?}"
    );
    assert_eq!(replayed.status, 400);
    assert!(replayed.body.contains("Sign-in failed"));
    assert!(!walk.jar.contains_key("nc_session"));

    // A provider that is not there: a page within the timeout, not a hang.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": format!("http://127.0.0.1:{dead}"), "client_id": "namecard"}),
    )
    .await
    .expect(200);
    let down = Walk::new().open_start(&start).await;
    assert_eq!(
        down.code.as_deref(),
        Some("oidc_provider_unreachable"),
        "{down:?}"
    );
    // An issuer that is not the provider's own: its discovery document names another.
    set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": format!("{}/", idp.issuer), "client_id": "namecard"}),
    )
    .await
    .expect(200);
    let wrong = Walk::new().open_start(&start).await;
    assert_eq!(
        wrong.code.as_deref(),
        Some("oidc_provider_invalid"),
        "{wrong:?}"
    );

    let audit = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200)
        .to_string();
    for code in [
        "oidc_unknown_member",
        "oidc_member_inactive",
        "oidc_provider_error",
        "oidc_other_browser",
        "oidc_provider_unreachable",
    ] {
        assert!(audit.contains(code), "{code} not audited: {audit}");
    }
    assert!(!audit.contains("namecard-test-secret"));
}

impl Walk {
    async fn open_start(&mut self, url: &str) -> Ended {
        self.open(url).await
    }
}

async fn the_first_setting_needs_a_secret_and_the_secret_is_never_shown(backend: Backend) {
    let Some(app) = crate::common::spawn_app(backend).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let path = format!("/v1/orgs/{org}/oidc");
    let no_secret = set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": "https://idp.example.com", "client_id": "nc"}),
    )
    .await;
    assert_eq!(no_secret.status, 422);
    assert_eq!(no_secret.problem_code(), "client_secret_required");
    let bad = set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": "http://idp.example.com", "client_id": "nc", "client_secret": "s"}),
    )
    .await;
    assert_eq!(bad.problem_code(), "invalid_issuer");
    assert_eq!(app.get(&path, Some(&admin)).await.status, 404);
    set_provider(&app, &admin, org, json!({"issuer": "https://idp.example.com", "client_id": "nc", "client_secret": "hunter2hunter2"}))
        .await
        .expect(200);
    // An update without the secret keeps it.
    let kept = set_provider(
        &app,
        &admin,
        org,
        json!({"issuer": "https://idp.example.com", "client_id": "nc2"}),
    )
    .await
    .expect(200);
    assert_eq!(kept["client_id"], "nc2");
    assert_eq!(kept["client_secret_set"], true);
    let shown = app.get(&path, Some(&admin)).await.expect(200).to_string();
    assert!(!shown.contains("hunter2"), "{shown}");
    let audit = app
        .get(&format!("/v1/orgs/{org}/audit"), Some(&admin))
        .await
        .expect(200)
        .to_string();
    assert!(audit.contains("oidc.set") && !audit.contains("hunter2"));
    assert_eq!(
        app.send(Method::DELETE, &path, Some(&admin), None)
            .await
            .status,
        204
    );
    assert_eq!(app.get(&path, Some(&admin)).await.status, 404);
}

/// The service giving up on a provider after 1 s, the hostile provider, and Acme ([`acme`]),
/// whose single sign-on is that provider.
async fn acme_with_rogue_provider(backend: Backend) -> Option<(TestApp, RogueIdp, i64, String)> {
    let app = app_at_its_own_url_waiting(backend, "1s").await?;
    let idp = RogueIdp::start().await;
    let (org, admin) = acme(&app).await;
    use_provider(&app, &admin, org, &idp.issuer).await;
    Some((app, idp, org, admin))
}

/// Sets (again) Acme's provider to `issuer`, which also empties the cache of its discovery
/// document and keys.
async fn use_provider(app: &TestApp, admin: &str, org: i64, issuer: &str) {
    set_provider(
        app,
        admin,
        org,
        json!({"issuer": issuer, "client_id": rogue_idp::CLIENT_ID, "client_secret": "rogue-secret"}),
    )
    .await
    .expect(200);
}

/// The organization's audit entries after `after` (0: all), as (id, action, target).
async fn audit_after(
    app: &TestApp,
    admin: &str,
    org: i64,
    after: i64,
) -> Vec<(i64, String, String)> {
    let entries = app
        .get(
            &format!("/v1/orgs/{org}/audit?after={after}&limit=1000"),
            Some(admin),
        )
        .await
        .expect(200);
    entries
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["id"].as_i64().expect("an id"),
                e["action"].as_str().unwrap_or("").to_owned(),
                e["target"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn last_audit_id(app: &TestApp, admin: &str, org: i64) -> i64 {
    audit_after(app, admin, org, 0)
        .await
        .last()
        .map_or(0, |e| e.0)
}

/// A fresh browser signs in to Acme; the answer must come within 10 s (the provider's calls
/// time out after 1 s each): a hang fails here, not in the runner's timeout.
async fn sign_in_promptly(app: &TestApp, org: i64, case: &str) -> (Walk, Ended) {
    let start = format!("{}/auth/oidc/{org}/start", app.base);
    let mut walk = Walk::new();
    let ended = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        walk.sign_in(app, &start, None),
    )
    .await
    .unwrap_or_else(|_| panic!("{case}: no answer within 10 s"));
    (walk, ended)
}

/// A sign-in that must be refused: the error page with `code` and `status`, no session cookie,
/// and exactly one new audit entry, `oidc.signin_failed` naming the code (no `session.start`).
async fn assert_refused(app: &TestApp, admin: &str, org: i64, case: &str, status: u16, code: &str) {
    let before = last_audit_id(app, admin, org).await;
    let (walk, ended) = sign_in_promptly(app, org, case).await;
    assert_eq!(
        (ended.status, ended.code.as_deref()),
        (status, Some(code)),
        "{case}: {ended:?}"
    );
    assert!(ended.body.contains("Sign-in failed"), "{case}: {ended:?}");
    assert!(!walk.jar.contains_key("nc_session"), "{case}: signed in");
    let audited: Vec<(String, String)> = audit_after(app, admin, org, before)
        .await
        .into_iter()
        .map(|(_, action, target)| (action, target))
        .collect();
    assert_eq!(
        audited,
        [("oidc.signin_failed".to_owned(), code.to_owned())],
        "{case}"
    );
}

/// A sign-in that must succeed: to the app with a session of Ada's.
async fn assert_signs_in(app: &TestApp, org: i64, case: &str) {
    let (walk, ended) = sign_in_promptly(app, org, case).await;
    assert_eq!(
        (ended.status, ended.location.as_deref()),
        (303, Some("/")),
        "{case}: {ended:?}"
    );
    assert_eq!(
        session_of(app, &walk).await.expect(200)["member_name"],
        "Ada Lovelace",
        "{case}"
    );
}

async fn a_provider_answering_garbage_or_too_slowly_gets_its_error_page_promptly(backend: Backend) {
    let Some((app, idp, org, admin)) = acme_with_rogue_provider(backend).await else {
        return;
    };
    // The provider works when it behaves: what follows fails for the reason each case says.
    assert_signs_in(&app, org, "honest").await;
    let html = "<!doctype html><html><body><h1>Service Unavailable</h1></body></html>";
    let garbage = |at, status, content_type, body| Scenario::Garbage {
        at,
        status,
        content_type,
        body,
    };
    let (invalid, unreachable) = ("oidc_provider_invalid", "oidc_provider_unreachable");
    let cases = [
        (
            "discovery answering HTML",
            garbage(Endpoint::Discovery, 200, "text/html", html),
            502,
            invalid,
        ),
        (
            "discovery answering JSON of no document",
            garbage(
                Endpoint::Discovery,
                200,
                "application/json",
                r#"{"issuer": 42}"#,
            ),
            502,
            invalid,
        ),
        (
            "JWKS answering HTML",
            garbage(Endpoint::Jwks, 200, "text/html", html),
            502,
            invalid,
        ),
        (
            "JWKS without a keys array",
            garbage(
                Endpoint::Jwks,
                200,
                "application/json",
                r#"{"keys": {"kty": "OKP"}}"#,
            ),
            502,
            invalid,
        ),
        (
            "JWKS of no key namecard can use",
            garbage(
                Endpoint::Jwks,
                200,
                "application/json",
                r#"{"keys": [42, {"kty": "nope"}]}"#,
            ),
            502,
            invalid,
        ),
        (
            "JWKS of no key at all",
            garbage(Endpoint::Jwks, 200, "application/json", r#"{"keys": []}"#),
            502,
            invalid,
        ),
        (
            "JWKS a JSON list",
            garbage(Endpoint::Jwks, 200, "application/json", "[]"),
            502,
            invalid,
        ),
        (
            "token endpoint answering HTML",
            garbage(Endpoint::Token, 200, "text/html", html),
            502,
            invalid,
        ),
        (
            "token endpoint failing with a 500",
            garbage(Endpoint::Token, 500, "text/html", html),
            502,
            invalid,
        ),
        (
            "token endpoint failing with a JSON 500",
            garbage(
                Endpoint::Token,
                500,
                "application/json",
                r#"{"error": "server_error"}"#,
            ),
            502,
            invalid,
        ),
        (
            "token answer without an ID token",
            garbage(
                Endpoint::Token,
                200,
                "application/json",
                r#"{"access_token": "a", "token_type": "Bearer"}"#,
            ),
            502,
            invalid,
        ),
        (
            "token answer whose ID token is a number",
            garbage(
                Endpoint::Token,
                200,
                "application/json",
                r#"{"id_token": 42}"#,
            ),
            502,
            invalid,
        ),
        (
            "JWKS without end",
            Scenario::Endless { at: Endpoint::Jwks },
            502,
            invalid,
        ),
        (
            "token endpoint answering without end",
            Scenario::Endless {
                at: Endpoint::Token,
            },
            502,
            invalid,
        ),
        (
            "discovery stalling",
            Scenario::Stalls {
                at: Endpoint::Discovery,
            },
            504,
            unreachable,
        ),
        (
            "JWKS stalling",
            Scenario::Stalls { at: Endpoint::Jwks },
            504,
            unreachable,
        ),
        (
            "token endpoint stalling",
            Scenario::Stalls {
                at: Endpoint::Token,
            },
            504,
            unreachable,
        ),
        (
            "discovery trickling",
            Scenario::Trickles {
                at: Endpoint::Discovery,
            },
            504,
            unreachable,
        ),
        (
            "JWKS trickling",
            Scenario::Trickles { at: Endpoint::Jwks },
            504,
            unreachable,
        ),
        (
            "token endpoint trickling",
            Scenario::Trickles {
                at: Endpoint::Token,
            },
            504,
            unreachable,
        ),
        (
            "token endpoint never answering",
            Scenario::SilentTokenEndpoint,
            504,
            unreachable,
        ),
    ];
    for (case, scenario, status, code) in cases {
        use_provider(&app, &admin, org, &idp.issuer).await;
        idp.play(scenario);
        assert_refused(&app, &admin, org, case, status, code).await;
    }
    // An issuer that accepts the connection and never answers.
    use_provider(&app, &admin, org, &idp.silent).await;
    assert_refused(
        &app,
        &admin,
        org,
        "issuer never answering",
        504,
        unreachable,
    )
    .await;
    // Once the provider behaves again, so does the sign-in.
    use_provider(&app, &admin, org, &idp.issuer).await;
    idp.play(Scenario::Honest);
    assert_signs_in(&app, org, "honest again").await;
}

async fn an_id_token_failing_any_check_is_refused_with_its_code_and_audited(backend: Backend) {
    let Some((app, idp, org, admin)) = acme_with_rogue_provider(backend).await else {
        return;
    };
    // An honest sign-in first: its ID token is the one replayed below.
    assert_signs_in(&app, org, "honest").await;
    for (fault, code) in [
        (Fault::Malformed, "oidc_token_malformed"),
        (Fault::WrongIssuer, "oidc_token_wrong_issuer"),
        (Fault::WrongAudience, "oidc_token_wrong_audience"),
        (Fault::Expired, "oidc_token_expired"),
        (Fault::IssuedInTheFuture, "oidc_token_issue_time"),
        (Fault::AlgNone, "oidc_token_algorithm"),
        (Fault::Hs256WithThePublicKey, "oidc_token_algorithm"),
        (Fault::BadSignature, "oidc_token_bad_signature"),
        (Fault::UnknownKid, "oidc_token_unknown_key"),
        (Fault::WrongNonce, "oidc_token_nonce_mismatch"),
        (Fault::Replayed, "oidc_token_nonce_mismatch"),
    ] {
        idp.play(Scenario::Token(fault));
        assert_refused(&app, &admin, org, &format!("{fault:?}"), 401, code).await;
    }
    idp.play(Scenario::Honest);
    assert_signs_in(&app, org, "honest again").await;
}

async fn a_provider_rotating_its_key_still_signs_members_in_but_a_key_in_neither_set_is_refused(
    backend: Backend,
) {
    let Some((app, idp, org, admin)) = acme_with_rogue_provider(backend).await else {
        return;
    };
    assert_signs_in(&app, org, "first key").await;
    assert_signs_in(&app, org, "first key, keys cached").await;
    assert_eq!(idp.jwks_fetches(), 1, "the JWKS is cached");
    // The provider rotates: a new key (new kid) signs, and the old one is withdrawn.
    idp.publish(&[rogue_idp::SECOND_KEY]);
    idp.sign_with(rogue_idp::SECOND_KEY);
    assert_signs_in(&app, org, "rotated key").await;
    assert_eq!(idp.jwks_fetches(), 2, "the JWKS is fetched again once");
    assert_signs_in(&app, org, "rotated key, keys cached").await;
    assert_eq!(idp.jwks_fetches(), 2, "the new JWKS is cached");
    // A kid in neither the cached nor the fresh JWKS: one more fetch, then refused.
    idp.play(Scenario::Token(Fault::UnknownKid));
    assert_refused(
        &app,
        &admin,
        org,
        "a stray key",
        401,
        "oidc_token_unknown_key",
    )
    .await;
    assert_eq!(idp.jwks_fetches(), 3, "one fetch for an unknown kid");
    // The withdrawn key no longer signs anyone in.
    idp.play(Scenario::Honest);
    idp.sign_with(rogue_idp::FIRST_KEY);
    assert_refused(
        &app,
        &admin,
        org,
        "the withdrawn key",
        401,
        "oidc_token_unknown_key",
    )
    .await;
}

on_both_databases!(
    a_member_signs_in_through_the_real_provider_matched_by_email,
    a_provider_taking_only_client_secret_post_matches_members_by_a_custom_claim,
    each_refused_sign_in_shows_its_error_page_and_signs_nobody_in,
    the_first_setting_needs_a_secret_and_the_secret_is_never_shown,
    a_provider_answering_garbage_or_too_slowly_gets_its_error_page_promptly,
    an_id_token_failing_any_check_is_refused_with_its_code_and_audited,
    a_provider_rotating_its_key_still_signs_members_in_but_a_key_in_neither_set_is_refused,
);
