//! Every public surface carries an article's hero image (issue 15): ninjs renditions and
//! rights, RSS `<enclosure>` and Media RSS, Atom enclosure links and Media RSS, JSON Feed's
//! `image`, the Google News sitemap's `<image:image>`, and search results (REST and GraphQL),
//! for images of the asset library and images hosted elsewhere alike. Each document is read
//! back by a parser (the `rss` and `atom_syndication` crates, `roxmltree`, `serde_json`), every
//! rendition named is fetched and measured, and a draft's picture appears in none of them.

use std::collections::BTreeMap;

use byline::{auth::Role, domain::article::HeroImage};
use image::{DynamicImage, ImageFormat};
use serde_json::{Value, json};

use crate::{
    assets::{article_with, decoded, encode, fetch, halves, key, upload},
    feeds::{NEWS_NS, SITEMAP_NS, publish, uri},
    helpers::TestApp,
    on_both_backends_with,
    syndication::{assert_ninjs, ninjs_validator},
};

const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";
const IMAGE_NS: &str = "http://www.google.com/schemas/sitemap-image/1.1";
const LICENCE: &str = "https://creativecommons.org/licenses/by/4.0/";
const COPYRIGHT: &str = "© 2026 Jane Doe";
/// An image hosted elsewhere, with what XML must escape in its URL.
const WIRE_URL: &str = "https://img.example/wire/summit.jpg?w=1200&fit=crop";

/// Uploads `image` with `fields` and answers the asset's JSON.
async fn asset(app: &TestApp, key: &str, image: DynamicImage, fields: &[(&str, &str)]) -> Value {
    let (status, body) = upload(app, Some(key), encode(&image, ImageFormat::Png), fields).await;
    assert_eq!(status, 201, "{body}");
    body["data"].clone()
}

/// `(url, width, height)` of the asset's renditions, as the admin API lists them.
fn renditions(asset: &Value) -> Vec<(String, u64, u64)> {
    asset["renditions"]
        .as_array()
        .expect("renditions")
        .iter()
        .map(|r| {
            (
                r["url"].as_str().expect("url").to_owned(),
                r["width"].as_u64().expect("width"),
                r["height"].as_u64().expect("height"),
            )
        })
        .collect()
}

/// GETs a public document as text, asserting it answers 200.
async fn body(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "GET {path}: {text}");
    text
}

/// The rendition at `url` answers the public with a JPEG of that size.
async fn assert_fetchable(app: &TestApp, url: &str, width: u64, height: u64) {
    let response = fetch(app, url, None).await;
    assert_eq!(response.status().as_u16(), 200, "GET {url}");
    let (format, image) = decoded(&response.bytes().await.expect("bytes"));
    assert_eq!(format, ImageFormat::Jpeg, "{url}");
    assert_eq!(
        (u64::from(image.width()), u64::from(image.height())),
        (width, height),
        "{url}"
    );
}

// Partners see changes at once (no settling), as in `syndication.rs`.
on_both_backends_with!(
    every_public_surface_carries_the_hero_image,
    |s| s.syndication_settle = std::time::Duration::ZERO,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let partner = key(&app, Role::Partner).await;

        // A library image (1000 × 500: renditions 320, 480, 640 and 960 wide, the default 960),
        // one with terms that are not a URL, and one only a draft uses.
        let flag = asset(
            &app,
            &editor,
            DynamicImage::ImageRgb8(halves(1000, 500)),
            &[
                ("alt", "A red and blue flag"),
                ("credit", "Jane Doe / Byline"),
                ("copyright", COPYRIGHT),
                ("licence", LICENCE),
            ],
        )
        .await;
        let flag_id = flag["id"].as_str().expect("id").to_owned();
        let flag_renditions = renditions(&flag);
        assert_eq!(
            flag_renditions
                .iter()
                .map(|(_, w, h)| (*w, *h))
                .collect::<Vec<_>>(),
            [(320, 160), (480, 240), (640, 320), (960, 480)]
        );
        let (default_url, _, _) = flag_renditions.last().cloned().expect("a rendition");
        let terms = asset(
            &app,
            &editor,
            DynamicImage::ImageRgb8(halves(500, 400)),
            &[("licence", "Editorial use only")],
        )
        .await;
        let secret = asset(
            &app,
            &editor,
            DynamicImage::ImageRgb8(halves(800, 200)),
            &[("copyright", "© a draft's photographer")],
        )
        .await;
        let secret_id = secret["id"].as_str().expect("id").to_owned();
        let secret_url = renditions(&secret)[0].0.clone();

        let flag_article = article_with(&app, "flag", &flag_id, true).await;
        let terms_article =
            article_with(&app, "terms", terms["id"].as_str().expect("id"), true).await;
        let wire = publish(&app.content, "wire", 2, |a| {
            a.hero_image = Some(HeroImage {
                asset_id: None,
                url: Some(WIRE_URL.into()),
                alt: Some("Leaders at the table".into()),
                caption: None,
                credit: Some("Wire Photo".into()),
            });
        })
        .await;
        let draft = article_with(&app, "draft", &secret_id, false).await;

        let mut public: BTreeMap<&str, String> = BTreeMap::new();

        // ninjs: every rendition with its size and type, and the rights of the upload.
        let validator = ninjs_validator();
        let stream = app
            .client
            .get(format!("{}/syndication/v1/articles", app.base))
            .bearer_auth(&partner)
            .send()
            .await
            .expect("stream")
            .text()
            .await
            .expect("body");
        let page: Value = serde_json::from_str(&stream).expect("ninjs page");
        public.insert("ninjs stream", stream);
        let items: BTreeMap<String, Value> = page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|item| {
                assert_ninjs(&validator, item);
                (item["uri"].as_str().expect("uri").to_owned(), item.clone())
            })
            .collect();
        assert!(
            !items.contains_key(&uri(&draft)),
            "a draft is not syndicated"
        );
        let picture = &items[&uri(&flag_article)]["associations"][0];
        assert_eq!(picture["type"], "picture");
        assert_eq!(picture["uri"], default_url.as_str(), "uri is the default");
        assert_eq!(picture["by"], "Jane Doe / Byline");
        assert_eq!(picture["copyrightNotice"], COPYRIGHT);
        assert_eq!(picture["usageTerms"], LICENCE);
        assert_eq!(picture["rightsInfo"], json!({"linkedRights": LICENCE}));
        let expected: Vec<Value> = flag_renditions
            .iter()
            .map(|(url, w, h)| {
                json!({
                    "name": format!("w{w}"), "href": url, "contentType": "image/jpeg",
                    "width": w, "height": h,
                })
            })
            .collect();
        assert_eq!(picture["renditions"], json!(expected));
        for (url, w, h) in &flag_renditions {
            assert_fetchable(&app, url, *w, *h).await;
        }
        let terms_picture = &items[&uri(&terms_article)]["associations"][0];
        assert_eq!(terms_picture["usageTerms"], "Editorial use only");
        assert!(
            terms_picture.get("rightsInfo").is_none()
                && terms_picture.get("copyrightNotice").is_none(),
            "terms that are not a URL link nowhere: {terms_picture}"
        );
        let wire_picture = &items[&uri(&wire.id)]["associations"][0];
        assert_eq!(
            wire_picture["renditions"],
            json!([{"name": "original", "href": WIRE_URL}]),
            "an image hosted elsewhere keeps its one rendition"
        );
        assert!(wire_picture.get("usageTerms").is_none());

        // RSS: an enclosure (length 0: not known) and Media RSS with size, words and rights.
        let rss_text = body(&app, "/feeds/rss.xml").await;
        let channel = rss::Channel::read_from(rss_text.as_bytes()).expect("RSS parses");
        assert_eq!(
            channel.namespaces.get("media").map(String::as_str),
            Some(MEDIA_NS)
        );
        let rss_item = |id: &str| {
            channel
                .items
                .iter()
                .find(|i| i.guid.as_ref().map(|g| g.value.as_str()) == Some(uri(id).as_str()))
                .unwrap_or_else(|| panic!("no RSS item {id}"))
        };
        let item = rss_item(&flag_article);
        let enclosure = item.enclosure.as_ref().expect("an enclosure");
        assert_eq!(
            (
                enclosure.url.as_str(),
                enclosure.length.as_str(),
                enclosure.mime_type.as_str()
            ),
            (default_url.as_str(), "0", "image/jpeg")
        );
        let content = &item.extensions["media"]["content"];
        assert_eq!(content.len(), 1, "one media:content");
        let content = &content[0];
        assert_eq!(content.name, "media:content");
        let attrs: Vec<(&str, &str)> = content
            .attrs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            attrs,
            [
                ("height", "480"),
                ("medium", "image"),
                ("type", "image/jpeg"),
                ("url", default_url.as_str()),
                ("width", "960"),
            ]
        );
        let child = |name: &str| content.children[name][0].value.clone().unwrap_or_default();
        assert_eq!(
            child("description"),
            "In Brussels.",
            "the article's caption"
        );
        assert_eq!(child("credit"), "Jane Doe / Byline");
        assert_eq!(child("copyright"), COPYRIGHT);
        assert_eq!(content.children["license"][0].attrs["href"], LICENCE);
        let item = rss_item(&wire.id);
        let enclosure = item.enclosure.as_ref().expect("an enclosure");
        assert_eq!(
            (enclosure.url.as_str(), enclosure.mime_type.as_str()),
            (WIRE_URL, "image/jpeg"),
            "typed by its extension, its `&` intact"
        );
        let content = &item.extensions["media"]["content"][0];
        assert_eq!(content.attrs["url"], WIRE_URL);
        assert!(!content.attrs.contains_key("width"), "no size is known");
        assert_eq!(
            content.children["description"][0].value.as_deref(),
            Some("Leaders at the table"),
            "the alt text, without a caption"
        );
        public.insert("RSS", rss_text);

        // Atom: an enclosure link and the same Media RSS.
        let atom_text = body(&app, "/feeds/atom.xml").await;
        let feed = atom_syndication::Feed::read_from(atom_text.as_bytes()).expect("Atom parses");
        assert_eq!(
            feed.namespaces.get("media").map(String::as_str),
            Some(MEDIA_NS)
        );
        let atom_entry = |id: &str| {
            feed.entries
                .iter()
                .find(|e| e.id == uri(id))
                .unwrap_or_else(|| panic!("no Atom entry {id}"))
        };
        for (id, url, width) in [
            (&flag_article, default_url.as_str(), Some("960")),
            (&wire.id, WIRE_URL, None),
        ] {
            let entry = atom_entry(id);
            let enclosures: Vec<(&str, Option<&str>)> = entry
                .links
                .iter()
                .filter(|l| l.rel == "enclosure")
                .map(|l| (l.href.as_str(), l.mime_type.as_deref()))
                .collect();
            assert_eq!(enclosures, [(url, Some("image/jpeg"))], "Atom {id}");
            assert_eq!(entry.links[0].rel, "alternate", "the article's page first");
            let content = &entry.extensions["media"]["content"][0];
            assert_eq!(content.attrs["url"], url, "Atom {id}");
            assert_eq!(content.attrs["medium"], "image");
            assert_eq!(content.attrs.get("width").map(String::as_str), width);
        }
        let content = &atom_entry(&flag_article).extensions["media"]["content"][0];
        assert_eq!(content.attrs["height"], "480");
        assert_eq!(
            content.children["copyright"][0].value.as_deref(),
            Some(COPYRIGHT)
        );
        public.insert("Atom", atom_text);

        // JSON Feed: `image`, the default rendition.
        let json_text = body(&app, "/feeds/feed.json").await;
        let json_feed: Value = serde_json::from_str(&json_text).expect("JSON Feed");
        let image_of = |id: &str| {
            json_feed["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|i| i["id"] == uri(id))
                .map(|i| i["image"].clone())
        };
        assert_eq!(image_of(&flag_article), Some(json!(default_url)));
        assert_eq!(image_of(&wire.id), Some(json!(WIRE_URL)));
        public.insert("JSON Feed", json_text);

        // The Google News sitemap: `<image:image><image:loc>` for each article with a picture.
        let news_text = body(&app, "/sitemaps/news.xml").await;
        let doc = roxmltree::Document::parse(&news_text).expect("the news sitemap is XML");
        let pictures: BTreeMap<String, Vec<String>> = doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name((SITEMAP_NS, "url")))
            .map(|url| {
                let loc = url
                    .children()
                    .find(|c| c.has_tag_name((SITEMAP_NS, "loc")))
                    .and_then(|c| c.text())
                    .expect("loc")
                    .to_owned();
                assert_eq!(
                    url.children()
                        .filter(|c| c.has_tag_name((NEWS_NS, "news")))
                        .count(),
                    1
                );
                let images = url
                    .children()
                    .filter(|c| c.has_tag_name((IMAGE_NS, "image")))
                    .map(|image| {
                        image
                            .children()
                            .find(|c| c.has_tag_name((IMAGE_NS, "loc")))
                            .and_then(|c| c.text())
                            .expect("image:loc")
                            .to_owned()
                    })
                    .collect();
                (loc, images)
            })
            .collect();
        let at = |slug: &str| format!("https://example.com/news/{slug}");
        assert_eq!(pictures[&at("flag")], [default_url.as_str()]);
        assert_eq!(pictures[&at("wire")], [WIRE_URL]);
        assert_eq!(
            pictures.len(),
            3,
            "the three published articles: {pictures:?}"
        );
        assert_fetchable(&app, &pictures[&at("flag")][0], 960, 480).await;
        public.insert("news sitemap", news_text);
        public.insert("sitemap page", body(&app, "/sitemaps/articles-1.xml").await);

        // Search results carry the image as article cards do, renditions and all.
        let search_text = body(&app, "/v1/search?q=words&limit=100").await;
        let results: Value = serde_json::from_str(&search_text).expect("search JSON");
        let hero = results["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|r| r["id"] == flag_article.as_str())
            .map(|r| r["hero_image"].clone())
            .expect("the flag article is found");
        let card = app.get_json("/v1/articles/flag", 200).await;
        assert_eq!(
            hero, card["data"]["hero_image"],
            "as the article carries it"
        );
        assert_eq!(hero["asset_id"], flag_id.as_str());
        assert_eq!(
            hero["renditions"].as_array().map(Vec::len),
            Some(4),
            "{hero}"
        );
        public.insert("REST search", search_text);
        let query = json!({"query": "{ search(query: \"words\", first: 100) { edges { node { \
        article { id heroImage { url assetId copyright licence renditions { url width height } } } \
        } } } }"});
        let graphql_text = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&query)
            .send()
            .await
            .expect("graphql")
            .text()
            .await
            .expect("body");
        let graphql: Value = serde_json::from_str(&graphql_text).expect("GraphQL JSON");
        let hero = graphql["data"]["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| &e["node"]["article"])
            .find(|a| a["heroImage"]["assetId"] == flag_id.as_str())
            .map(|a| a["heroImage"].clone())
            .unwrap_or_else(|| panic!("the flag article's picture: {graphql_text}"));
        assert_eq!(hero["url"], default_url.as_str());
        assert_eq!(hero["licence"], LICENCE);
        let sizes: Vec<(u64, u64)> = hero["renditions"]
            .as_array()
            .expect("renditions")
            .iter()
            .map(|r| {
                (
                    r["width"].as_u64().expect("w"),
                    r["height"].as_u64().expect("h"),
                )
            })
            .collect();
        assert_eq!(sizes, [(320, 160), (480, 240), (640, 320), (960, 480)]);
        public.insert("GraphQL search", graphql_text);

        // The draft's picture is in none of them, and its renditions answer the public 404.
        for (surface, text) in &public {
            for leak in [
                secret_id.as_str(),
                &secret_url,
                "a draft's photographer",
                &draft,
            ] {
                assert!(
                    !text.contains(leak),
                    "{surface} carries `{leak}` of a draft"
                );
            }
        }
        assert_eq!(fetch(&app, &secret_url, None).await.status().as_u16(), 404);

        // Moving the focal point gives the picture new URLs: the cached feeds, sitemap and
        // stream answers go with it.
        let moved = app
            .client
            .patch(format!("{}/admin/v1/assets/{flag_id}", app.base))
            .bearer_auth(&editor)
            .json(&json!({"focal_point": {"x": 0.2, "y": 0.5}}))
            .send()
            .await
            .expect("patch");
        assert_eq!(moved.status().as_u16(), 200);
        let moved: Value = moved.json().await.expect("asset");
        let (new_url, _, _) = renditions(&moved["data"]).pop().expect("a rendition");
        assert_ne!(new_url, default_url);
        let stream = app
            .client
            .get(format!("{}/syndication/v1/articles", app.base))
            .bearer_auth(&partner)
            .send()
            .await
            .expect("stream")
            .text()
            .await
            .expect("body");
        for (surface, text) in [
            ("RSS", body(&app, "/feeds/rss.xml").await),
            ("Atom", body(&app, "/feeds/atom.xml").await),
            ("JSON Feed", body(&app, "/feeds/feed.json").await),
            ("news sitemap", body(&app, "/sitemaps/news.xml").await),
            ("ninjs stream", stream),
        ] {
            assert!(
                text.contains(&new_url) && !text.contains(&default_url),
                "{surface} names the picture's new URL only"
            );
        }
    }
);
