//! An external resizer in place of the built-in renditions: article reads (REST, GraphQL,
//! feeds) list the resizer's URLs, filled from its template and signed as imgproxy checks.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use byline::{
    auth::Role,
    media::{
        Media, MediaSettings,
        resizer::{ExternalResizer, Signing},
    },
};
use hmac::{KeyInit, Mac};
use image::{DynamicImage, ImageFormat};

use crate::{
    assets::{article_with, encode, halves, key, upload},
    helpers::spawn_app_over,
    on_both_backends_spawned,
};

const KEY: &str = "943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881";
const SALT: &str = "520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5";
const TEMPLATE: &str = "https://img.example.com/{signature}/rs:fill:{width}:{height}:0/g:fp:{focal_x}:{focal_y}/plain/local:///{key}@{format}";

fn media() -> Media {
    let dir = std::env::temp_dir().join(format!("byline-resizer-{}", byline::domain::new_id()));
    let resizer =
        ExternalResizer::new(TEMPLATE, Signing::Imgproxy, KEY, SALT).expect("a valid template");
    Media::open(MediaSettings {
        resizer: Some(resizer),
        ..MediaSettings::local(dir)
    })
    .expect("media")
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Checks `url` as imgproxy would: the signature segment is the HMAC of salt and the rest.
fn assert_signed(url: &str) -> String {
    let (signature, path) = url
        .strip_prefix("https://img.example.com/")
        .and_then(|rest| rest.split_once('/'))
        .unwrap_or_else(|| panic!("not a resizer URL: {url}"));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&hex(KEY)).expect("key");
    mac.update(&hex(SALT));
    mac.update(format!("/{path}").as_bytes());
    assert_eq!(
        signature,
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()),
        "{url}"
    );
    path.to_owned()
}

on_both_backends_spawned!(
    reads_list_the_external_resizers_signed_urls,
    |backend| spawn_app_over(backend, |c| c.with_media(media()), |_| {}),
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let png = encode(&DynamicImage::ImageRgb8(halves(700, 500)), ImageFormat::Png);
        let (status, body) = upload(
            &app,
            Some(&editor),
            png,
            &[("focal_x", "0.25"), ("focal_y", "0.5")],
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let id = body["data"]["id"].as_str().expect("id").to_owned();
        let hash = body["data"]["content_hash"]
            .as_str()
            .expect("hash")
            .to_owned();
        article_with(&app, "resized", &id, true).await;

        let read = app.get_json("/v1/articles/resized", 200).await;
        let hero = &read["data"]["hero_image"];
        let renditions = hero["renditions"].as_array().expect("renditions");
        let paths: Vec<String> = renditions
            .iter()
            .map(|r| assert_signed(r["url"].as_str().expect("url")))
            .collect();
        assert_eq!(
            paths,
            [(320, 229), (480, 343), (640, 457)]
                .iter()
                .map(|(w, h)| format!(
                    "rs:fill:{w}:{h}:0/g:fp:0.25:0.5/plain/local:///originals/{hash}@jpg"
                ))
                .collect::<Vec<_>>(),
            "{hero}"
        );
        let widths: Vec<(u64, u64)> = renditions
            .iter()
            .map(|r| {
                (
                    r["width"].as_u64().expect("w"),
                    r["height"].as_u64().expect("h"),
                )
            })
            .collect();
        assert_eq!(widths, [(320, 229), (480, 343), (640, 457)]);
        assert_eq!(
            hero["url"], renditions[2]["url"],
            "the default is the widest"
        );
        assert!(
            hero["srcset"]
                .as_str()
                .expect("srcset")
                .starts_with(&format!(
                    "{} 320w",
                    renditions[0]["url"].as_str().expect("url")
                )),
            "{hero}"
        );

        // GraphQL hands out the same URLs.
        let response = app
            .graphql_json("{ article(slug: \"resized\") { heroImage { url renditions { url } } } }")
            .await;
        let graphql = &response["data"]["article"]["heroImage"];
        assert_eq!(graphql["url"], hero["url"], "{response}");
        assert_eq!(
            graphql["renditions"][0]["url"], renditions[0]["url"],
            "{response}"
        );

        // So does the JSON Feed.
        let feed = app.get_json("/feeds/feed.json", 200).await;
        assert_eq!(feed["items"][0]["image"], hero["url"], "{feed}");
    }
);
