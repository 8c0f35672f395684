//! CJK font discovery: the Debian CJK fonts installed on this machine, loaded once.

use std::path::PathBuf;
use std::process::Command;

use ab_glyph::FontVec;

/// The Debian packages that provide the fonts the generator can use.
pub const DEBIAN_PACKAGES: &str =
    "fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming";

/// Why no usable font was found.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// Nothing CJK-capable is installed.
    #[error("no Chinese font found (looked with `fc-list :lang=zh` and in /usr/share/fonts); install the Debian packages: apt-get install {DEBIAN_PACKAGES}")]
    NoneFound,
}

/// How a face looks, so documents can choose a fitting one for titles and body text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Hei (sans): Noto Sans CJK, WenQuanYi.
    Sans,
    /// Song/Ming (serif): Noto Serif CJK, AR PL UMing.
    Serif,
}

/// One loaded face.
pub struct Face {
    /// Family and style, for labels.
    pub name: String,
    /// The outlines.
    pub font: FontVec,
    /// Sans or serif.
    pub style: Style,
    /// A bold weight (preferred for titles).
    pub bold: bool,
}

/// Every usable face, in a stable order so that a seed picks the same face on the same machine.
pub struct FontSet {
    faces: Vec<Face>,
}

/// A candidate face: file, index in a TTC collection, family name.
type Candidate = (PathBuf, u32, String);

/// Faces we know render Simplified Chinese well. Other regional variants of the same
/// collection (JP, KR, TC, HK) draw some characters differently, so they are skipped.
fn wanted(family: &str) -> bool {
    let f = family.to_ascii_lowercase();
    if f.contains("mono") || f.contains("sharp") {
        return false;
    }
    (f.contains("noto") && f.contains(" sc"))
        || f.contains("wenquanyi zen hei")
        || f.contains("wenquanyi micro hei")
        || f.contains("ar pl uming cn")
}

fn from_fc_list() -> Vec<Candidate> {
    let out = Command::new("fc-list")
        .args([
            "-f",
            "%{file}\t%{index}\t%{family[0]}\t%{style[0]}\n",
            ":lang=zh",
        ])
        .output();
    let Ok(out) = out else { return Vec::new() };
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| {
            let mut p = l.split('\t');
            let file = PathBuf::from(p.next()?);
            let index = p.next()?.parse().ok()?;
            let family = p.next()?.to_string();
            let style = p.next().unwrap_or("").to_string();
            wanted(&family).then(|| (file, index, format!("{family} {style}")))
        })
        .collect()
}

/// Known locations, for machines without fontconfig. Indices are the SC faces.
fn from_known_paths() -> Vec<Candidate> {
    let known: [(&str, u32, &str); 7] = [
        (
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            2,
            "Noto Sans CJK SC Regular",
        ),
        (
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
            2,
            "Noto Sans CJK SC Bold",
        ),
        (
            "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
            2,
            "Noto Serif CJK SC Regular",
        ),
        (
            "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
            2,
            "Noto Serif CJK SC Bold",
        ),
        (
            "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
            0,
            "WenQuanYi Zen Hei Regular",
        ),
        (
            "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
            0,
            "WenQuanYi Micro Hei Regular",
        ),
        (
            "/usr/share/fonts/truetype/arphic/uming.ttc",
            2,
            "AR PL UMing CN Light",
        ),
    ];
    known
        .iter()
        .filter(|(p, _, _)| std::path::Path::new(p).exists())
        .map(|(p, i, n)| (PathBuf::from(p), *i, n.to_string()))
        .collect()
}

impl FontSet {
    /// Finds and loads every usable face. Errors name the Debian packages to install.
    pub fn discover() -> Result<FontSet, FontError> {
        let mut cands = from_fc_list();
        if cands.is_empty() {
            cands = from_known_paths();
        }
        cands.sort();
        cands.dedup();
        let mut faces = Vec::new();
        for (path, index, name) in cands {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(font) = FontVec::try_from_vec_and_index(bytes, index) else {
                continue;
            };
            // A face without 营 cannot print a licence.
            if ab_glyph::Font::glyph_id(&font, '营').0 == 0 {
                continue;
            }
            let lower = name.to_ascii_lowercase();
            let style = if lower.contains("serif") || lower.contains("uming") {
                Style::Serif
            } else {
                Style::Sans
            };
            let bold = lower.contains("bold");
            faces.push(Face {
                name,
                font,
                style,
                bold,
            });
        }
        if faces.is_empty() {
            return Err(FontError::NoneFound);
        }
        Ok(FontSet { faces })
    }

    /// All faces.
    pub fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// A random face, optionally of a style (falls back to any face).
    pub fn pick(&self, rng: &mut impl rand::Rng, style: Option<Style>) -> &Face {
        let matching: Vec<&Face> = self
            .faces
            .iter()
            .filter(|f| match style {
                None => true,
                Some(s) => f.style == s,
            })
            .collect();
        let pool: Vec<&Face> = if matching.is_empty() {
            self.faces.iter().collect()
        } else {
            matching
        };
        pool[rng.gen_range(0..pool.len())]
    }

    /// A face for titles: bold if one exists, else any.
    pub fn pick_title(&self, rng: &mut impl rand::Rng) -> &Face {
        let bold: Vec<&Face> = self.faces.iter().filter(|f| f.bold).collect();
        if bold.is_empty() || rng.gen_bool(0.25) {
            self.pick(rng, None)
        } else {
            bold[rng.gen_range(0..bold.len())]
        }
    }
}
