//! The bundled fonts and the per-thread layout engine over them.
//!
//! The bundled Noto subsets (`assets/fonts/README.md`) are registered under family names of
//! their own, so a system font with the same name never stands in for them, and every text is
//! laid out with them first, in [`FAMILIES`] order: the same text draws the same on every
//! machine. Fonts installed on the system (found through fontconfig, loaded at run time when
//! the library is there) come after them, for characters none of ours has.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use parley::fontique::{Blob, Collection, CollectionOptions, FontInfoOverride, SourceCache};
use parley::{FontContext, LayoutContext};
use swash::scale::ScaleContext;

use super::Ink;

/// Embeds a font as a named static array. A reference to `include_bytes!`'s unnamed constant,
/// used from more than one codegen unit, is copied into each of them (the web app's asset
/// table and this module each got their own 26 MB of CJK fonts); a named static exists once.
macro_rules! embed {
    ($name:ident, $file:literal) => {
        static $name: [u8; include_bytes!(concat!("../../../assets/fonts/", $file)).len()] =
            *include_bytes!(concat!("../../../assets/fonts/", $file));
    };
}

embed!(LATIN_REGULAR, "NotoSans-Regular.subset.ttf");
embed!(LATIN_BOLD, "NotoSans-Bold.subset.ttf");
embed!(CJK_REGULAR_BYTES, "NotoSansCJK-Regular.subset.otf");
embed!(CJK_BOLD_BYTES, "NotoSansCJK-Bold.subset.otf");
embed!(ARABIC_REGULAR, "NotoSansArabic-Regular.subset.ttf");
embed!(ARABIC_BOLD, "NotoSansArabic-Bold.subset.ttf");
embed!(HEBREW_REGULAR, "NotoSansHebrew-Regular.subset.ttf");
embed!(HEBREW_BOLD, "NotoSansHebrew-Bold.subset.ttf");
embed!(DEVANAGARI_REGULAR, "NotoSansDevanagari-Regular.subset.ttf");
embed!(DEVANAGARI_BOLD, "NotoSansDevanagari-Bold.subset.ttf");
embed!(THAI_REGULAR, "NotoSansThai-Regular.subset.ttf");
embed!(THAI_BOLD, "NotoSansThai-Bold.subset.ttf");

/// Noto Sans CJK, Regular: also served by the web app (`crate::web::pages`) to devices without
/// a CJK font of their own.
pub(crate) static CJK_REGULAR: &[u8] = &CJK_REGULAR_BYTES;
/// Noto Sans CJK, Bold; see [`CJK_REGULAR`].
pub(crate) static CJK_BOLD: &[u8] = &CJK_BOLD_BYTES;

/// The font stack every text is laid out with, before system fonts: Latin, Greek and Cyrillic
/// first (the CJK font's Latin is sparse), then Chinese, Japanese and Korean, then the scripts
/// that need shaping. [`FAMILY_LIST`] is the same as a CSS `font-family` value.
const FAMILIES: [&str; 6] = [
    "namecard Latin",
    "namecard CJK",
    "namecard Arabic",
    "namecard Hebrew",
    "namecard Devanagari",
    "namecard Thai",
];

pub(super) const FAMILY_LIST: &str = "\"namecard Latin\", \"namecard CJK\", \"namecard Arabic\", \
    \"namecard Hebrew\", \"namecard Devanagari\", \"namecard Thai\"";

/// Family name and font bytes of every bundled face, Regular and Bold.
static BUNDLED: [(&str, &[u8]); 12] = [
    (FAMILIES[0], &LATIN_REGULAR),
    (FAMILIES[0], &LATIN_BOLD),
    (FAMILIES[1], &CJK_REGULAR_BYTES),
    (FAMILIES[1], &CJK_BOLD_BYTES),
    (FAMILIES[2], &ARABIC_REGULAR),
    (FAMILIES[2], &ARABIC_BOLD),
    (FAMILIES[3], &HEBREW_REGULAR),
    (FAMILIES[3], &HEBREW_BOLD),
    (FAMILIES[4], &DEVANAGARI_REGULAR),
    (FAMILIES[4], &DEVANAGARI_BOLD),
    (FAMILIES[5], &THAI_REGULAR),
    (FAMILIES[5], &THAI_BOLD),
];

/// The font collection, built once per process and shared by every thread's engine: the
/// bundled faces, then the system's. Registering parses only the fonts' headers; glyph data is
/// read from the compiled-in bytes when used.
fn collection() -> Collection {
    static SHARED: OnceLock<Collection> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let mut collection = Collection::new(CollectionOptions {
                shared: true,
                system_fonts: true,
            });
            for (family, bytes) in BUNDLED {
                collection.register_fonts(
                    Blob::new(Arc::new(bytes)),
                    Some(FontInfoOverride {
                        family_name: Some(family),
                        ..FontInfoOverride::default()
                    }),
                );
            }
            collection
        })
        .clone()
}

/// The cache of system font files, shared like the collection so each is read once.
fn source_cache() -> SourceCache {
    static SHARED: OnceLock<SourceCache> = OnceLock::new();
    SHARED.get_or_init(SourceCache::new_shared).clone()
}

/// One thread's layout and rasterisation state: parley's font and layout contexts (caches and
/// scratch space that are not `Sync`) and swash's scaler cache.
pub(super) struct Engine {
    pub(super) fonts: FontContext,
    pub(super) layout: LayoutContext<Ink>,
    pub(super) scale: ScaleContext,
}

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine {
        fonts: FontContext {
            collection: collection(),
            source_cache: source_cache(),
        },
        layout: LayoutContext::new(),
        scale: ScaleContext::new(),
    });
}

/// Runs `f` with this thread's engine. Not reentrant: `f` must not call back into it.
pub(super) fn with_engine<R>(f: impl FnOnce(&mut Engine) -> R) -> R {
    ENGINE.with(|engine| f(&mut engine.borrow_mut()))
}
