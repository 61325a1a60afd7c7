//! The language a card is drawn in: which regional glyph forms CJK text takes, and the words
//! the card itself prints.

use std::fmt;
use std::str::FromStr;

use parley::style::Language;

/// The language of a card, a BCP 47 tag such as `zh-Hans`, `zh-TW`, `zh-Hant-HK`, `ja` or `ko`.
///
/// The shaper gets it as the OpenType language system, so the bundled pan-CJK font's `locl`
/// feature picks the regional forms of the same code points: Simplified Chinese for `zh`,
/// `zh-Hans` and `zh-CN`, Traditional (Taiwan) for `zh-Hant` and `zh-TW`, Hong Kong for
/// `zh-HK` and `zh-Hant-HK`, Japanese for `ja`, Korean for `ko`. Other scripts' fonts have
/// their own `locl` forms (Bulgarian and Serbian Cyrillic, for example). Only the language,
/// script and region subtags are kept. The default is `en` (Han text then takes the Simplified
/// forms, the font's own default).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(Language);

/// A language tag that is not BCP 47 `language[-Script][-REGION]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tag:?} is not a language tag such as zh-Hans, zh-TW, ja, ko or en")]
pub struct ParseLangError {
    tag: String,
}

impl ParseLangError {
    /// The refused tag (its first 40 characters).
    pub fn tag(&self) -> &str {
        &self.tag
    }
}

impl Lang {
    /// Parses a BCP 47 tag; variants and extensions are accepted and ignored.
    ///
    /// # Errors
    /// When `tag` is not a well-formed tag.
    pub fn parse(tag: &str) -> Result<Self, ParseLangError> {
        let error = || ParseLangError {
            tag: tag.chars().take(40).collect(),
        };
        // Parley's parser keeps `language[-Script][-REGION]` and checks the rest's shape.
        let language = Language::parse(tag.trim()).map_err(|_| error())?;
        if language == Language::UND && !tag.trim().eq_ignore_ascii_case("und") {
            return Err(error());
        }
        Ok(Self(language))
    }

    /// The canonical tag, e.g. `zh-Hant-TW`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(super) fn language(&self) -> Language {
        self.0
    }

    /// Which of the card's own catalogues this language reads.
    fn catalogue(&self) -> Catalogue {
        match self.0.language() {
            "zh" | "yue" => {
                let traditional = match self.0.script() {
                    Some(script) => script == "Hant",
                    None => matches!(self.0.region(), Some("TW" | "HK" | "MO")),
                };
                if traditional || self.0.language() == "yue" {
                    Catalogue::ZhHant
                } else {
                    Catalogue::ZhHans
                }
            }
            "ja" => Catalogue::Ja,
            "ko" => Catalogue::Ko,
            _ => Catalogue::En,
        }
    }

    /// The printable card's footer in this language: "Scan to add me", "扫码添加我", "掃碼加我",
    /// ... (English for languages without a translation).
    pub fn scan_prompt(&self) -> &'static str {
        match self.catalogue() {
            Catalogue::En => "Scan to add me",
            Catalogue::ZhHans => "扫码添加我",
            Catalogue::ZhHant => "掃碼加我",
            Catalogue::Ja => "スキャンして連絡先に追加",
            Catalogue::Ko => "스캔하여 연락처에 추가",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Catalogue {
    En,
    ZhHans,
    ZhHant,
    Ja,
    Ko,
}

impl Default for Lang {
    fn default() -> Self {
        Self(Language::parse("en").unwrap_or(Language::UND))
    }
}

impl FromStr for Lang {
    type Err = ParseLangError;

    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        Self::parse(tag)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lang({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_parsed_case_insensitively_and_keep_script_and_region() {
        assert_eq!(Lang::parse("ZH-hant-tw").unwrap().as_str(), "zh-Hant-TW");
        assert_eq!(
            Lang::parse("ja-JP-u-ca-japanese").unwrap().as_str(),
            "ja-JP"
        );
        assert!(Lang::parse("").is_err());
        assert!(Lang::parse("not a tag").is_err());
        assert!(Lang::parse("zh_\u{0}").is_err());
    }

    #[test]
    fn the_footer_follows_the_language_and_region() {
        let prompt = |tag: &str| Lang::parse(tag).unwrap().scan_prompt();
        assert_eq!(prompt("en"), "Scan to add me");
        assert_eq!(prompt("de-CH"), "Scan to add me");
        assert_eq!(prompt("zh"), "扫码添加我");
        assert_eq!(prompt("zh-Hans-SG"), "扫码添加我");
        assert_eq!(prompt("zh-CN"), "扫码添加我");
        assert_eq!(prompt("zh-TW"), "掃碼加我");
        assert_eq!(prompt("zh-HK"), "掃碼加我");
        assert_eq!(prompt("zh-Hant"), "掃碼加我");
        assert_eq!(prompt("zh-Hans-HK"), "扫码添加我");
        assert_eq!(prompt("ja"), "スキャンして連絡先に追加");
        assert_eq!(prompt("ko-KR"), "스캔하여 연락처에 추가");
        assert_eq!(Lang::default().as_str(), "en");
    }
}
