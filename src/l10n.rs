//! The languages people read namecard in: the string catalogues (Fluent `.ftl` files under
//! `assets/locales/<locale>/`, embedded in the binary, which a translator edits without touching
//! code), each catalogue in the form the page script formats (`/assets/locales/<locale>.json`),
//! and the choice of one from a language tag. The web app and the problem documents (`http`)
//! and the mails (`service::mail`) all say their words from here.
//!
//! The page script and the server read the same files: the server parses them once
//! with `fluent-syntax` and hands the script each message's pattern (text, `{ $variable }`
//! placeables and `{ $n -> [one] ... *[other] ... }` selectors) as JSON, so nothing is parsed
//! twice and no code is evaluated on the page.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::sync::LazyLock;

/// The files of one locale's catalogue: the web app's words, the offline verifier's, the
/// problem documents' and the mails'.
macro_rules! catalogue_files {
    ($locale:literal) => {
        [
            (
                "app.ftl",
                include_str!(concat!("../assets/locales/", $locale, "/app.ftl")),
            ),
            (
                "verify.ftl",
                include_str!(concat!("../assets/locales/", $locale, "/verify.ftl")),
            ),
            (
                "problems.ftl",
                include_str!(concat!("../assets/locales/", $locale, "/problems.ftl")),
            ),
            (
                "mail.ftl",
                include_str!(concat!("../assets/locales/", $locale, "/mail.ftl")),
            ),
        ]
    };
}

/// A language the web app and the problem documents are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    /// Simplified Chinese (mainland China, Singapore).
    ZhCn,
    /// Traditional Chinese, in Taiwan's usage (also for Hong Kong and Macao).
    ZhTw,
}

impl Locale {
    /// Every locale, in the order the language switch lists them.
    pub const ALL: [Locale; 3] = [Locale::ZhCn, Locale::ZhTw, Locale::En];

    /// The tag of the catalogue and of `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
            Self::ZhTw => "zh-TW",
        }
    }

    /// One of our own tags (the cookie's, the catalogue's path), exactly.
    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The locale a language range of `Accept-Language` asks for, if it is one of ours:
    /// `zh`, `zh-CN`, `zh-Hans`, `zh-SG` read Simplified; `zh-TW`, `zh-HK`, `zh-MO`, `zh-Hant`
    /// (and Cantonese) read Traditional; `en-*` English. The script decides before the region
    /// (`zh-Hans-HK` is Simplified).
    fn from_range(range: &str) -> Option<Self> {
        let range = range.to_ascii_lowercase();
        let mut subtags = range.split(['-', '_']);
        match subtags.next()? {
            "en" => Some(Self::En),
            "yue" => Some(Self::ZhTw),
            "zh" => {
                let rest: Vec<&str> = subtags.collect();
                if rest.contains(&"hant") {
                    Some(Self::ZhTw)
                } else if rest.contains(&"hans") {
                    Some(Self::ZhCn)
                } else if rest.iter().any(|s| matches!(*s, "tw" | "hk" | "mo")) {
                    Some(Self::ZhTw)
                } else {
                    Some(Self::ZhCn)
                }
            }
            _ => None,
        }
    }

    /// The locale of text written for an organization in language `lang` (its setting, a BCP 47
    /// tag): Simplified or Traditional Chinese as [`Self::negotiate`] reads the tag, English for
    /// every other language, which the catalogues do not have yet.
    pub fn of_language(lang: &crate::qr::Lang) -> Self {
        Self::from_range(lang.as_str()).unwrap_or(Self::En)
    }

    /// The locale an `Accept-Language` header prefers: its ranges by weight (`q`), the first one
    /// that is ours; English when none is (or there is no header).
    pub fn negotiate(accept_language: Option<&str>) -> Self {
        let Some(header) = accept_language else {
            return Self::En;
        };
        let mut ranges: Vec<(u16, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let range = parts.next()?.trim();
                let weight =
                    parts
                        .find_map(|p| p.trim().strip_prefix("q="))
                        .map_or(Some(1000), |q| {
                            q.trim()
                                .parse::<f32>()
                                .ok()
                                .filter(|q| (0.0..=1.0).contains(q))
                                .map(|q| (q * 1000.0) as u16)
                        })?;
                (weight > 0 && !range.is_empty()).then_some((weight, i, range))
            })
            .collect();
        ranges.sort_by_key(|&(weight, i, _)| (std::cmp::Reverse(weight), i));
        ranges
            .into_iter()
            .find_map(|(_, _, range)| Self::from_range(range))
            .unwrap_or(Self::En)
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Self::En => 0,
            Self::ZhCn => 1,
            Self::ZhTw => 2,
        }
    }
}

/// The catalogue files of each locale, in [`Locale::index`] order: file name and text.
pub const SOURCES: [[(&str, &str); 4]; 3] = [
    catalogue_files!("en"),
    catalogue_files!("zh-CN"),
    catalogue_files!("zh-TW"),
];

/// The catalogue files of `locale`.
pub fn sources(locale: Locale) -> &'static [(&'static str, &'static str)] {
    &SOURCES[locale.index()]
}

/// One locale's messages: the bundle that formats them here, and their patterns as the page
/// script reads them.
struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    json: Vec<u8>,
    etag: String,
}

static CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    [Locale::En, Locale::ZhCn, Locale::ZhTw]
        .into_iter()
        .map(catalogue)
        .collect()
});

/// Builds a locale's catalogue. The files are part of the binary and checked by its tests (every
/// file parses, every message is in every locale), so a file that does not parse is a build that
/// never passed them: its bad entries are left out, and logged.
fn catalogue(locale: Locale) -> Catalogue {
    let langid: unic_langid::LanguageIdentifier = locale.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // The text goes into JSON and text nodes, never into bidirectional markup of our own.
    bundle.set_use_isolating(false);
    let mut messages = serde_json::Map::new();
    for (name, text) in sources(locale) {
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, errors)| {
            tracing::error!(
                locale = locale.tag(),
                file = name,
                ?errors,
                "catalogue errors"
            );
            r
        });
        for message in messages_of(&resource) {
            if let Some(value) = &message.value {
                messages.insert(message.id.name.to_owned(), pattern_json(value));
            }
            for attribute in &message.attributes {
                let key = format!("{}.{}", message.id.name, attribute.id.name);
                messages.insert(key, pattern_json(&attribute.value));
            }
        }
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(
                locale = locale.tag(),
                file = name,
                ?errors,
                "catalogue clash"
            );
        }
    }
    let json = serde_json::to_vec(&json!({ "locale": locale.tag(), "messages": messages }))
        .unwrap_or_default();
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&json))[..32]);
    Catalogue { bundle, json, etag }
}

/// The messages of a parsed catalogue file.
pub fn messages_of(resource: &FluentResource) -> impl Iterator<Item = &ast::Message<&str>> {
    resource.entries().filter_map(|entry| match entry {
        ast::Entry::Message(m) => Some(m),
        _ => None,
    })
}

/// A pattern as the page script formats it: a string when it is plain text, else a list of
/// parts, each a string, `{"var": name}` or `{"select": name, "variants": {key: pattern},
/// "default": key}`. Only what the catalogues use is carried: text, variables and selectors on
/// a variable (plural categories or exact values); other expressions become their source text,
/// which the catalogue test refuses.
pub(crate) fn pattern_json(pattern: &ast::Pattern<&str>) -> Value {
    let parts: Vec<Value> = pattern.elements.iter().map(element_json).collect();
    match parts.as_slice() {
        [] => Value::String(String::new()),
        [Value::String(text)] => Value::String(text.clone()),
        _ => Value::Array(parts),
    }
}

fn element_json(element: &ast::PatternElement<&str>) -> Value {
    match element {
        ast::PatternElement::TextElement { value } => Value::String((*value).to_owned()),
        ast::PatternElement::Placeable { expression } => expression_json(expression),
    }
}

fn expression_json(expression: &ast::Expression<&str>) -> Value {
    match expression {
        ast::Expression::Inline(inline) => inline_json(inline),
        ast::Expression::Select { selector, variants } => {
            let ast::InlineExpression::VariableReference { id } = selector else {
                return Value::String(String::from("{?}"));
            };
            let mut keyed = serde_json::Map::new();
            let mut default = String::new();
            for variant in variants {
                let key = match &variant.key {
                    ast::VariantKey::Identifier { name } => (*name).to_owned(),
                    ast::VariantKey::NumberLiteral { value } => (*value).to_owned(),
                };
                if variant.default {
                    default.clone_from(&key);
                }
                keyed.insert(key, pattern_json(&variant.value));
            }
            json!({ "select": id.name, "variants": keyed, "default": default })
        }
    }
}

fn inline_json(inline: &ast::InlineExpression<&str>) -> Value {
    match inline {
        ast::InlineExpression::VariableReference { id } => json!({ "var": id.name }),
        ast::InlineExpression::StringLiteral { value } => {
            Value::String(fluent_syntax::unicode::unescape_unicode_to_string(value).into_owned())
        }
        ast::InlineExpression::NumberLiteral { value } => Value::String((*value).to_owned()),
        ast::InlineExpression::Placeable { expression } => expression_json(expression),
        _ => Value::String(String::from("{?}")),
    }
}

/// The catalogue of `locale` as the page script reads it, and its ETag.
pub fn catalogue_json(locale: Locale) -> (&'static [u8], &'static str) {
    let catalogue = &CATALOGUES[locale.index()];
    (&catalogue.json, &catalogue.etag)
}

/// Message `id` of `locale`'s catalogue with `args` filled in: the sentences the service writes
/// (mails, notices). The catalogue tests keep every such id present; one missing anyway is logged
/// and said as its id.
pub fn say(locale: Locale, id: &str, args: &[(&'static str, FluentValue<'_>)]) -> String {
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        fluent.set(*name, value.clone());
    }
    message(locale, id, Some(&fluent)).unwrap_or_else(|| {
        tracing::error!(id, "no such message");
        id.to_owned()
    })
}

/// Message `id` (or `id.attribute`) of `locale`'s catalogue, formatted with `args`; `None` when
/// the catalogue has no such message.
pub fn message(locale: Locale, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    let bundle = &CATALOGUES[locale.index()].bundle;
    let (id, attribute) = match id.split_once('.') {
        Some((id, attribute)) => (id, Some(attribute)),
        None => (id, None),
    };
    let message = bundle.get_message(id)?;
    let pattern = match attribute {
        Some(name) => message.get_attribute(name)?.value(),
        None => message.value()?,
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::error!(locale = locale.tag(), id, ?errors, "message errors");
    }
    Some(text.into_owned())
}
