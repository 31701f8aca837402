//! Renditions: which sizes exist (the URL's last segment names one), and how one is made from
//! an upright original. Re-encoding writes pixels only, so no rendition carries the
//! original's EXIF, GPS position, camera serial or XMP.

use std::fmt;

use image::{DynamicImage, imageops::FilterType};

use crate::{
    domain::asset::FocalPoint,
    error::{AppError, AppResult},
};

/// Crops a rendition may take without a signature, as width × height ratios.
pub const ASPECTS: [(u32, u32); 6] = [(1, 1), (4, 3), (3, 2), (16, 9), (9, 16), (4, 5)];
/// Widths a signed URL may ask for.
pub const SIGNED_WIDTHS: std::ops::RangeInclusive<u32> = 16..=4096;
/// JPEG quality of every rendition.
pub const JPEG_QUALITY: u8 = 82;

/// The encodings renditions come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpeg,
    Png,
    /// Lossless: the pure-Rust encoder has no lossy mode (see `docs/architecture.md`).
    Webp,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Jpeg, Format::Webp, Format::Png];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
        }
    }

    fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }
}

/// One rendition: a width, an optional crop to an aspect ratio (around the focal point), and
/// a format. Written in URLs as `640w.jpg` or `640w-16x9.webp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spec {
    pub width: u32,
    pub aspect: Option<(u32, u32)>,
    pub format: Format,
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}w", self.width)?;
        if let Some((a, b)) = self.aspect {
            write!(f, "-{a}x{b}")?;
        }
        write!(f, ".{}", self.format.extension())
    }
}

fn bad_spec() -> AppError {
    AppError::invalid_parameter(
        "rendition",
        "a rendition is named like 640w.jpg or 640w-16x9.webp (formats jpg, webp, png)",
    )
}

fn number(s: &str) -> Option<u32> {
    // Digits only, no sign or leading zero: one spelling per rendition, so one stored file.
    if s.is_empty() || s.len() > 5 || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Spec {
    pub fn parse(segment: &str) -> AppResult<Spec> {
        let (stem, ext) = segment.rsplit_once('.').ok_or_else(bad_spec)?;
        let format = Format::from_extension(ext).ok_or_else(bad_spec)?;
        let (width, aspect) = match stem.split_once("w-") {
            Some((w, aspect)) => {
                let (a, b) = aspect.split_once('x').ok_or_else(bad_spec)?;
                let (a, b) = (
                    number(a).ok_or_else(bad_spec)?,
                    number(b).ok_or_else(bad_spec)?,
                );
                if a > 99 || b > 99 {
                    return Err(bad_spec());
                }
                (w, Some((a, b)))
            }
            None => (stem.strip_suffix('w').ok_or_else(bad_spec)?, None),
        };
        let width = number(width).ok_or_else(bad_spec)?;
        if !SIGNED_WIDTHS.contains(&width) {
            // Well formed, but no such rendition is ever made.
            return Err(AppError::not_found(format!(
                "renditions are {} to {} pixels wide",
                SIGNED_WIDTHS.start(),
                SIGNED_WIDTHS.end()
            )));
        }
        Ok(Spec {
            width,
            aspect,
            format,
        })
    }

    /// Made without a signature: a configured width, and a crop (if any) of [`ASPECTS`].
    pub fn is_standard(&self, widths: &[u32]) -> bool {
        widths.contains(&self.width) && self.aspect.is_none_or(|a| ASPECTS.contains(&a))
    }

    /// The size this rendition of a `width` × `height` original has: never wider than the
    /// original (nothing is enlarged), cropped to the aspect when there is one.
    pub fn size_for(&self, width: u32, height: u32) -> (u32, u32) {
        let (cw, ch) = match self.aspect {
            Some(aspect) => crop_size(width, height, aspect),
            None => (width, height),
        };
        let w = self.width.min(cw).max(1);
        let h = ((u64::from(ch) * u64::from(w) + u64::from(cw) / 2) / u64::from(cw)).max(1);
        (w, h as u32)
    }
}

/// The largest `aspect` rectangle inside `width` × `height`.
fn crop_size(width: u32, height: u32, (a, b): (u32, u32)) -> (u32, u32) {
    let (w, h, a, b) = (
        u64::from(width),
        u64::from(height),
        u64::from(a),
        u64::from(b),
    );
    if w * b > h * a {
        (((h * a) / b).max(1) as u32, height)
    } else {
        (width, ((w * b) / a).max(1) as u32)
    }
}

/// Where a crop of `len` along a side of `full` starts so that `focus` (0 to 1) is as near its
/// middle as the side allows.
fn crop_start(full: u32, len: u32, focus: f64) -> u32 {
    let centre = focus.clamp(0.0, 1.0) * f64::from(full);
    let start = (centre - f64::from(len) / 2.0).round();
    start.clamp(0.0, f64::from(full - len)) as u32
}

/// `original`'s region `(x, y, w, h)` scaled to `size`: with `fast_image_resize` (SIMD, and
/// cropping as it reads, so the region is never copied out first), or with `image`'s own
/// resampler for a pixel layout that crate does not take.
fn crop_and_scale(
    original: &DynamicImage,
    region: (u32, u32, u32, u32),
    size: (u32, u32),
) -> DynamicImage {
    let (x, y, w, h) = region;
    if size == (w, h) {
        return original.crop_imm(x, y, w, h);
    }
    let mut scaled = DynamicImage::new(size.0, size.1, original.color());
    let options = fast_image_resize::ResizeOptions::new()
        .crop(f64::from(x), f64::from(y), f64::from(w), f64::from(h))
        .resize_alg(fast_image_resize::ResizeAlg::Convolution(
            fast_image_resize::FilterType::CatmullRom,
        ));
    match fast_image_resize::Resizer::new().resize(original, &mut scaled, &options) {
        Ok(()) => scaled,
        Err(_) => {
            original
                .crop_imm(x, y, w, h)
                .resize_exact(size.0, size.1, FilterType::CatmullRom)
        }
    }
}

/// The rendition `spec` of the upright `original`, encoded.
pub fn render(original: &DynamicImage, focal: FocalPoint, spec: Spec) -> AppResult<Vec<u8>> {
    let (width, height) = (original.width(), original.height());
    let region = match spec.aspect {
        Some(aspect) => {
            let (cw, ch) = crop_size(width, height, aspect);
            let x = crop_start(width, cw, focal.x);
            let y = crop_start(height, ch, focal.y);
            (x, y, cw, ch)
        }
        None => (0, 0, width, height),
    };
    let resized = crop_and_scale(original, region, spec.size_for(width, height));
    let mut out = Vec::new();
    let written = match spec.format {
        Format::Jpeg => resized.write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY),
        ),
        Format::Png => resized.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)),
        Format::Webp => {
            resized.write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
        }
    };
    written.map_err(AppError::internal)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_have_one_spelling() {
        let spec = Spec::parse("640w-16x9.webp").expect("valid");
        assert_eq!(spec.width, 640);
        assert_eq!(spec.aspect, Some((16, 9)));
        assert_eq!(spec.to_string(), "640w-16x9.webp");
        for bad in [
            "0640w.jpg",
            "640.jpg",
            "640w.gif",
            "640w-16x.jpg",
            "640w-0x9.jpg",
            "99999w.jpg",
            "8w.jpg",
            "640w-100x1.jpg",
            "640w-1x100.jpg",
            "-640w.jpg",
            "640w.jpg.jpg",
        ] {
            assert!(Spec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn crops_keep_the_focal_point_in_frame_and_nothing_is_enlarged() {
        let spec = Spec::parse("400w-1x1.jpg").expect("valid");
        assert_eq!(spec.size_for(1000, 500), (400, 400));
        assert_eq!(
            spec.size_for(300, 600),
            (300, 300),
            "never wider than the original"
        );
        assert_eq!(
            Spec::parse("400w.png").expect("valid").size_for(800, 600),
            (400, 300)
        );
        // A 500-wide square of a 1000-wide image, focused near the right edge.
        assert_eq!(crop_start(1000, 500, 0.9), 500);
        assert_eq!(crop_start(1000, 500, 0.5), 250);
        assert_eq!(crop_start(1000, 500, 0.0), 0);
    }
}
