//! The language of a request: `Accept-Language` and the page's language switch, the locale a
//! whole request is answered in, and the problem documents' words in it. The catalogues
//! themselves are [`crate::l10n`]'s.

pub use crate::l10n::{Locale, SOURCES, catalogue_json, message, messages_of, sources};
use fluent_bundle::FluentArgs;

/// The cookie the page's language switch sets: one of [`Locale::tag`].
pub const LOCALE_COOKIE: &str = "nc_locale";

impl Locale {
    /// The locale of an API request: its `Accept-Language`.
    pub fn of_request(headers: &axum::http::HeaderMap) -> Self {
        Self::negotiate(
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }

    /// The locale of a page: the language switch's cookie, else `Accept-Language`.
    pub fn of_page(headers: &axum::http::HeaderMap) -> Self {
        let chosen = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == LOCALE_COOKIE).then(|| Self::from_tag(value.trim()))?
            });
        chosen.unwrap_or_else(|| Self::of_request(headers))
    }
}

tokio::task_local! {
    /// The locale of the request being answered, for documents written deep in its handling
    /// (problem titles): set once around the whole request by [`scoped`].
    static REQUEST_LOCALE: Locale;
}

/// The locale of the request this task is answering; English outside one.
pub fn current() -> Locale {
    REQUEST_LOCALE.try_with(|l| *l).unwrap_or(Locale::En)
}

/// Answers the request with its `Accept-Language` locale as [`current`], so every problem
/// document is written in it where it is built (handlers' errors, the edge's refusals and the
/// problems a scan answer carries per card); such answers say their language.
pub(super) async fn scoped(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let locale = Locale::of_request(request.headers());
    let mut response = REQUEST_LOCALE.scope(locale, next.run(request)).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(locale.tag()),
        );
        headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    }
    response
}

/// Message `id` in the current request's language ([`current`]), `args` filled in: the
/// sentences the service writes into an answer (a scan's notice, a transfer's). The catalogue
/// tests keep every such id present; one missing anyway is logged and answered by its id.
pub fn say(id: &str, args: &[(&'static str, &str)]) -> String {
    let args: Vec<_> = args
        .iter()
        .map(|&(name, value)| (name, value.into()))
        .collect();
    crate::l10n::say(current(), id, &args)
}

/// The title of a problem with `code` and `status` in `locale`: the code's own title
/// (`problem-<code>`), else the status's (`status-<status>`), else the status's English text.
pub fn problem_title(locale: Locale, code: &str, status: u16) -> String {
    message(locale, &format!("problem-{code}"), None)
        .or_else(|| message(locale, &format!("status-{status}"), None))
        .unwrap_or_else(|| {
            axum::http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error")
                .to_owned()
        })
}

/// A detail's catalogue message (`detail-<id>`) in `locale` with its values; `None` if the
/// catalogue lacks it.
pub fn detail(locale: Locale, why: &crate::domain::Why) -> Option<String> {
    let mut args = FluentArgs::new();
    for (name, value) in &why.args {
        args.set(*name, value.clone());
    }
    let words = message(locale, &format!("detail-{}", why.id), Some(&args));
    debug_assert!(words.is_some(), "no message detail-{}", why.id);
    words
}

/// The localized detail of a problem whose detail is always the same words (`problem-<code>`'s
/// `.detail`); `None` for problems whose detail names what went wrong, which stays as written.
pub fn problem_detail(locale: Locale, code: &str) -> Option<String> {
    message(locale, &format!("problem-{code}.detail"), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::l10n::pattern_json;
    use fluent_bundle::FluentResource;
    use fluent_syntax::ast;
    use serde_json::json;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn accept_language_picks_simplified_traditional_or_english() {
        let pick = |header: &str| Locale::negotiate(Some(header));
        for simplified in [
            "zh-CN",
            "zh-Hans",
            "zh-SG",
            "zh",
            "zh-Hans-HK",
            "ZH-cn,en;q=0.9",
        ] {
            assert_eq!(pick(simplified), Locale::ZhCn, "{simplified}");
        }
        for traditional in ["zh-TW", "zh-HK", "zh-Hant", "zh-MO", "zh-Hant-CN", "zh_TW"] {
            assert_eq!(pick(traditional), Locale::ZhTw, "{traditional}");
        }
        for english in [
            "en",
            "en-GB",
            "fr-FR",
            "de",
            "*",
            "",
            "zh-TW;q=0",
            "garbage;;q=x",
        ] {
            assert_eq!(pick(english), Locale::En, "{english}");
        }
        assert_eq!(pick("fr;q=1, zh-TW;q=0.5, en;q=0.4"), Locale::ZhTw);
        assert_eq!(pick("en;q=0.3, zh-CN;q=0.8"), Locale::ZhCn);
        assert_eq!(Locale::negotiate(None), Locale::En);
    }

    #[test]
    fn the_switch_cookie_wins_over_accept_language() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("accept-language", "zh-CN".parse().unwrap());
        headers.insert("cookie", "a=b; nc_locale=zh-TW".parse().unwrap());
        assert_eq!(Locale::of_page(&headers), Locale::ZhTw);
        assert_eq!(Locale::of_request(&headers), Locale::ZhCn);
        headers.insert("cookie", "nc_locale=klingon".parse().unwrap());
        assert_eq!(Locale::of_page(&headers), Locale::ZhCn);
    }

    /// Every message of a locale's files, with the variables its patterns use.
    fn keys_and_variables(locale: Locale) -> BTreeMap<String, BTreeSet<String>> {
        let mut keys = BTreeMap::new();
        for (name, text) in sources(locale) {
            let resource = FluentResource::try_new((*text).to_owned())
                .unwrap_or_else(|(_, e)| panic!("{} {name} does not parse: {e:?}", locale.tag()));
            for message in messages_of(&resource) {
                let mut add = |key: String, pattern: &ast::Pattern<&str>| {
                    let mut vars = BTreeSet::new();
                    collect_variables(pattern, &mut vars);
                    assert!(
                        keys.insert(key.clone(), vars).is_none(),
                        "{} has {key} twice",
                        locale.tag()
                    );
                };
                if let Some(value) = &message.value {
                    add(message.id.name.to_owned(), value);
                }
                for a in &message.attributes {
                    add(format!("{}.{}", message.id.name, a.id.name), &a.value);
                }
            }
        }
        keys
    }

    fn collect_variables(pattern: &ast::Pattern<&str>, into: &mut BTreeSet<String>) {
        fn inline(e: &ast::InlineExpression<&str>, into: &mut BTreeSet<String>) {
            match e {
                ast::InlineExpression::VariableReference { id } => {
                    into.insert(id.name.to_owned());
                }
                ast::InlineExpression::Placeable { expression } => expr(expression, into),
                ast::InlineExpression::StringLiteral { .. }
                | ast::InlineExpression::NumberLiteral { .. } => {}
                other => panic!("the page script formats no {other:?}"),
            }
        }
        fn expr(e: &ast::Expression<&str>, into: &mut BTreeSet<String>) {
            match e {
                ast::Expression::Inline(i) => inline(i, into),
                ast::Expression::Select { selector, variants } => {
                    assert!(
                        matches!(selector, ast::InlineExpression::VariableReference { .. }),
                        "selectors are on variables"
                    );
                    inline(selector, into);
                    for v in variants {
                        collect_variables(&v.value, into);
                    }
                }
            }
        }
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expr(expression, into);
            }
        }
    }

    #[test]
    fn every_message_is_in_every_language_with_the_same_variables() {
        let english = keys_and_variables(Locale::En);
        assert!(english.len() > 100, "the catalogues are loaded");
        for locale in [Locale::ZhCn, Locale::ZhTw] {
            let other = keys_and_variables(locale);
            let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", locale.tag());
            assert!(
                extra.is_empty(),
                "{} has keys English lacks: {extra:?}",
                locale.tag()
            );
            for (key, vars) in &english {
                assert_eq!(&other[key], vars, "{} {key}: its variables", locale.tag());
            }
        }
    }

    #[test]
    fn every_message_the_page_script_asks_for_is_in_the_catalogue() {
        let english = keys_and_variables(Locale::En);
        let scripts = [
            include_str!("../../assets/web/app.js"),
            include_str!("../../assets/web/verify.js"),
            include_str!("../../assets/web/verify.html"),
        ];
        let mut asked = BTreeSet::new();
        for script in scripts {
            for quote in ["t('", "data-l10n=\""] {
                for (at, _) in script.match_indices(quote) {
                    // `t('` alone, not the end of `get('` or `list.t('`.
                    let before = script[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || "_.$".contains(c)) {
                        continue;
                    }
                    let rest = &script[at + quote.len()..];
                    let key = &rest[..rest.find(['\'', '"']).unwrap_or(0)];
                    asked.insert(key.to_owned());
                }
            }
        }
        assert!(
            asked.len() > 100,
            "the script asks for its words: {}",
            asked.len()
        );
        let missing: Vec<_> = asked.iter().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "the pages ask for {missing:?}");
    }

    #[test]
    fn every_sentence_the_service_writes_is_in_the_catalogue() {
        let english = keys_and_variables(Locale::En);
        let sources = [include_str!("contacts.rs"), include_str!("views.rs")];
        let mut said = BTreeSet::new();
        for source in sources {
            for (at, _) in source.match_indices("say(") {
                let rest = source[at + 4..].trim_start();
                if let Some(rest) = rest.strip_prefix('"') {
                    said.insert(rest[..rest.find('"').unwrap_or(0)].to_owned());
                }
            }
        }
        assert!(
            said.len() >= 3,
            "the service's sentences are found: {said:?}"
        );
        let missing: Vec<_> = said.iter().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "the service says {missing:?}");
    }

    #[test]
    fn every_detail_the_service_names_is_in_the_catalogue() {
        fn sources(dir: &std::path::Path, into: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, into);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    into.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let english = keys_and_variables(Locale::En);
        let mut named = BTreeSet::new();
        for file in &files {
            for call in ["said(", "because(", "Why::new("] {
                for (at, _) in file.match_indices(call) {
                    let rest = file[at + call.len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let id = &rest[..rest.find('"').unwrap_or(0)];
                    // Message ids are kebab-case; other literals (this test's own) are not ids.
                    if !id.is_empty()
                        && id
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    {
                        named.insert(format!("detail-{id}"));
                    }
                }
            }
        }
        assert!(named.len() > 50, "the details are found: {}", named.len());
        let missing: Vec<_> = named.iter().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "the service names {missing:?}");
    }

    #[test]
    fn every_audit_action_has_its_words() {
        let english = keys_and_variables(Locale::En);
        let missing: Vec<_> = crate::domain::audit::ACTIONS
            .iter()
            .filter(|a| {
                !english.contains_key(&format!("audit-action-{}", a.replace(['.', '_'], "-")))
            })
            .collect();
        assert!(missing.is_empty(), "the audit page cannot name {missing:?}");
    }

    #[test]
    fn the_page_script_gets_each_pattern_as_text_variables_and_selectors() {
        let resource = FluentResource::try_new(
            "plain = Hello\nvar = Hi { $name }!\nbrace = a {\"{\"}b{\"}\"}\n\
             count = { $n ->\n    [one] one card\n   *[other] { $n } cards\n}\n"
                .to_owned(),
        )
        .unwrap();
        let patterns: BTreeMap<_, _> = messages_of(&resource)
            .map(|m| (m.id.name, pattern_json(m.value.as_ref().unwrap())))
            .collect();
        assert_eq!(patterns["plain"], json!("Hello"));
        assert_eq!(patterns["var"], json!(["Hi ", {"var": "name"}, "!"]));
        assert_eq!(patterns["brace"], json!(["a ", "{", "b", "}"]));
        assert_eq!(
            patterns["count"],
            json!([{"select": "n", "default": "other",
                "variants": {"one": "one card", "other": [{"var": "n"}, " cards"]}}])
        );
    }

    #[test]
    fn problem_titles_follow_the_locale_and_fall_back_to_the_status() {
        assert_eq!(problem_title(Locale::En, "not_found", 404), "Not found");
        assert_eq!(problem_title(Locale::ZhCn, "not_found", 404), "未找到");
        assert_eq!(problem_title(Locale::ZhTw, "not_found", 404), "找不到");
        // A code without a title of its own takes its status's.
        assert_eq!(
            problem_title(Locale::ZhTw, "no_such_code", 422),
            "無法處理的內容"
        );
        assert_eq!(problem_title(Locale::En, "no_such_code", 599), "Error");
    }
}
