//! The pages and their assets, embedded in the binary.
//!
//! Every page is the same small HTML shell; `app.js` renders the view its path names by calling
//! the JSON API, so there is no server-side templating of people's data at all. The only value
//! put into the shell is this service's card prefix (from its own configuration), which the card
//! page (`/C/<body>`, what a phone camera opens from a card's QR code) needs to rebuild the card's
//! text. Pages and assets carry a Content-Security-Policy that allows only this origin's script,
//! style, image and font files (no inline script or style) and no framing, and send no referrer.
//! The sign-in page reads its secret from the fragment (`/signin#...`), which never reaches the
//! server, and removes it from the address bar before using it.

use super::AppState;
use super::locale::{self, Locale};
use crate::domain::mail::escape_html;
use axum::extract::{Path as AxumPath, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest as _, Sha256};
use std::sync::LazyLock;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_axum::router::OpenApiRouter;

const SHELL: &str = include_str!("../../assets/web/index.html");

/// The paths that show the app. Unknown paths stay 404 problem documents.
const PAGES: [&str; 14] = [
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
];

/// The Content-Security-Policy of every page: scripts, styles, images and API calls from this
/// origin only (`blob:` images for the preview of a photo about to be uploaded), and the
/// vendored QR decoder's WebAssembly for the Scan page's camera (`'wasm-unsafe-eval'` allows
/// compiling WebAssembly, not `eval`).
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' blob:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";

/// The embedded files: path, content type, bytes. The fonts are the card renderer's CJK fonts
/// (one copy in the binary), for devices without a CJK font of their own: `app.css` asks for
/// them only for CJK characters, after the device's own fonts.
static ASSETS: [(&str, &str, &[u8]); 14] = [
    (
        "/assets/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/app.js"),
    ),
    // The pages' words: the catalogue of the page's language, formatted (app.js, verify.js).
    (
        "/assets/l10n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/l10n.js"),
    ),
    (
        "/assets/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/web/app.css"),
    ),
    (
        "/assets/icon.svg",
        "image/svg+xml",
        include_bytes!("../../assets/web/icon.svg"),
    ),
    (
        "/assets/fonts/cjk-regular.otf",
        "font/otf",
        crate::qr::CJK_REGULAR,
    ),
    (
        "/assets/fonts/cjk-bold.otf",
        "font/otf",
        crate::qr::CJK_BOLD,
    ),
    // The offline verifier (/verify) and its vendored QR decoder.
    (
        "/assets/verify.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/verify.js"),
    ),
    // The QR decoder of the camera scanners (/verify and the Scan page).
    (
        "/assets/qr-detector.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/qr-detector.js"),
    ),
    (
        "/assets/verify-core.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/verify-core.js"),
    ),
    (
        "/assets/verify.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/web/verify.css"),
    ),
    (
        "/assets/verify.webmanifest",
        "application/manifest+json",
        include_bytes!("../../assets/web/verify.webmanifest"),
    ),
    (
        "/assets/vendor/zxing-wasm/es/reader/index.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/vendor/zxing-wasm/es/reader/index.js"),
    ),
    (
        "/assets/vendor/zxing-wasm/es/share.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/vendor/zxing-wasm/es/share.js"),
    ),
    (
        "/assets/vendor/zxing-wasm/reader/zxing_reader.wasm",
        "application/wasm",
        include_bytes!("../../assets/web/vendor/zxing-wasm/reader/zxing_reader.wasm"),
    ),
];

/// Strong ETags of [`ASSETS`], computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(_, _, body)| format!("\"{}\"", &hex::encode(Sha256::digest(body))[..32]))
        .collect()
});

/// Asset `i`, or 304 when the browser's copy is current.
fn asset(i: usize, headers: &HeaderMap) -> Response {
    let (_, content_type, body) = ASSETS[i];
    revalidated(headers, &ETAGS[i], content_type, body)
}

/// `body` with its ETag, or 304 when the browser's copy is current. `no-cache` makes browsers
/// revalidate on each use, so a new binary's files are picked up at once.
fn revalidated(
    headers: &HeaderMap,
    etag: &str,
    content_type: &'static str,
    body: &'static [u8],
) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let cache = [
        (header::ETAG, etag.to_owned()),
        (header::CACHE_CONTROL, "no-cache".to_owned()),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    let mut pages = OpenApiRouter::new();
    for path in PAGES {
        pages = pages.route(path, get(shell));
    }
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    // The card URL in a QR code is uppercase; some readers lowercase the path's first segment.
    let mut router = pages
        .route("/C/{body}", get(shell))
        .route("/c/{body}", get(shell))
        .route("/assets/locales/{file}", get(catalogue));
    for (i, (path, _, _)) in ASSETS.iter().enumerate() {
        router = router.route(path, get(move |h: HeaderMap| async move { asset(i, &h) }));
    }
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router.merge(verify_router())
}

/// The offline verifier's page and its service worker (`docs/card-format.md`, README "Verify
/// offline"): open to anyone, a static page (no data from the server in it) under a policy that
/// also lets it compile the vendored QR decoder (`'wasm-unsafe-eval'`, which allows WebAssembly,
/// not JavaScript eval) and read its web app manifest.
const VERIFY_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' blob:; font-src 'self'; connect-src 'self'; \
    manifest-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";

/// The offline verifier's page; its `<html lang>` is the reader's language (the page's script
/// writes its words from that catalogue, which the service worker keeps for offline use too).
const VERIFY_PAGE: &str = include_str!("../../assets/web/verify.html");

fn verify_router() -> OpenApiRouter<AppState> {
    let headers = |content_type: &'static str| {
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, VERIFY_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ]
    };
    OpenApiRouter::new()
        .route(
            "/verify",
            get(move |request: HeaderMap| async move {
                let locale = Locale::of_page(&request);
                (
                    headers("text/html; charset=utf-8"),
                    [(header::VARY, "cookie, accept-language")],
                    VERIFY_PAGE.replace("{{lang}}", locale.tag()),
                )
            }),
        )
        .route(
            "/verify-sw.js",
            get(move || async move {
                (
                    headers("text/javascript; charset=utf-8"),
                    include_bytes!("../../assets/web/verify-sw.js").as_slice(),
                )
            }),
        )
}

/// The app's HTML shell, never cached: a new binary's shell is picked up at once. It is written
/// in the reader's language (the language switch's cookie, else `Accept-Language`): `<html
/// lang>` tells the page script which catalogue to load.
async fn shell(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let locale = Locale::of_page(&headers);
    let words = |id: &str| escape_html(&locale::message(locale, id, None).unwrap_or_default());
    let html = SHELL
        .replace(
            "{{card_prefix}}",
            &escape_html(state.services.keys.issuer().card_prefix()),
        )
        .replace("{{lang}}", locale.tag())
        .replace("{{nav_label}}", &words("shell-nav"))
        .replace("{{loading}}", &words("shell-loading"))
        .replace("{{noscript}}", &words("shell-noscript"));
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::VARY, "cookie, accept-language"),
        ],
        html,
    )
        .into_response()
}

/// A locale's catalogue as the page script reads it (see [`locale`]), revalidated by ETag.
async fn catalogue(AxumPath(file): AxumPath<String>, headers: HeaderMap) -> Response {
    let Some(locale) = file.strip_suffix(".json").and_then(Locale::from_tag) else {
        return super::ApiError::not_found("catalogue").into_response();
    };
    let (body, etag) = locale::catalogue_json(locale);
    revalidated(&headers, etag, "application/json; charset=utf-8", body)
}

/// The words of a server-written page that says why something did not work, already in the
/// reader's language.
pub(super) struct MessagePage<'a> {
    pub locale: Locale,
    pub title: &'a str,
    pub code: &'a str,
    pub message: &'a str,
    pub code_label: &'a str,
    pub back: &'a str,
}

/// A page for people that says what went wrong, with its stable `code` (the sign-in error
/// page): static HTML under the pages' policy, every value escaped, no script.
pub(super) fn message_page(status: StatusCode, page: &MessagePage<'_>) -> Response {
    let lang = page.locale.tag();
    let [title, code, message, code_label, back] = [
        page.title,
        page.code,
        page.message,
        page.code_label,
        page.back,
    ]
    .map(escape_html);
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · namecard</title>\n\
         <link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"/assets/app.css\">\n</head>\n\
         <body data-ready=\"true\">\n<header class=\"top\"><div class=\"bar\">\
         <a class=\"brand\" href=\"/\"><img src=\"/assets/icon.svg\" alt=\"\" width=\"24\" height=\"24\"><span>namecard</span></a>\
         </div></header>\n<main id=\"main\" class=\"main\" data-code=\"{code}\">\n\
         <div class=\"page-head\"><h1>{title}</h1></div>\n<section class=\"panel\">\n\
         <p id=\"problem-message\">{message}</p>\n\
         <p class=\"small muted\">{code_label} <code id=\"problem-code\">{code}</code></p>\n\
         <p><a href=\"/signin\">{back}</a></p>\n</section>\n</main>\n</body>\n</html>\n"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_escaped() {
        assert_eq!(
            escape_html(r#""><script>&'"#),
            "&quot;&gt;&lt;script&gt;&amp;&#39;"
        );
    }

    #[test]
    fn the_shell_loads_only_external_script_and_style() {
        assert!(SHELL.contains(r#"<script type="module" src="/assets/app.js"></script>"#));
        assert!(!SHELL.contains("style="), "no inline style attributes");
        assert_eq!(SHELL.matches("<script").count(), 1, "no inline script");
        assert!(SHELL.contains("{{card_prefix}}"));
        assert!(SHELL.contains(r#"<html lang="{{lang}}">"#));
    }
}
