//! The asset library end to end: uploads (sniffed, decoded, stored once), renditions made to
//! size and format with no metadata left, focal-point crops, signatures, roles, and the
//! visibility rule: an image only a draft uses has no public rendition.

use std::io::Cursor;

use byline::{
    auth::Role,
    domain::{self, article::HeroImage},
};
use image::{
    DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, ImageReader, Rgb, RgbImage,
    codecs::jpeg::JpegEncoder,
};
use reqwest::{
    Method,
    multipart::{Form, Part},
};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, article},
    on_both_backends,
};

pub(crate) async fn key(app: &TestApp, role: Role) -> String {
    app.content
        .create_key(format!("{role}"), role)
        .await
        .expect("key")
        .1
}

pub(crate) async fn upload(
    app: &TestApp,
    key: Option<&str>,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name("upload.bin"));
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let mut request = app
        .client
        .post(format!("{}/admin/v1/assets", app.base))
        .multipart(form);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("upload");
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

pub(crate) async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.client.request(method, format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// GET of an absolute URL the API handed out: status, headers and bytes.
pub(crate) async fn fetch(app: &TestApp, url: &str, key: Option<&str>) -> reqwest::Response {
    assert!(
        url.starts_with(&app.base),
        "{url} is not under {}",
        app.base
    );
    let mut request = app.client.get(url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("fetch")
}

pub(crate) fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), format)
        .expect("encode");
    out
}

/// Left half red, right half blue.
pub(crate) fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    })
}

/// A little-endian TIFF blob: Orientation and a GPS position (what a phone writes).
fn exif(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value);
    }
    let (gps, lat, lon) = (38u32, 104u32, 128u32);
    let mut b = Vec::new();
    b.extend_from_slice(b"II");
    b.extend_from_slice(&42u16.to_le_bytes());
    b.extend_from_slice(&8u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    let o = orientation.to_le_bytes();
    entry(&mut b, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    entry(&mut b, 0x8825, 4, 1, gps.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&5u16.to_le_bytes());
    entry(&mut b, 0x0000, 1, 4, [2, 3, 0, 0]);
    entry(&mut b, 0x0001, 2, 2, [b'N', 0, 0, 0]);
    entry(&mut b, 0x0002, 5, 3, lat.to_le_bytes());
    entry(&mut b, 0x0003, 2, 2, [b'E', 0, 0, 0]);
    entry(&mut b, 0x0004, 5, 3, lon.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    for (n, d) in [
        (52u32, 1u32),
        (31, 1),
        (1234, 100),
        (13, 1),
        (24, 1),
        (5678, 100),
    ] {
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&d.to_le_bytes());
    }
    b
}

/// A 1200×600 JPEG whose EXIF says "turn a quarter clockwise" and where it was taken.
fn phone_photo() -> Vec<u8> {
    let pixels = halves(1200, 600);
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
    encoder.set_exif_metadata(exif(6)).expect("exif");
    encoder
        .write_image(pixels.as_raw(), 1200, 600, ExtendedColorType::Rgb8)
        .expect("jpeg");
    out
}

pub(crate) fn decoded(bytes: &[u8]) -> (ImageFormat, DynamicImage) {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .expect("sniff");
    let format = reader.format().expect("a known format");
    (format, reader.decode().expect("decodes"))
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG that claims to be 30 000 × 30 000 pixels (2.7 GB decoded) in a few bytes.
fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    png
}

/// An article whose lead picture is `asset_id`, as `status`.
pub(crate) async fn article_with(
    app: &TestApp,
    slug: &str,
    asset_id: &str,
    published: bool,
) -> String {
    let mut new = article(slug, domain::now());
    new.hero_image = Some(HeroImage {
        asset_id: Some(asset_id.into()),
        url: None,
        alt: None,
        caption: Some("In Brussels.".into()),
        credit: None,
    });
    if !published {
        new.status = domain::article::ArticleStatus::Draft;
        new.published_at = None;
    }
    app.content
        .create_article(new, None)
        .await
        .expect("article")
        .id
}

on_both_backends!(
    an_upload_is_stored_once_described_and_managed_by_role,
    |app| {
        app.seed_taxonomy().await;
        let (contributor, editor, partner) = (
            key(&app, Role::Contributor).await,
            key(&app, Role::Editor).await,
            key(&app, Role::Partner).await,
        );
        let png = encode(&DynamicImage::ImageRgb8(halves(800, 600)), ImageFormat::Png);
        let fields = [
            ("alt", "A red and blue flag"),
            ("credit", "Jane Doe / Byline"),
            ("licence", "CC BY 4.0"),
            ("focal_x", "0.25"),
            ("focal_y", "0.5"),
        ];
        let (status, body) = upload(&app, Some(&contributor), png.clone(), &fields).await;
        assert_eq!(status, 201, "{body}");
        let asset = &body["data"];
        assert_eq!(asset["media_type"], "image/png");
        assert_eq!(
            (asset["width"].as_u64(), asset["height"].as_u64()),
            (Some(800), Some(600))
        );
        assert_eq!(asset["alt"], "A red and blue flag");
        assert_eq!(asset["focal_point"], json!({"x": 0.25, "y": 0.5}));
        let widths: Vec<u64> = asset["renditions"]
            .as_array()
            .expect("renditions")
            .iter()
            .map(|r| r["width"].as_u64().expect("as documented"))
            .collect();
        assert_eq!(
            widths,
            [320, 480, 640],
            "standard widths up to the original's"
        );
        let id = asset["id"].as_str().expect("id").to_owned();

        // The same bytes again are the same asset, not a second copy.
        let (again, body) = upload(&app, Some(&editor), png.clone(), &[]).await;
        assert_eq!(again, 200, "{body}");
        assert_eq!(body["data"]["id"], id.as_str());
        let (_, list) = send(
            &app,
            Method::GET,
            "/admin/v1/assets",
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(list["data"].as_array().expect("list").len(), 1);

        // Who may do what.
        assert_eq!(upload(&app, None, png.clone(), &[]).await.0, 401);
        assert_eq!(upload(&app, Some(&partner), png.clone(), &[]).await.0, 403);
        let path = format!("/admin/v1/assets/{id}");
        let patch = json!({"alt": "The flag, redrawn", "focal_point": {"x": 0.75, "y": 0.5}});
        assert_eq!(
            send(
                &app,
                Method::PATCH,
                &path,
                Some(&contributor),
                Some(patch.clone())
            )
            .await
            .0,
            403
        );
        let (status, body) = send(&app, Method::PATCH, &path, Some(&editor), Some(patch)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["alt"], "The flag, redrawn");
        assert_eq!(body["data"]["licence"], "CC BY 4.0", "absent fields stay");
        let (status, problem) = send(
            &app,
            Method::PATCH,
            &path,
            Some(&editor),
            Some(json!({"focal_point": {"x": 2, "y": 0}})),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "focal_point");

        // The original is for staff only, byte for byte.
        let original = fetch(
            &app,
            body["data"]["original_url"]
                .as_str()
                .expect("as documented"),
            Some(&contributor),
        )
        .await;
        assert_eq!(original.status().as_u16(), 200);
        assert_eq!(original.bytes().await.expect("as documented").to_vec(), png);
        assert_eq!(
            fetch(
                &app,
                body["data"]["original_url"]
                    .as_str()
                    .expect("as documented"),
                None
            )
            .await
            .status()
            .as_u16(),
            401
        );

        // In use, it cannot be deleted; unused, it can, and its renditions are gone with it.
        let article_id = article_with(&app, "flag", &id, true).await;
        assert_eq!(
            send(&app, Method::DELETE, &path, Some(&editor), None)
                .await
                .0,
            409
        );
        let admin = byline::auth::Caller {
            key_id: String::new(),
            name: "t".into(),
            role: Role::Admin,
        };
        let version = crate::helpers::current_version(&app.content, &article_id).await;
        app.content
            .delete_article(&admin, &article_id, version)
            .await
            .expect("delete the article");
        assert_eq!(
            send(&app, Method::DELETE, &path, Some(&contributor), None)
                .await
                .0,
            403
        );
        assert_eq!(
            send(&app, Method::DELETE, &path, Some(&editor), None)
                .await
                .0,
            204
        );
        assert_eq!(
            send(&app, Method::GET, &path, Some(&editor), None).await.0,
            404
        );
    }
);

on_both_backends!(
    renditions_are_upright_sized_encoded_and_stripped_of_metadata,
    |app| {
        app.seed_taxonomy().await;
        let contributor = key(&app, Role::Contributor).await;
        let photo = phone_photo();
        assert!(
            photo.windows(6).any(|w| w == b"Exif\0\0"),
            "the upload carries EXIF"
        );
        let (status, body) = upload(&app, Some(&contributor), photo, &[("alt", "A flag")]).await;
        assert_eq!(status, 201, "{body}");
        let asset = &body["data"];
        // Orientation 6 turns 1200×600 into 600×1200.
        assert_eq!(
            (asset["width"].as_u64(), asset["height"].as_u64()),
            (Some(600), Some(1200))
        );
        let id = asset["id"].as_str().expect("as documented").to_owned();
        article_with(&app, "photo", &id, true).await;

        // The article carries the image with its renditions, and every URL answers.
        let read = app.get_json("/v1/articles/photo", 200).await;
        let hero = &read["data"]["hero_image"];
        assert_eq!(hero["asset_id"], id.as_str());
        assert_eq!(
            hero["alt"], "A flag",
            "the asset's alt text when the article has none"
        );
        assert_eq!(hero["caption"], "In Brussels.", "the article's own caption");
        let renditions = hero["renditions"].as_array().expect("renditions");
        assert_eq!(
            renditions.len(),
            2,
            "320 and 480: the widths up to 600, {hero}"
        );
        assert!(
            hero["srcset"]
                .as_str()
                .expect("as documented")
                .contains(" 480w")
        );
        for rendition in renditions {
            let response = fetch(
                &app,
                rendition["url"].as_str().expect("as documented"),
                None,
            )
            .await;
            assert_eq!(response.status().as_u16(), 200, "{rendition}");
            let cache = response.headers()["cache-control"]
                .to_str()
                .expect("as documented")
                .to_owned();
            assert!(
                cache.contains("immutable") && cache.contains("public"),
                "{cache}"
            );
            let etag = response.headers()["etag"]
                .to_str()
                .expect("as documented")
                .to_owned();
            let bytes = response.bytes().await.expect("as documented");
            assert!(
                !bytes.windows(6).any(|w| w == b"Exif\0\0"),
                "no EXIF in a rendition"
            );
            assert!(
                !bytes.windows(4).any(|w| w == b"http"),
                "no XMP in a rendition"
            );
            let (format, image) = decoded(&bytes);
            assert_eq!(format, ImageFormat::Jpeg);
            assert_eq!(
                (image.width(), image.height()),
                (
                    rendition["width"].as_u64().expect("as documented") as u32,
                    rendition["height"].as_u64().expect("as documented") as u32
                )
            );
            assert_eq!(image.height(), image.width() * 2, "upright");
            let again = app
                .client
                .get(rendition["url"].as_str().expect("as documented"))
                .header("If-None-Match", &etag)
                .send()
                .await
                .expect("as documented");
            assert_eq!(again.status().as_u16(), 304);
        }
        // Other formats and crops of the standard set, by the template.
        let template = hero["rendition_url_template"]
            .as_str()
            .expect("as documented");
        for (spec, format, size) in [
            ("480w.webp", ImageFormat::WebP, (480, 960)),
            ("320w-1x1.png", ImageFormat::Png, (320, 320)),
            ("1920w.jpg", ImageFormat::Jpeg, (600, 1200)),
        ] {
            let response = fetch(&app, &template.replace("{rendition}", spec), None).await;
            assert_eq!(response.status().as_u16(), 200, "{spec}");
            let (got, image) = decoded(&response.bytes().await.expect("as documented"));
            assert_eq!(
                (got, (image.width(), image.height())),
                (format, size),
                "{spec}: never enlarged"
            );
        }
    }
);

on_both_backends!(
    crops_keep_the_focal_point_and_other_sizes_need_a_signature,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let png = encode(
            &DynamicImage::ImageRgb8(halves(1000, 500)),
            ImageFormat::Png,
        );
        let (_, body) = upload(
            &app,
            Some(&editor),
            png,
            &[("focal_x", "0.9"), ("focal_y", "0.5")],
        )
        .await;
        let id = body["data"]["id"]
            .as_str()
            .expect("as documented")
            .to_owned();
        let template = body["data"]["rendition_url_template"]
            .as_str()
            .expect("as documented")
            .to_owned();
        article_with(&app, "crop", &id, true).await;
        let centre_colour = |bytes: &[u8]| {
            let (_, image) = decoded(bytes);
            image
                .to_rgb8()
                .get_pixel(image.width() / 2, image.height() / 2)
                .0
        };
        let square = fetch(&app, &template.replace("{rendition}", "320w-1x1.png"), None).await;
        let blue = centre_colour(&square.bytes().await.expect("as documented"));
        assert!(
            blue[2] > 150 && blue[0] < 80,
            "a square around x=0.9 is blue: {blue:?}"
        );

        // The focal point moves: new URLs, and the old one sends to the new.
        let path = format!("/admin/v1/assets/{id}");
        let (_, moved) = send(
            &app,
            Method::PATCH,
            &path,
            Some(&editor),
            Some(json!({"focal_point": {"x": 0.1, "y": 0.5}})),
        )
        .await;
        let new_template = moved["data"]["rendition_url_template"]
            .as_str()
            .expect("as documented")
            .to_owned();
        assert_ne!(new_template, template);
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("as documented");
        let old = no_redirects
            .get(template.replace("{rendition}", "320w-1x1.png"))
            .send()
            .await
            .expect("as documented");
        assert_eq!(old.status().as_u16(), 301);
        let square = fetch(
            &app,
            &new_template.replace("{rendition}", "320w-1x1.png"),
            None,
        )
        .await;
        let red = centre_colour(&square.bytes().await.expect("as documented"));
        assert!(
            red[0] > 150 && red[2] < 80,
            "a square around x=0.1 is red: {red:?}"
        );

        // Sizes outside the standard set are made only with a signature.
        let odd = new_template.replace("{rendition}", "500w-21x9.jpg");
        assert_eq!(fetch(&app, &odd, None).await.status().as_u16(), 403);
        let (status, signed) = send(
            &app,
            Method::POST,
            &format!("{path}/signed-renditions"),
            Some(&editor),
            Some(json!({"rendition": "500w-21x9.jpg"})),
        )
        .await;
        assert_eq!(status, 200, "{signed}");
        let url = signed["data"]["url"].as_str().expect("as documented");
        let response = fetch(&app, url, None).await;
        assert_eq!(response.status().as_u16(), 200);
        let (_, image) = decoded(&response.bytes().await.expect("as documented"));
        assert_eq!((image.width(), image.height()), (500, 214));
        let forged = format!("{}x", url);
        assert_eq!(fetch(&app, &forged, None).await.status().as_u16(), 403);
        let other_size = url.replace("500w-21x9.jpg", "501w-21x9.jpg");
        assert_eq!(
            fetch(&app, &other_size, None).await.status().as_u16(),
            403,
            "a signature is for one rendition"
        );
    }
);

on_both_backends!(
    an_image_only_a_hidden_article_uses_has_no_public_rendition,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let png = encode(&DynamicImage::ImageRgb8(halves(700, 400)), ImageFormat::Png);
        let (_, body) = upload(&app, Some(&editor), png, &[]).await;
        let id = body["data"]["id"]
            .as_str()
            .expect("as documented")
            .to_owned();
        let url = body["data"]["renditions"][0]["url"]
            .as_str()
            .expect("as documented")
            .to_owned();
        // Not used by anything yet, then used by a draft only: the public gets 404, like any
        // address that names nothing; staff see it, never stored by a shared cache.
        assert_eq!(fetch(&app, &url, None).await.status().as_u16(), 404);
        let draft = article_with(&app, "hidden", &id, false).await;
        let public = fetch(&app, &url, None).await;
        assert_eq!(public.status().as_u16(), 404);
        let staff = fetch(&app, &url, Some(&editor)).await;
        assert_eq!(staff.status().as_u16(), 200);
        assert_eq!(staff.headers()["cache-control"], "private, no-store");
        let unknown = url.replace(&id, &domain::new_id());
        assert_eq!(fetch(&app, &unknown, None).await.status().as_u16(), 404);
        // Published, it answers everyone.
        let caller = byline::auth::Caller {
            key_id: String::new(),
            name: "t".into(),
            role: Role::Editor,
        };
        let version = crate::helpers::current_version(&app.content, &draft)
            .await
            .expect("as documented");
        app.content
            .transition_article(
                &caller,
                &draft,
                byline::service::editorial::Transition::Publish,
                Some(version),
            )
            .await
            .expect("publish");
        assert_eq!(fetch(&app, &url, None).await.status().as_u16(), 200);
    }
);

on_both_backends!(bad_uploads_and_bad_references_get_clear_4xx, |app| {
    app.seed_taxonomy().await;
    let contributor = key(&app, Role::Contributor).await;
    let png = encode(&DynamicImage::ImageRgb8(halves(64, 64)), ImageFormat::Png);
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let cases: [(&str, Vec<u8>, u16); 5] = [
        (
            "random bytes",
            b"certainly not an image at all".to_vec(),
            422,
        ),
        ("a GIF", gif, 422),
        ("a truncated PNG", png[..png.len() / 2].to_vec(), 422),
        ("a decompression bomb", png_bomb(), 413),
        ("an empty file", Vec::new(), 422),
    ];
    for (what, bytes, status) in cases {
        let (got, problem) = upload(&app, Some(&contributor), bytes, &[]).await;
        assert_eq!(got, status, "{what}: {problem}");
        assert!(problem["detail"].is_string(), "{what}: a problem document");
    }
    let (status, _) = upload(
        &app,
        Some(&contributor),
        png.clone(),
        &[("focal_x", "1.5"), ("focal_y", "0")],
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = upload(&app, Some(&contributor), png.clone(), &[("camera", "x")]).await;
    assert_eq!(status, 422, "unknown fields are refused");
    let (status, problem) = upload(&app, Some(&contributor), png.clone(), &[("", "x")]).await;
    assert_eq!(status, 422, "a field without a name: {problem}");
    let (status, _) = send(
        &app,
        Method::POST,
        "/admin/v1/assets",
        Some(&contributor),
        Some(json!({"file": "x"})),
    )
    .await;
    assert_eq!(status, 400, "not multipart");
    assert_eq!(
        send(
            &app,
            Method::GET,
            "/admin/v1/assets",
            Some(&contributor),
            None
        )
        .await
        .1["data"],
        json!([]),
        "nothing was stored"
    );
    // An article naming an asset that does not exist.
    let (status, problem) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&contributor),
        Some(json!({
            "title": "T", "body": "B", "hero_image": {"asset_id": domain::new_id()}
        })),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "hero_image.asset_id");
    let (status, problem) = send(&app, Method::POST, "/admin/v1/articles", Some(&contributor), Some(json!({
        "title": "T", "body": "B", "hero_image": {"asset_id": domain::new_id(), "url": "https://example.com/x.jpg"}
    }))).await;
    assert_eq!(status, 422, "{problem}");
    // Malformed rendition names.
    // Malformed names are a 400; well-formed sizes never made (too narrow, too wide) a 404.
    for (spec, expected) in [
        ("640.jpg", 400),
        ("0640w.jpg", 400),
        ("640w.gif", 400),
        ("640w-100x1.jpg", 400),
        ("8w.jpg", 404),
        ("9999w.jpg", 404),
    ] {
        let (status, _) = send(
            &app,
            Method::GET,
            &format!("/media/{}/abc/{spec}", domain::new_id()),
            None,
            None,
        )
        .await;
        assert_eq!(status, expected, "{spec}");
    }
});
