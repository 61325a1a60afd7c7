//! The QR matrix: text in, dark and light modules out.

use std::fmt;
use std::str::FromStr;

use super::QrError;

/// Error-correction level: how much of the code may be damaged and still decode.
///
/// `M` (15 %) is the default: it survives the scuffs of a printed card while keeping a ~270
/// character card URI at version 10, which phones read easily.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ecc {
    /// Low, ~7 % recovery.
    L,
    /// Medium, ~15 % recovery.
    #[default]
    M,
    /// Quartile, ~25 % recovery.
    Q,
    /// High, ~30 % recovery.
    H,
}

/// The text given to [`Ecc::from_str`] was not one of `L`, `M`, `Q` or `H`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("error correction level must be one of L, M, Q or H, not {0:?}")]
pub struct ParseEccError(String);

impl FromStr for Ecc {
    type Err = ParseEccError;

    /// Parses `L`, `M`, `Q` or `H` in either case (the CLI's `--ecc` flag).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "L" | "l" => Ok(Ecc::L),
            "M" | "m" => Ok(Ecc::M),
            "Q" | "q" => Ok(Ecc::Q),
            "H" | "h" => Ok(Ecc::H),
            _ => Err(ParseEccError(s.chars().take(16).collect())),
        }
    }
}

impl fmt::Display for Ecc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ecc::L => "L",
            Ecc::M => "M",
            Ecc::Q => "Q",
            Ecc::H => "H",
        })
    }
}

impl From<Ecc> for fast_qr::ECL {
    fn from(ecc: Ecc) -> Self {
        match ecc {
            Ecc::L => fast_qr::ECL::L,
            Ecc::M => fast_qr::ECL::M,
            Ecc::Q => fast_qr::ECL::Q,
            Ecc::H => fast_qr::ECL::H,
        }
    }
}

/// A square QR code as dark and light modules, without quiet zone.
///
/// Built only by [`QrMatrix::encode`], so holding one proves the text fitted. It copies the
/// modules out of `fast_qr`'s fixed 177 x 177 buffer (31 KB) into a buffer of the real size, so
/// it is cheap to keep and to move.
#[derive(Clone, PartialEq, Eq)]
pub struct QrMatrix {
    version: u8,
    width: usize,
    /// Row-major, `true` = dark.
    modules: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` with the smallest version that fits at `ecc`.
    ///
    /// The mode is chosen for the whole text: numeric if it is all digits, alphanumeric if it
    /// only uses `0-9 A-Z $%*+-./:` and space (which is why card URIs are uppercase), byte mode
    /// (UTF-8) otherwise. The mask is the one with the lowest penalty score, as the standard asks.
    ///
    /// # Errors
    /// [`QrError::DataTooLong`] when the text does not fit in a version-40 code at `ecc`.
    pub fn encode(text: &str, ecc: Ecc) -> Result<QrMatrix, QrError> {
        let too_long = || QrError::DataTooLong {
            len: text.len(),
            ecc,
        };
        let code = fast_qr::QRBuilder::new(text.as_bytes())
            .ecl(ecc.into())
            .build()
            .map_err(|_| too_long())?;
        let width = code.size;
        let version = u8::try_from((width.saturating_sub(17)) / 4).map_err(|_| too_long())?;
        let modules = code
            .data
            .get(..width * width)
            .ok_or_else(too_long)?
            .iter()
            .map(|module| module.value())
            .collect();
        Ok(QrMatrix {
            version,
            width,
            modules,
        })
    }

    /// The QR version, 1 to 40; the width is `17 + 4 * version` modules.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Width (and height) in modules, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark; outside the matrix is light, as the
    /// quiet zone around it is.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.modules[y * self.width + x]
    }

    /// One row of modules, `true` = dark; empty past the last row.
    pub fn row(&self, y: usize) -> &[bool] {
        self.modules
            .get(y * self.width..(y + 1) * self.width)
            .unwrap_or(&[])
    }
}

impl fmt::Debug for QrMatrix {
    /// Prints the version and the modules as text art, which makes test failures readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "QrMatrix {{ version: {}, width: {} }}",
            self.version, self.width
        )?;
        for y in 0..self.width {
            let line: String = self
                .row(y)
                .iter()
                .map(|&dark| if dark { '█' } else { ' ' })
                .collect();
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecc_parses_each_level_in_either_case() {
        for (text, ecc) in [("l", Ecc::L), ("M", Ecc::M), ("q", Ecc::Q), ("H", Ecc::H)] {
            assert_eq!(text.parse::<Ecc>(), Ok(ecc));
            assert_eq!(ecc.to_string().parse::<Ecc>(), Ok(ecc));
        }
    }

    #[test]
    fn ecc_rejects_anything_else() {
        for text in ["", "X", "MM", " m", "medium"] {
            assert!(text.parse::<Ecc>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn ecc_defaults_to_medium() {
        assert_eq!(Ecc::default(), Ecc::M);
    }

    #[test]
    fn encode_reports_the_version_that_matches_the_width() {
        let m = QrMatrix::encode("HELLO WORLD", Ecc::M).expect("fits");
        assert_eq!(m.width(), 17 + 4 * usize::from(m.version()));
        assert_eq!(m.version(), 1);
    }

    #[test]
    fn is_dark_is_false_outside_the_matrix() {
        let m = QrMatrix::encode("1", Ecc::L).expect("fits");
        assert!(m.is_dark(0, 0), "finder pattern corner is dark");
        assert!(!m.is_dark(m.width(), 0));
        assert!(!m.is_dark(0, usize::MAX));
    }

    #[test]
    fn encode_rejects_text_longer_than_version_40() {
        let text = "A".repeat(4300);
        assert!(matches!(
            QrMatrix::encode(&text, Ecc::L),
            Err(QrError::DataTooLong {
                len: 4300,
                ecc: Ecc::L
            })
        ));
    }
}
