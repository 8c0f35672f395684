//! The documents: each module renders one kind flat (as printed), with the true field values.

use std::collections::BTreeMap;

use image::{Rgb, RgbImage};
use rand::Rng;

pub mod bank;
pub mod id_card;
pub mod invoice;
pub mod letter;
pub mod license;
pub mod pdf;

/// A rendered, flat document and what is printed on it.
pub struct Flat {
    /// The page as printed, before any capture effects.
    pub image: RgbImage,
    /// True values of the fields printed on it (names from `docgate_core::fields`).
    pub fields: BTreeMap<String, String>,
    /// Corner radius in pixels (ID cards are rounded), used when compositing a photo.
    pub corner_radius: f32,
}

/// A paper tone: white, cream, or slightly grey, so that no check can key on one colour.
pub fn paper_tone(rng: &mut impl Rng) -> Rgb<u8> {
    let base = rng.gen_range(236..252u8);
    Rgb([
        base,
        base.saturating_sub(rng.gen_range(0..6)),
        base.saturating_sub(rng.gen_range(0..14)),
    ])
}

/// A jitter of `±frac` of `v`.
pub fn jit(rng: &mut impl Rng, v: f32, frac: f32) -> f32 {
    v * (1.0 + rng.gen_range(-frac..=frac))
}

/// Inserts a field value.
pub fn put(fields: &mut BTreeMap<String, String>, name: &str, value: impl Into<String>) {
    fields.insert(name.to_string(), value.into());
}
