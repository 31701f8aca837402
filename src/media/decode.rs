//! Reading an uploaded image: the format sniffed from its bytes (never from its name or
//! `Content-Type`), its size checked before any pixel is decoded (a decompression bomb is
//! refused, not allocated), and its EXIF orientation applied, so what is stored and rendered
//! stands the right way up without the metadata that said so.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use crate::error::{AppError, ErrorKind};

/// The formats accepted for upload, as sniffed.
pub const ACCEPTED: [ImageFormat; 3] = [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP];

/// What an upload may cost to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Width × height, at most.
    pub max_pixels: u64,
    /// Either side, at most (JPEG cannot encode past 65 535).
    pub max_side: u32,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_pixels: 50_000_000,
            max_side: 20_000,
        }
    }
}

/// The image's format and size, read from its header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

fn unsupported() -> AppError {
    // 422, like a corrupt file: the request was well formed, its content is refused.
    AppError::new(
        ErrorKind::Validation,
        "the file is not a JPEG, PNG or WebP image (its type is read from its bytes)",
    )
}

fn corrupt(e: &ImageError) -> AppError {
    AppError::new(
        ErrorKind::Validation,
        format!("the image cannot be read: {e}"),
    )
}

fn too_large(width: u32, height: u32, limits: &DecodeLimits) -> AppError {
    AppError::new(
        ErrorKind::TooLarge,
        format!(
            "the image is {width}×{height} pixels; at most {} pixels and {} on a side are accepted",
            limits.max_pixels, limits.max_side
        ),
    )
}

/// The decoder of `bytes`, once its format and dimensions passed `limits`.
fn decoder<'a>(
    bytes: &'a [u8],
    limits: &DecodeLimits,
) -> Result<(impl ImageDecoder + 'a, Probe), AppError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| corrupt(&e.into()))?;
    let format = reader.format().ok_or_else(unsupported)?;
    if !ACCEPTED.contains(&format) {
        return Err(unsupported());
    }
    let mut reader = reader;
    let mut decode_limits = Limits::default();
    decode_limits.max_image_width = Some(limits.max_side);
    decode_limits.max_image_height = Some(limits.max_side);
    // Room for the decoded pixels (at most 8 bytes each, 16-bit RGBA) and some working space.
    decode_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8) + (64 << 20));
    reader.limits(decode_limits.clone());
    let decoder = reader.into_decoder().map_err(|e| match e {
        ImageError::Limits(_) => AppError::new(
            ErrorKind::TooLarge,
            format!(
                "the image is larger than {} pixels on a side",
                limits.max_side
            ),
        ),
        other => corrupt(&other),
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(AppError::new(
            ErrorKind::Validation,
            "the image has no pixels",
        ));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width > limits.max_side
        || height > limits.max_side
    {
        return Err(too_large(width, height, limits));
    }
    decode_limits
        .reserve(decoder.total_bytes())
        .map_err(|_| too_large(width, height, limits))?;
    Ok((
        decoder,
        Probe {
            format,
            width,
            height,
        },
    ))
}

/// An upload, decoded: its sniffed format and every pixel, upright.
pub struct Decoded {
    pub format: ImageFormat,
    pub image: DynamicImage,
}

/// Every pixel of `bytes`, upright (width and height swapped when the EXIF orientation turns
/// it a quarter). Decoding the whole image at upload refuses a truncated or corrupt file
/// then rather than at its first rendition. Decoders for these formats are written for
/// hostile input, but a panic in one must still not take the process down: it becomes a 422.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Decoded, AppError> {
    let run = || -> Result<Decoded, AppError> {
        let (mut decoder, probe) = decoder(bytes, limits)?;
        let orientation = decoder.orientation().map_err(|e| corrupt(&e))?;
        let mut image = DynamicImage::from_decoder(decoder).map_err(|e| corrupt(&e))?;
        image.apply_orientation(orientation);
        Ok(Decoded {
            format: probe.format,
            image,
        })
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
        Err(AppError::new(
            ErrorKind::Validation,
            "the image cannot be read: its decoder failed",
        ))
    })
}

/// The media type of a sniffed format.
pub fn media_type(format: ImageFormat) -> &'static str {
    format.to_mime_type()
}
