//! Images of the library inside article bodies: `![alt](asset:ID "caption")` in Markdown and
//! `<img src="asset:ID">` in HTML are checked at save, written out as renditions at read
//! (REST and GraphQL alike), follow the asset when it changes, and answer the public only
//! while a public article shows them.

use byline::auth::Role;
use image::{DynamicImage, ImageFormat};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    assets::{encode, fetch, halves, key, send, upload},
    helpers::TestApp,
    on_both_backends,
};

async fn uploaded(app: &TestApp, key: &str, width: u32, alt: &str) -> String {
    let png = encode(
        &DynamicImage::ImageRgb8(halves(width, width * 2 / 3)),
        ImageFormat::Png,
    );
    let (status, body) = upload(app, Some(key), png, &[("alt", alt), ("credit", "Agency")]).await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().expect("id").to_owned()
}

/// The `src` values of the `<img>` tags of `html`.
fn image_sources(html: &str) -> Vec<String> {
    html.split("<img ")
        .skip(1)
        .filter_map(|tag| {
            let at = tag.find("src=\"")? + 5;
            Some(tag[at..at + tag[at..].find('"')?].to_owned())
        })
        .collect()
}

on_both_backends!(
    library_images_in_bodies_are_written_out_as_renditions,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let (flag, map) = (
            uploaded(&app, &editor, 900, "A flag").await,
            uploaded(&app, &editor, 500, "A map").await,
        );
        let body = format!(
            "Intro.\n\n![The flag, raised](asset:{flag} \"The flag at dawn\")\n\n\
         Then <img src=\"asset:{map}\"> and the flag again: ![](asset:{flag})"
        );
        let (status, created) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"slug": "pictured", "title": "Pictured", "body": body, "status": "published"})),
    )
    .await;
        assert_eq!(status, 201, "{created}");

        let read = app.get_json("/v1/articles/pictured", 200).await;
        let article = &read["data"];
        let html = article["body_html"].as_str().expect("body_html");
        assert!(
            !html.contains("asset:"),
            "no reference reaches readers: {html}"
        );
        let sources = image_sources(html);
        assert_eq!(sources.len(), 3, "{html}");
        assert!(
            sources
                .iter()
                .all(|s| s.starts_with(&app.base) && s.contains("/media/")),
            "{sources:?}"
        );
        assert!(
            sources[0].contains(&flag) && sources[1].contains(&map),
            "{sources:?}"
        );
        assert!(
            html.contains("alt=\"The flag, raised\""),
            "the body's own alt: {html}"
        );
        assert!(
            html.contains("alt=\"A map\""),
            "the library's alt when the body has none: {html}"
        );
        assert!(
            html.contains("srcset=\"") && html.contains(" 320w"),
            "{html}"
        );

        // The images, once each, in order, with the body's words before the library's.
        let images = article["body_images"].as_array().expect("body_images");
        let ids: Vec<&str> = images
            .iter()
            .map(|i| i["asset_id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids, [flag.as_str(), map.as_str()]);
        assert_eq!(images[0]["alt"], "The flag, raised");
        assert_eq!(images[0]["caption"], "The flag at dawn");
        assert_eq!(images[0]["credit"], "Agency");
        assert_eq!(images[1]["alt"], "A map");
        assert_eq!(images[0]["width"], 900);

        // Every rendition the body names answers the public, and is that wide.
        for url in &sources {
            let response = fetch(&app, url, None).await;
            assert_eq!(response.status().as_u16(), 200, "{url}");
            let bytes = response.bytes().await.expect("bytes");
            let (_, image) = crate::assets::decoded(&bytes);
            assert!(
                url.contains(&format!("/{}w", image.width())),
                "{url}: {}",
                image.width()
            );
        }

        // GraphQL writes the same body and lists the same images.
        let response = app
            .graphql_json(
                "{ article(slug: \"pictured\") { bodyHtml bodyImages { assetId caption } } }",
            )
            .await;
        let node = &response["data"]["article"];
        assert_eq!(node["bodyHtml"], article["body_html"], "{response}");
        assert_eq!(
            node["bodyImages"],
            json!([{"assetId": flag, "caption": "The flag at dawn"}, {"assetId": map, "caption": null}])
        );

        // `fields=` can ask for the images alone.
        let selected = app
            .get_json("/v1/articles/pictured?fields=body_images", 200)
            .await;
        assert_eq!(selected["data"]["body_images"], article["body_images"]);

        // A new focal point moves the crops, so the body names new URLs at once.
        let (status, _) = send(
            &app,
            Method::PATCH,
            &format!("/admin/v1/assets/{flag}"),
            Some(&editor),
            Some(json!({"focal_point": {"x": 0.1, "y": 0.9}})),
        )
        .await;
        assert_eq!(status, 200);
        let reread = app.get_json("/v1/articles/pictured", 200).await;
        let moved = image_sources(reread["data"]["body_html"].as_str().expect("html"));
        assert_ne!(moved[0], sources[0], "the fingerprint changed");
        assert_eq!(moved[1], sources[1], "the other image did not");

        // An asset the body shows cannot be deleted.
        let (status, _) = send(
            &app,
            Method::DELETE,
            &format!("/admin/v1/assets/{map}"),
            Some(&editor),
            None,
        )
        .await;
        assert_eq!(status, 409);
    }
);

on_both_backends!(
    body_images_follow_visibility_and_refuse_unknown_assets,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let secret = uploaded(&app, &editor, 640, "Only the draft shows this").await;
        let (status, draft) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"slug": "draft-pictured", "title": "Draft", "body": format!("![x](asset:{secret})")})),
    )
    .await;
        assert_eq!(status, 201, "{draft}");
        // Staff see the draft's body written out; the rendition is not public.
        let html = draft["data"]["body_html"]
            .as_str()
            .expect("html")
            .to_owned();
        let source = image_sources(&html).pop().expect("an image");
        assert_eq!(fetch(&app, &source, None).await.status().as_u16(), 404);
        assert_eq!(
            fetch(&app, &source, Some(&editor)).await.status().as_u16(),
            200
        );
        app.get_json("/v1/articles/draft-pictured", 404).await;

        // Unknown and malformed references are refused, naming the body.
        let unknown = "00000000-0000-4000-8000-000000000000";
        for body in [
            format!("![x](asset:{unknown})"),
            format!("<p><img src=\"asset:{unknown}\"></p>"),
        ] {
            let (status, problem) = send(
            &app,
            Method::POST,
            "/admin/v1/articles",
            Some(&editor),
            Some(json!({"title": "T", "body": body, "body_format": if body.starts_with('<') { "html" } else { "markdown" }})),
        )
        .await;
            assert_eq!(status, 422, "{problem}");
            assert_eq!(problem["errors"][0]["field"], "body");
            assert!(
                problem["errors"][0]["message"]
                    .as_str()
                    .expect("message")
                    .contains(unknown)
            );
        }
        // Not a UUID, or on a link: the sanitizer would drop the reference, so it is refused.
        for body in [
            "![x](asset:../../etc/passwd)".to_owned(),
            format!("[a link](asset:{secret})"),
        ] {
            let (status, problem) = send(
                &app,
                Method::POST,
                "/admin/v1/articles",
                Some(&editor),
                Some(json!({"title": "T2", "body": body})),
            )
            .await;
            assert_eq!(status, 422, "{body}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "body");
        }
    }
);

// Partners see changes at once (no settling), as in `syndication.rs`.
crate::on_both_backends_with!(
    feeds_and_the_partner_stream_carry_bodies_written_out,
    |s| s.syndication_settle = std::time::Duration::ZERO,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let partner = key(&app, Role::Partner).await;
        let photo = uploaded(&app, &editor, 640, "A photo").await;
        let (status, created) = send(
            &app,
            Method::POST,
            "/admin/v1/articles",
            Some(&editor),
            Some(json!({"slug": "fed", "title": "Fed", "status": "published",
                        "body": format!("Words.\n\n![In the field](asset:{photo} \"Harvest\")")})),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let html = created["data"]["body_html"]
            .as_str()
            .expect("html")
            .to_owned();
        let source = image_sources(&html).pop().expect("an image");

        // Every feed's body is the written-out one: the rendition, never the reference.
        for format in ["rss.xml", "atom.xml", "feed.json"] {
            let body = app
                .client
                .get(format!("{}/feeds/{format}", app.base))
                .send()
                .await
                .expect("feed")
                .text()
                .await
                .expect("body");
            assert!(!body.contains("asset:"), "{format}: {body}");
            assert!(body.contains(&source), "{format} lacks {source}: {body}");
        }
        let feed = app.get_json("/feeds/feed.json", 200).await;
        assert_eq!(feed["items"][0]["content_html"], html.as_str());

        // ninjs: the body written out, and the image an association after the lead picture.
        let validator = crate::syndication::ninjs_validator();
        let page: Value = app
            .client
            .get(format!("{}/syndication/v1/articles", app.base))
            .bearer_auth(&partner)
            .send()
            .await
            .expect("stream")
            .json()
            .await
            .expect("ninjs");
        let item = page["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|i| i["slugline"] == "fed")
            .expect("the article");
        crate::syndication::assert_ninjs(&validator, item);
        assert_eq!(item["bodies"][0]["value"], html.as_str());
        let associations = item["associations"].as_array().expect("associations");
        let image = associations
            .iter()
            .find(|a| a["name"] == "image1")
            .unwrap_or_else(|| panic!("no image1: {item}"));
        assert_eq!(image["uri"], source.as_str());
        assert!(
            image["descriptions"]
                .as_array()
                .expect("descriptions")
                .iter()
                .any(|d| d["value"] == "Harvest"),
            "{image}"
        );
        assert!(image["renditions"].as_array().expect("renditions").len() >= 2);
    }
);
