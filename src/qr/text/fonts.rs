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

/// Noto Sans CJK, Regular: also served by the web app (`crate::web::pages`) to devices without
/// a CJK font of their own.
pub(crate) static CJK_REGULAR: &[u8] =
    include_bytes!("../../../assets/fonts/NotoSansCJK-Regular.subset.otf");
/// Noto Sans CJK, Bold; see [`CJK_REGULAR`].
pub(crate) static CJK_BOLD: &[u8] =
    include_bytes!("../../../assets/fonts/NotoSansCJK-Bold.subset.otf");

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
    (
        FAMILIES[0],
        include_bytes!("../../../assets/fonts/NotoSans-Regular.subset.ttf"),
    ),
    (
        FAMILIES[0],
        include_bytes!("../../../assets/fonts/NotoSans-Bold.subset.ttf"),
    ),
    (FAMILIES[1], CJK_REGULAR),
    (FAMILIES[1], CJK_BOLD),
    (
        FAMILIES[2],
        include_bytes!("../../../assets/fonts/NotoSansArabic-Regular.subset.ttf"),
    ),
    (
        FAMILIES[2],
        include_bytes!("../../../assets/fonts/NotoSansArabic-Bold.subset.ttf"),
    ),
    (
        FAMILIES[3],
        include_bytes!("../../../assets/fonts/NotoSansHebrew-Regular.subset.ttf"),
    ),
    (
        FAMILIES[3],
        include_bytes!("../../../assets/fonts/NotoSansHebrew-Bold.subset.ttf"),
    ),
    (
        FAMILIES[4],
        include_bytes!("../../../assets/fonts/NotoSansDevanagari-Regular.subset.ttf"),
    ),
    (
        FAMILIES[4],
        include_bytes!("../../../assets/fonts/NotoSansDevanagari-Bold.subset.ttf"),
    ),
    (
        FAMILIES[5],
        include_bytes!("../../../assets/fonts/NotoSansThai-Regular.subset.ttf"),
    ),
    (
        FAMILIES[5],
        include_bytes!("../../../assets/fonts/NotoSansThai-Bold.subset.ttf"),
    ),
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
