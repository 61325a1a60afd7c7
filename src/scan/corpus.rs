//! Test and benchmark support: the `qr-photos` corpus manifest (see its README.md).
//! Shared by the corpus test, the criterion bench and the timing example, so all three apply
//! the same matching rule.

use std::path::{Path, PathBuf};

/// One photo of the corpus with the texts it must (or may) yield.
#[derive(Debug, Clone)]
pub struct CorpusPhoto {
    /// Path relative to the corpus folder.
    pub name: String,
    /// Absolute path of the photo.
    pub path: PathBuf,
    /// Every text that must be found (empty for a negative).
    pub required: Vec<String>,
    /// Accepted alternatives: a photo is read when all `required` texts are found, or (for
    /// single-code photos) when its text equals one of these.
    pub alternatives: Vec<String>,
}

impl CorpusPhoto {
    /// True for a photo with no QR code in it.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.required.is_empty()
    }

    /// True when `texts` is an exact read: every required text found (or the single code's
    /// accepted alternative) and nothing else.
    #[must_use]
    pub fn is_read_by(&self, texts: &[String]) -> bool {
        if self.is_negative() {
            return texts.is_empty();
        }
        let all_required = self.required.iter().all(|r| texts.contains(r));
        let alternative =
            self.required.len() == 1 && texts.iter().any(|t| self.alternatives.contains(t));
        (all_required || alternative) && self.wrong_texts(texts).is_empty()
    }

    /// The photo decoded as an upload is (default limits): upright grayscale.
    ///
    /// # Errors
    /// A message naming the photo that cannot be read or decoded.
    pub fn decoded(&self) -> Result<super::DecodedImage, String> {
        let bytes = std::fs::read(&self.path).map_err(|e| format!("{}: {e}", self.name))?;
        let limits = super::ScanLimits::default();
        let upload = super::CheckedUpload::check(&bytes, &limits)
            .map_err(|e| format!("{}: {e}", self.name))?;
        super::DecodedImage::decode(&upload, &limits).map_err(|e| format!("{}: {e}", self.name))
    }

    /// The texts in `texts` that are neither required nor an accepted alternative.
    #[must_use]
    pub fn wrong_texts<'a>(&self, texts: &'a [String]) -> Vec<&'a String> {
        texts
            .iter()
            .filter(|t| !self.required.contains(t) && !self.alternatives.contains(t))
            .collect()
    }
}

/// The shared data folder: `$NAMECARD_SHARED`, else `<crate>/../shared`; `None` when absent.
#[must_use]
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NAMECARD_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
        PathBuf::from,
    );
    dir.is_dir().then_some(dir)
}

/// Loads `qr-photos/manifest.tsv` under the shared folder; `None` when the corpus is absent.
///
/// # Errors
/// A message naming the unreadable file or malformed line.
pub fn load_corpus() -> Result<Option<Vec<CorpusPhoto>>, String> {
    let Some(root) = shared_dir().map(|d| d.join("qr-photos")) else {
        return Ok(None);
    };
    let manifest = root.join("manifest.tsv");
    if !manifest.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{manifest:?}: {e}"))?;
    let read = |name: &str| -> Result<String, String> {
        std::fs::read_to_string(root.join(name)).map_err(|e| format!("{name}: {e}"))
    };
    let mut photos = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [image, _set, expected, _flags, _w, _h, alt] = cols.as_slice() else {
            return Err(format!("malformed manifest line: {line}"));
        };
        let files = |field: &str| -> Result<Vec<String>, String> {
            if field == "-" {
                return Ok(Vec::new());
            }
            field.split('|').map(read).collect()
        };
        photos.push(CorpusPhoto {
            name: (*image).to_owned(),
            path: root.join(image),
            required: files(expected)?,
            alternatives: files(alt)?,
        });
    }
    Ok(Some(photos))
}
