//! A scripted engine for fast tests: a page is a list of texts at boxes; a read returns the
//! texts whose centre lies inside the request's page rectangle, a layout pass their boxes.
//! No pixels are looked at, so reader logic (labels, crops, repair, absent fields) can be
//! tested in microseconds without Tesseract.

use std::sync::atomic::{AtomicUsize, Ordering};

use docgate_core::Region;
use image::GrayImage;

use crate::engine::{Ocr, OcrError, Reading, Request, Word};

/// One scripted text.
#[derive(Debug, Clone, PartialEq)]
pub struct Scripted {
    /// What a read of this box returns.
    pub text: String,
    /// Where it is on the page.
    pub region: Region,
    /// The confidence reported.
    pub confidence: f32,
}

/// The fake engine.
#[derive(Debug, Default)]
pub struct FakeOcr {
    items: Vec<Scripted>,
    /// When set, every read fails (a timeout), to test that failures become absent fields.
    pub fail_reads: bool,
    reads: AtomicUsize,
}

impl FakeOcr {
    /// An engine over the scripted page.
    pub fn new(items: Vec<Scripted>) -> FakeOcr {
        FakeOcr {
            items,
            ..FakeOcr::default()
        }
    }

    /// Adds a text at a box, with confidence 0.95.
    pub fn with(mut self, text: &str, region: Region) -> FakeOcr {
        self.items.push(Scripted {
            text: text.to_string(),
            region,
            confidence: 0.95,
        });
        self
    }

    /// How many reads were asked for (to check that only what is needed is read).
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::Relaxed)
    }

    fn inside(&self, area: Region) -> impl Iterator<Item = &Scripted> {
        self.items.iter().filter(move |s| {
            let (cx, cy) = (s.region[0] + s.region[2] / 2, s.region[1] + s.region[3] / 2);
            cx >= area[0] && cx < area[0] + area[2] && cy >= area[1] && cy < area[1] + area[3]
        })
    }
}

impl Ocr for FakeOcr {
    fn read(&self, req: &Request<'_>) -> Result<Reading, OcrError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        if self.fail_reads {
            return Err(OcrError::Timeout(0));
        }
        let mut hits: Vec<&Scripted> = self.inside(req.origin).collect();
        hits.sort_by_key(|s| (s.region[1] / 8, s.region[0]));
        let mut words = Vec::new();
        let mut line = 0u32;
        let mut last_y: Option<u32> = None;
        for s in hits {
            if let Some(y) = last_y {
                if s.region[1] > y + s.region[3] / 2 {
                    line += 1;
                }
            }
            last_y = Some(s.region[1]);
            // Like Tesseract, a whitelist only lets its characters through.
            let text: String = match req.whitelist {
                Some(w) => s.text.chars().filter(|c| w.contains(*c)).collect(),
                None => s.text.clone(),
            };
            if !text.is_empty() {
                words.push(Word {
                    text,
                    confidence: s.confidence,
                    region: s.region,
                    line,
                });
            }
        }
        Ok(Reading { words })
    }

    fn lines(&self, _image: &GrayImage, origin: Region) -> Result<Vec<Region>, OcrError> {
        if self.fail_reads {
            return Err(OcrError::Timeout(0));
        }
        // Scripted boxes are words; the real layout returns pieces (runs of words split at
        // wide gaps), so group them the same way.
        let mut boxes = segments(self.inside(origin).map(|s| s.region).collect());
        boxes.sort_by_key(|b| (b[1], b[0]));
        Ok(boxes)
    }
}

/// Groups word boxes into line segments: words on the same row (vertical overlap of at least
/// half the smaller height) closer than 4.5 heights (spread labels like 名　　称 have gaps of
/// three to four characters). A wider gap starts a new segment, so the right column of a
/// two-column form has its own segments, whose first words are labels.
fn segments(mut words: Vec<Region>) -> Vec<Region> {
    words.retain(|w| w[2] > 0 && w[3] > 0);
    words.sort_by_key(|w| w[0]);
    let mut segs: Vec<Region> = Vec::new();
    for w in words {
        let joined = segs.iter_mut().rev().find(|s| {
            let top = s[1].max(w[1]);
            let bottom = (s[1] + s[3]).min(w[1] + w[3]);
            let overlap = bottom.saturating_sub(top);
            let h = s[3].min(w[3]).max(1);
            let right = s[0] + s[2];
            overlap * 2 >= h && w[0] + 2 >= s[0] && w[0] <= right + w[3].max(s[3]) * 9 / 2
        });
        match joined {
            Some(s) => {
                if let Some(u) = crate::engine::union([*s, w]) {
                    *s = u;
                }
            }
            None => segs.push(w),
        }
    }
    segs
}
