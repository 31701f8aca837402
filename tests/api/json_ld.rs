//! schema.org `NewsArticle` JSON-LD (`fields=json_ld`, GraphQL `jsonLd`): the properties of
//! Google's article rich results, checked field by field and expanded by a real JSON-LD
//! processor (pyld, PyPI) with schema.org's vocabulary, offline.

use std::io::Write;

use byline::{
    auth::Role,
    domain::{
        self,
        article::{AuthorLink, Correction, HeroImage},
    },
    service::taxonomy::NewAuthor,
};
use image::{DynamicImage, ImageFormat};
use serde_json::{Value, json};

use crate::{
    assets::{decoded, encode, fetch, halves, key, upload},
    helpers::{TestApp, article},
    on_both_backends,
};

/// Expands `document` with pyld, schema.org's context served from memory (there is no
/// network here; its `@vocab` is what matters for expansion). `None` when pyld is missing
/// and CI did not ask for it.
fn expand(document: &Value) -> Option<Value> {
    const SCRIPT: &str = r#"
import json, sys
try:
    from pyld import jsonld
except ImportError:
    sys.exit(3)
CONTEXT = {"@context": {"@vocab": "https://schema.org/"}}
def loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contentType": "application/ld+json", "contextUrl": None,
                "documentUrl": url, "document": CONTEXT}
    raise ValueError("no network for " + url)
print(json.dumps(jsonld.expand(json.load(sys.stdin), {"documentLoader": loader})))
"#;
    let required = std::env::var("BYLINE_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    let mut child = match std::process::Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if required => panic!("python3 cannot run: {e}"),
        Err(e) => {
            eprintln!("skipped the JSON-LD processor: python3 cannot run ({e})");
            return None;
        }
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(document.to_string().as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("pyld");
    match out.status.code() {
        Some(0) => Some(serde_json::from_slice(&out.stdout).expect("expanded JSON")),
        Some(3) if required => panic!("pyld is missing; CI installs it into its venv (.ci/run)"),
        Some(3) => {
            eprintln!("skipped the JSON-LD processor: `pip install pyld`");
            None
        }
        _ => panic!(
            "pyld refused the document: {}\n{document}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

const SCHEMA: &str = "https://schema.org/";

/// The expanded values of `property` of an expanded node.
fn values<'a>(node: &'a Value, property: &str) -> &'a Vec<Value> {
    node[format!("{SCHEMA}{property}")]
        .as_array()
        .unwrap_or_else(|| panic!("no {property} in {node}"))
}

async fn authors(app: &TestApp) {
    for (slug, name, role, links) in [
        ("ana", "Ana Ruiz", None, vec!["https://social.example/@ana"]),
        ("wire", "Byline Wire", Some("agency"), vec![]),
    ] {
        app.content
            .create_author(NewAuthor {
                slug: slug.into(),
                name: name.into(),
                role: role.map(Into::into),
                bio: None,
                avatar_url: None,
                links: links
                    .into_iter()
                    .map(|url| AuthorLink {
                        label: "Profile".into(),
                        url: url.into(),
                    })
                    .collect(),
            })
            .await
            .expect("author");
    }
}

on_both_backends!(articles_answer_news_article_json_ld, |app| {
    app.seed_taxonomy().await;
    authors(&app).await;
    let editor = key(&app, Role::Editor).await;
    let png = encode(
        &DynamicImage::ImageRgb8(halves(2000, 1000)),
        ImageFormat::Png,
    );
    let (status, body) = upload(
        &app,
        Some(&editor),
        png,
        &[
            ("credit", "Ana Ruiz"),
            ("copyright", "© 2026 Byline"),
            ("licence", "https://creativecommons.org/licenses/by/4.0/"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let asset_id = body["data"]["id"].as_str().expect("id").to_owned();
    let mut new = article("summit-ends", domain::now());
    new.title = "Summit ends without a deal".into();
    new.authors = vec!["ana".into(), "wire".into()];
    new.tags = vec!["eu".into(), "budget".into()];
    new.hero_image = Some(HeroImage {
        asset_id: Some(asset_id),
        url: None,
        alt: Some("Leaders at the table".into()),
        caption: Some("The last session.".into()),
        credit: None,
    });
    new.corrections = vec![Correction {
        note: "An earlier version gave the wrong date.".into(),
        corrected_at: domain::now(),
    }];
    app.content
        .create_article(new, None)
        .await
        .expect("article");

    let read = app
        .get_json("/v1/articles/summit-ends?fields=json_ld", 200)
        .await;
    let ld = &read["data"]["json_ld"];
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "Summit ends without a deal");
    assert_eq!(ld["description"], "A standfirst.");
    assert_eq!(ld["inLanguage"], "en");
    assert_eq!(ld["dateline"], "BRUSSELS");
    assert_eq!(ld["articleSection"], "News & Analysis");
    assert_eq!(ld["keywords"], json!(["EU", "BUDGET"]));
    assert_eq!(ld["isAccessibleForFree"], true);
    for date in ["datePublished", "dateModified"] {
        let text = ld[date].as_str().expect("a date");
        chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{date} {text}: {e}"));
    }
    assert_eq!(
        ld["author"],
        json!([
            {"@type": "Person", "name": "Ana Ruiz", "sameAs": ["https://social.example/@ana"]},
            {"@type": "Organization", "name": "Byline Wire"}
        ])
    );
    assert_eq!(ld["publisher"]["@type"], "Organization");
    assert!(
        ld["url"].as_str().expect("url").ends_with("summit-ends"),
        "{ld}"
    );
    assert_eq!(ld["correction"][0]["@type"], "CorrectionComment");
    assert_eq!(
        ld["correction"][0]["text"],
        "An earlier version gave the wrong date."
    );

    // Three crops Google asks for, each at least 1 200 wide, each answering with that size.
    let images = ld["image"].as_array().expect("images");
    assert_eq!(images.len(), 3, "{ld}");
    for (image, (w, h)) in images.iter().zip([(1280, 720), (1280, 960), (1000, 1000)]) {
        assert_eq!(
            (image["width"].as_u64(), image["height"].as_u64()),
            (Some(w), Some(h)),
            "{image}"
        );
        assert_eq!(image["creditText"], "Ana Ruiz");
        assert_eq!(image["copyrightNotice"], "© 2026 Byline");
        assert_eq!(
            image["license"],
            "https://creativecommons.org/licenses/by/4.0/"
        );
        let url = image["url"].as_str().expect("url");
        let response = fetch(&app, url, None).await;
        assert_eq!(response.status().as_u16(), 200, "{url}");
        let (_, picture) = decoded(&response.bytes().await.expect("bytes"));
        assert_eq!(
            (u64::from(picture.width()), u64::from(picture.height())),
            (w, h),
            "{url}"
        );
    }

    // GraphQL hands out the same document.
    let response = app
        .graphql_json("{ article(slug: \"summit-ends\") { jsonLd } }")
        .await;
    assert_eq!(response["data"]["article"]["jsonLd"], *ld, "{response}");
    // Without `fields=json_ld` an article does not carry it.
    let whole = app.get_json("/v1/articles/summit-ends", 200).await;
    assert!(whole["data"].get("json_ld").is_none());

    // A JSON-LD processor reads it as schema.org says.
    if let Some(expanded) = expand(ld) {
        let node = &expanded[0];
        assert_eq!(
            node["@type"],
            json!([format!("{SCHEMA}NewsArticle")]),
            "{expanded}"
        );
        for property in [
            "headline",
            "image",
            "datePublished",
            "dateModified",
            "author",
            "publisher",
        ] {
            assert!(!values(node, property).is_empty(), "{property}");
        }
        let authors = values(node, "author");
        assert_eq!(authors[0]["@type"], json!([format!("{SCHEMA}Person")]));
        assert_eq!(values(&authors[0], "name")[0]["@value"], "Ana Ruiz");
        assert_eq!(
            authors[1]["@type"],
            json!([format!("{SCHEMA}Organization")])
        );
        let image = &values(node, "image")[0];
        assert_eq!(image["@type"], json!([format!("{SCHEMA}ImageObject")]));
        assert_eq!(
            values(node, "correction")[0]["@type"],
            json!([format!("{SCHEMA}CorrectionComment")])
        );
    }
});

on_both_backends!(
    json_ld_of_an_image_hosted_elsewhere_and_of_hidden_articles,
    |app| {
        app.seed_taxonomy().await;
        let mut new = article("elsewhere", domain::now());
        new.hero_image = Some(HeroImage {
            asset_id: None,
            url: Some("https://img.example.com/photo.jpg?w=1600&fit=crop".into()),
            alt: Some("A photo".into()),
            caption: None,
            credit: Some("Agency".into()),
        });
        app.content
            .create_article(new, None)
            .await
            .expect("article");
        let read = app
            .get_json("/v1/articles/elsewhere?fields=json_ld", 200)
            .await;
        let images = &read["data"]["json_ld"]["image"];
        assert_eq!(
            *images,
            json!([{"@type": "ImageObject", "url": "https://img.example.com/photo.jpg?w=1600&fit=crop",
                "caption": "A photo", "creditText": "Agency"}])
        );
        // A list can carry it too, for the visible articles only.
        let mut draft = article("not-yet", domain::now());
        draft.status = domain::article::ArticleStatus::Draft;
        draft.published_at = None;
        app.content
            .create_article(draft, None)
            .await
            .expect("draft");
        let list = app.get_json("/v1/articles?fields=json_ld", 200).await;
        let headlines: Vec<&str> = list["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| a["json_ld"]["headline"].as_str().expect("headline"))
            .collect();
        assert_eq!(headlines, ["Title of elsewhere"]);
        app.get_json("/v1/articles/not-yet?fields=json_ld", 404)
            .await;
    }
);
