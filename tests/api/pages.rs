//! The web app's pages and assets over HTTP: every page is the shell with this service's card
//! prefix, served with a Content-Security-Policy that forbids inline script and framing, and the
//! embedded assets revalidate by ETag.

use crate::common::{Backend, spawn_app};
use reqwest::Method;

const PAGES: [&str; 16] = [
    "/",
    "/card",
    "/scan",
    "/inbox",
    "/contacts",
    "/directory",
    "/admin",
    "/admin/departments",
    "/admin/contact-ways",
    "/admin/contacts",
    "/admin/policy",
    "/admin/cards",
    "/admin/audit",
    "/signin",
    "/C/0A3N1",
    "/c/0a3n1",
];

#[tokio::test]
async fn every_page_is_the_shell_with_strict_security_headers() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    for page in PAGES {
        let answer = app.get(page, None).await;

        assert_eq!(answer.status, 200, "{page}");
        assert_eq!(answer.content_type, "text/html; charset=utf-8", "{page}");
        let csp = answer.headers["content-security-policy"].to_str().unwrap();
        // Scripts from this origin only; WebAssembly for the camera's QR decoder, never `eval`.
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("style-src 'self';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(answer.headers["x-content-type-options"], "nosniff");
        assert_eq!(answer.headers["referrer-policy"], "no-referrer");
        assert_eq!(answer.headers["x-frame-options"], "DENY");
        assert_eq!(answer.headers["cache-control"], "no-store");
        let html = String::from_utf8(answer.bytes).unwrap();
        assert!(
            html.contains(r#"<meta name="nc-card-prefix" content="HTTPS://NC.EXAMPLE.COM/C/">"#),
            "{page}"
        );
    }
}

#[tokio::test]
async fn assets_are_served_with_their_types_and_revalidate_by_etag() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    for (path, content_type) in [
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/l10n.js", "text/javascript; charset=utf-8"),
        ("/assets/app.css", "text/css; charset=utf-8"),
        ("/assets/icon.svg", "image/svg+xml"),
        ("/assets/fonts/cjk-regular.otf", "font/otf"),
        ("/assets/fonts/cjk-bold.otf", "font/otf"),
    ] {
        let first = app.get(path, None).await;
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(first.content_type, content_type);
        assert_eq!(first.headers["x-content-type-options"], "nosniff");
        assert_eq!(first.headers["cache-control"], "no-cache");
        let etag = first.headers["etag"].to_str().unwrap().to_owned();

        let again = app.get_if_none_match(path, &etag).await;

        assert_eq!(again.status, 304, "{path}");
        assert!(again.bytes.is_empty());
    }
}

#[tokio::test]
async fn the_app_never_writes_html_from_data() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let js = String::from_utf8(app.get("/assets/app.js", None).await.bytes).unwrap();
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        assert!(!js.contains(sink), "app.js uses {sink}");
    }
    let unknown = app.send(Method::GET, "/no-such-page", None, None).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn the_shell_is_written_in_the_readers_language_and_the_switch_cookie_wins() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let page = |accept: Option<&'static str>, cookie: Option<&'static str>| {
        let mut req = app.client.get(format!("{}/inbox", app.base));
        if let Some(a) = accept {
            req = req.header("accept-language", a);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        async move {
            String::from_utf8(req.send().await.unwrap().bytes().await.unwrap().to_vec()).unwrap()
        }
    };

    let english = page(None, None).await;
    let traditional = page(Some("zh-TW,zh;q=0.9"), None).await;
    let simplified = page(Some("zh-SG"), None).await;
    let chosen = page(Some("zh-TW"), Some("nc_locale=en")).await;
    let hong_kong = page(Some("en;q=0.5, zh-HK"), Some("nc_locale=tlh")).await;

    assert!(english.contains(r#"<html lang="en">"#) && english.contains("Loading…"));
    assert!(traditional.contains(r#"<html lang="zh-TW">"#) && traditional.contains("載入中…"));
    assert!(simplified.contains(r#"<html lang="zh-CN">"#) && simplified.contains("加载中…"));
    assert!(
        chosen.contains(r#"<html lang="en">"#),
        "the switch's choice wins"
    );
    assert!(
        hong_kong.contains(r#"<html lang="zh-TW">"#),
        "an unknown choice is ignored"
    );
}

#[tokio::test]
async fn each_catalogue_is_served_to_the_page_script_and_revalidates_by_etag() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    for (locale, card, plural) in [
        ("en", "My card", "Imported "),
        ("zh-CN", "我的名片", "已导入 "),
        ("zh-TW", "我的名片", "已匯入 "),
    ] {
        let path = format!("/assets/locales/{locale}.json");
        let answer = app.get(&path, None).await;

        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.content_type, "application/json; charset=utf-8");
        assert_eq!(answer.json["locale"], locale);
        assert_eq!(answer.json["messages"]["nav-card"], card);
        let import = answer.json["messages"]["import-done"].to_string();
        assert!(import.contains(plural), "{import}");
        let etag = answer.headers["etag"].to_str().unwrap().to_owned();
        assert_eq!(app.get_if_none_match(&path, &etag).await.status, 304);
    }
    let unknown = app.get("/assets/locales/tlh.json", None).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.problem_code(), "not_found");
}

#[tokio::test]
async fn the_offline_verifier_names_the_readers_language_and_keeps_its_catalogues_offline() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let page = app
        .client
        .get(format!("{}/verify", app.base))
        .header("accept-language", "zh-HK")
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let worker = String::from_utf8(app.get("/verify-sw.js", None).await.bytes).unwrap();

    assert!(html.contains(r#"<html lang="zh-TW">"#), "{html}");
    assert!(html.contains(r#"data-l10n="verify-title""#));
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    for file in [
        "/assets/l10n.js",
        "/assets/locales/zh-CN.json",
        "/assets/locales/zh-TW.json",
    ] {
        assert!(worker.contains(file), "the service worker keeps {file}");
    }
}
