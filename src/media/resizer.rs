//! An external resizer (imgproxy, Thumbor, or any service taking a URL template) in place of
//! the built-in renditions: Byline writes the rendition URLs it hands out from a template and
//! signs them with the resizer's own scheme, so the resizer makes only sizes Byline named.
//! The resizer reads originals from the same store (`{key}` is the original's key in it).

use base64::{
    Engine,
    engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD},
};
use hmac::{Hmac, KeyInit, Mac};

/// How the resizer checks that a URL came from Byline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Signing {
    /// HMAC-SHA256 of the salt and the path after the signature, URL-safe Base64 without
    /// padding; key and salt are hex (imgproxy's `IMGPROXY_KEY` / `IMGPROXY_SALT`).
    Imgproxy,
    /// HMAC-SHA1 of the path after the signature and its slash, URL-safe Base64 (Thumbor's
    /// `SECURITY_KEY`, as text).
    Thumbor,
    /// No signature: for a resizer that checks requests another way (e.g. behind a CDN
    /// token). Anybody can then ask it for any size.
    None,
}

/// A rendition to name: its size, the crop's centre and its format's extension.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request<'a> {
    /// The original's key in the media store.
    pub key: &'a str,
    pub asset_id: &'a str,
    pub width: u32,
    pub height: u32,
    pub focal_x: f64,
    pub focal_y: f64,
    /// `jpg`, `webp` or `png`.
    pub extension: &'a str,
}

/// The resizer's URL template and keys, checked once at start.
#[derive(Clone, PartialEq, Eq)]
pub struct ExternalResizer {
    template: String,
    signing: Signing,
    key: Vec<u8>,
    salt: Vec<u8>,
}

impl std::fmt::Debug for ExternalResizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keys are secrets: never in logs.
        f.debug_struct("ExternalResizer")
            .field("template", &self.template)
            .field("signing", &self.signing)
            .finish_non_exhaustive()
    }
}

/// Every placeholder a template may use.
const PLACEHOLDERS: [&str; 8] = [
    "{signature}",
    "{key}",
    "{asset}",
    "{width}",
    "{height}",
    "{focal_x}",
    "{focal_y}",
    "{format}",
];

impl ExternalResizer {
    /// A resizer from its template (absolute http(s), with `{key}` and `{width}`, and
    /// `{signature}` unless `signing` is none), its key and (imgproxy) salt.
    pub fn new(
        template: &str,
        signing: Signing,
        key: &str,
        salt: &str,
    ) -> Result<ExternalResizer, String> {
        let template = template.trim().to_owned();
        if !(template.starts_with("https://") || template.starts_with("http://")) {
            return Err("the resizer's URL template must be an absolute http(s) URL".into());
        }
        for required in ["{key}", "{width}"] {
            if !template.contains(required) {
                return Err(format!("the resizer's URL template needs {required}"));
            }
        }
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .map(|e| start + e + 1)
                .ok_or("the resizer's URL template has a `{` without its `}`")?;
            let name = &rest[start..end];
            if !PLACEHOLDERS.contains(&name) {
                return Err(format!(
                    "the resizer's URL template has an unknown placeholder {name}; known: {}",
                    PLACEHOLDERS.join(" ")
                ));
            }
            rest = &rest[end..];
        }
        let signs = template.matches("{signature}").count();
        let (key, salt) = match signing {
            Signing::None if signs > 0 => {
                return Err("{signature} in the template needs a signing scheme".into());
            }
            Signing::None => (Vec::new(), Vec::new()),
            _ if signs != 1 => {
                return Err("the resizer's URL template needs {signature} once".into());
            }
            Signing::Imgproxy => {
                if !template.contains("/{signature}/") {
                    return Err(
                        "imgproxy's signature is a whole path segment: /{signature}/".into(),
                    );
                }
                let key = hex_bytes(key).ok_or("the imgproxy key must be non-empty hex")?;
                let salt = hex_bytes(salt).ok_or("the imgproxy salt must be non-empty hex")?;
                (key, salt)
            }
            Signing::Thumbor => {
                if !template.contains("/{signature}/") {
                    return Err("Thumbor's signature is a whole path segment: /{signature}/".into());
                }
                if key.is_empty() {
                    return Err("Thumbor signing needs its security key".into());
                }
                (key.as_bytes().to_vec(), Vec::new())
            }
        };
        Ok(ExternalResizer {
            template,
            signing,
            key,
            salt,
        })
    }

    /// The signed URL of one rendition.
    pub fn url(&self, request: &Request<'_>) -> String {
        let filled = self
            .template
            .replace("{key}", request.key)
            .replace("{asset}", request.asset_id)
            .replace("{width}", &request.width.to_string())
            .replace("{height}", &request.height.to_string())
            .replace("{focal_x}", &fraction(request.focal_x))
            .replace("{focal_y}", &fraction(request.focal_y))
            .replace("{format}", request.extension);
        let Some(at) = filled.find("{signature}") else {
            return filled;
        };
        let (head, tail) = (&filled[..at], &filled[at + "{signature}".len()..]);
        let signature = match self.signing {
            // Everything after the signature, its leading slash included.
            Signing::Imgproxy => {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.key)
                    .expect("HMAC takes a key of any length");
                mac.update(&self.salt);
                mac.update(tail.as_bytes());
                URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
            }
            // Everything after the signature's own segment.
            Signing::Thumbor => {
                let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&self.key)
                    .expect("HMAC takes a key of any length");
                mac.update(tail.trim_start_matches('/').as_bytes());
                URL_SAFE.encode(mac.finalize().into_bytes())
            }
            Signing::None => String::new(),
        };
        format!("{head}{signature}{tail}")
    }
}

/// A focal coordinate as the resizers read it: up to four decimals, no trailing zeros.
fn fraction(value: f64) -> String {
    let text = format!("{:.4}", value.clamp(0.0, 1.0));
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881";
    const SALT: &str = "520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5";

    fn request() -> Request<'static> {
        Request {
            key: "originals/ab12",
            asset_id: "7f1c",
            width: 640,
            height: 427,
            focal_x: 0.25,
            focal_y: 0.5,
            extension: "webp",
        }
    }

    #[test]
    fn imgproxy_urls_carry_the_signature_imgproxy_computes() {
        // imgproxy's documented key/salt pair and path; the signature is what Python's hmac
        // module gives for salt + path (the algorithm of imgproxy's "Signing a URL").
        // The documented path has no placeholders, so it is built here, not by `new`.
        let with_path_only = ExternalResizer {
            template: "https://img.example.com/{signature}/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png".into(),
            signing: Signing::Imgproxy,
            key: hex_bytes(KEY).expect("hex"),
            salt: hex_bytes(SALT).expect("hex"),
        };
        assert_eq!(
            with_path_only.url(&request()),
            "https://img.example.com/90UxdwGRAI2bpLSHKkZculJau5ahfxfS0h3fMuQAf40/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
        );
    }

    #[test]
    fn placeholders_are_filled_before_signing() {
        let resizer = ExternalResizer::new(
            "https://img.example.com/{signature}/rs:fill:{width}:{height}:0/g:fp:{focal_x}:{focal_y}/plain/s3://news/{key}@{format}",
            Signing::Imgproxy,
            KEY,
            SALT,
        )
        .expect("valid");
        let url = resizer.url(&request());
        let (_, path) = url
            .strip_prefix("https://img.example.com/")
            .and_then(|rest| rest.split_once('/'))
            .expect("a signature segment");
        assert_eq!(
            path,
            "rs:fill:640:427:0/g:fp:0.25:0.5/plain/s3://news/originals/ab12@webp"
        );
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&hex_bytes(KEY).expect("hex")).expect("key");
        mac.update(&hex_bytes(SALT).expect("hex"));
        mac.update(format!("/{path}").as_bytes());
        let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert!(url.contains(&format!("/{expected}/")), "{url}");
    }

    #[test]
    fn thumbor_signs_the_path_after_its_segment() {
        let resizer = ExternalResizer::new(
            "https://thumbor.example.com/{signature}/{width}x{height}/smart/news/{key}",
            Signing::Thumbor,
            "MY_SECURE_KEY",
            "",
        )
        .expect("valid");
        let url = resizer.url(&request());
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"MY_SECURE_KEY").expect("key");
        mac.update(b"640x427/smart/news/originals/ab12");
        let expected = URL_SAFE.encode(mac.finalize().into_bytes());
        assert_eq!(
            url,
            format!("https://thumbor.example.com/{expected}/640x427/smart/news/originals/ab12")
        );
    }

    #[test]
    fn bad_templates_and_keys_are_refused_with_a_reason() {
        let cases = [
            (
                "img.example.com/{signature}/{width}/{key}",
                Signing::Imgproxy,
                KEY,
            ),
            (
                "https://img.example.com/{signature}/{key}",
                Signing::Imgproxy,
                KEY,
            ),
            (
                "https://img.example.com/{width}/{key}",
                Signing::Imgproxy,
                KEY,
            ),
            (
                "https://img.example.com/{signature}/{width}/{key}",
                Signing::Imgproxy,
                "zz",
            ),
            (
                "https://img.example.com/{signature}/{width}/{key}/{crop}",
                Signing::Imgproxy,
                KEY,
            ),
            (
                "https://img.example.com/{signature}/{width}/{key}",
                Signing::None,
                "",
            ),
            (
                "https://img.example.com/x{signature}/{width}/{key}",
                Signing::Thumbor,
                "k",
            ),
        ];
        for (template, signing, key) in cases {
            assert!(
                ExternalResizer::new(template, signing, key, SALT).is_err(),
                "{template} was accepted"
            );
        }
        assert!(
            ExternalResizer::new(
                "https://cdn.example.com/{key}?w={width}",
                Signing::None,
                "",
                ""
            )
            .is_ok()
        );
    }

    #[test]
    fn keys_never_reach_debug_output() {
        let resizer = ExternalResizer::new(
            "https://thumbor.example.com/{signature}/{width}x0/{key}",
            Signing::Thumbor,
            "MY_SECURE_KEY",
            "",
        )
        .expect("valid");
        assert!(!format!("{resizer:?}").contains("MY_SECURE_KEY"));
    }
}
