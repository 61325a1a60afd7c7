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
