//! Folding Traditional Chinese characters to Simplified ones, for the directory search.
//!
//! The table is OpenCC's (Apache-2.0): its character tables only, never its phrase tables, so
//! folding works character by character and a substring of a name still folds to a substring
//! of the folded name. Taiwan and Hong Kong variant forms fold too (台 = 臺, 峯 = 峰). See
//! `assets/hanzi/README.md` for how `t2s.tsv` is made.

use std::sync::OnceLock;

static TABLE: &str = include_str!("../../assets/hanzi/t2s.tsv");

/// `(traditional, simplified)` pairs sorted by the first, parsed once from [`TABLE`].
fn pairs() -> &'static [(char, char)] {
    static PAIRS: OnceLock<Vec<(char, char)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let mut pairs: Vec<(char, char)> = TABLE
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let mut chars = line.chars();
                let traditional = chars.next()?;
                let simplified = chars.nth(1)?;
                Some((traditional, simplified))
            })
            .collect();
        pairs.sort_unstable();
        pairs
    })
}

/// The Simplified form of `c`, or `c` itself when it has none (it is Simplified already, or
/// not Chinese).
pub(super) fn simplified(c: char) -> char {
    // Below U+2E80 nothing is a Han character; most text is Latin, so this skips the search.
    if u32::from(c) < 0x2E80 {
        return c;
    }
    let pairs = pairs();
    match pairs.binary_search_by_key(&c, |&(traditional, _)| traditional) {
        Ok(i) => pairs[i].1,
        Err(_) => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_unique_and_folds_to_a_fixed_point() {
        let pairs = pairs();
        assert!(pairs.len() > 3000, "{}", pairs.len());
        assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
        for &(traditional, simplified_form) in pairs {
            assert_ne!(traditional, simplified_form);
            assert_eq!(
                simplified(simplified_form),
                simplified_form,
                "{traditional}"
            );
        }
    }

    #[test]
    fn traditional_and_variant_forms_fold_and_others_stay() {
        assert_eq!(simplified('張'), '张');
        assert_eq!(simplified('张'), '张');
        assert_eq!(simplified('臺'), '台');
        assert_eq!(simplified('峯'), '峰');
        assert_eq!(simplified('喆'), '喆');
        assert_eq!(simplified('a'), 'a');
        assert_eq!(simplified('の'), 'の');
    }
}
