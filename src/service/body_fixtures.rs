//! Round-trip fixtures of the three forms of a body: Markdown → HTML → blocks → HTML gives
//! the HTML back, a block document → HTML → blocks gives the document back, and the plain
//! text is the same words either way.

use serde_json::json;

use super::{render::render_body, sanitize::SANITIZER};
use crate::domain::{
    article::BodyFormat,
    blocks::{Block, BodyDocument, Mark, input, render::to_html},
};

const ASSET: &str = "0193a000-0000-7000-8000-000000000001";
const RELATED: &str = "0193a000-0000-7000-8000-000000000002";

/// Markdown covering every block it can write: marks, links, headings, tight and nested
/// lists, quotes, code, a divider, a table, a library image and an embed.
const MARKDOWN: &str = "\
Ministers met in *Brussels* on **Monday** to discuss `budget` rules; see [the report](https://example.com/report) and <del>old</del> news.

## What was agreed

- Fishing quotas
- Border checks
  1. Land
  2. Sea

> They agreed *nothing* at all.
>
> Second paragraph.

    let x = 1;

---

| Country | Votes |
| --- | --- |
| Malta | **3** |

![Harbour at dawn](asset:0193a000-0000-7000-8000-000000000001 \"The harbour\")

https://youtu.be/dQw4w9WgXcQ

## What was agreed
";

fn blocks_of(json: &str) -> BodyDocument {
    serde_json::from_str(json).expect("stored blocks are a document")
}

#[test]
fn markdown_html_and_blocks_agree() {
    let body = render_body(BodyFormat::Markdown, MARKDOWN).expect("renders");
    let doc = blocks_of(&body.blocks);
    let kinds: Vec<&str> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(_) => "paragraph",
            Block::Heading(_) => "heading",
            Block::List(_) => "list",
            Block::Quote(_) => "quote",
            Block::Code(_) => "code",
            Block::Divider(_) => "divider",
            Block::Table(_) => "table",
            Block::Image(_) => "image",
            Block::Embed(_) => "embed",
            Block::Html(_) => "html",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "paragraph",
            "heading",
            "list",
            "quote",
            "code",
            "divider",
            "table",
            "image",
            "embed",
            "heading"
        ],
        "{:#?}",
        doc.blocks
    );
    // The blocks written out again are the stored HTML, element for element.
    let again = SANITIZER.clean(&to_html(&doc)).to_string();
    let squeeze = |html: &str| html.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        squeeze(&again),
        squeeze(&body.html),
        "\n{again}\n---\n{}",
        body.html
    );

    let Block::Paragraph(first) = &doc.blocks[0] else {
        panic!("a paragraph first");
    };
    let marks: Vec<(&str, &[Mark], Option<&str>)> = first
        .content
        .iter()
        .map(|s| (s.text.as_str(), s.marks.as_slice(), s.href.as_deref()))
        .collect();
    assert!(
        marks.contains(&("Brussels", &[Mark::Italic][..], None)),
        "{marks:?}"
    );
    assert!(
        marks.contains(&("Monday", &[Mark::Bold][..], None)),
        "{marks:?}"
    );
    assert!(
        marks.contains(&("budget", &[Mark::Code][..], None)),
        "{marks:?}"
    );
    assert!(
        marks.contains(&("the report", &[][..], Some("https://example.com/report"))),
        "{marks:?}"
    );
    assert!(
        marks.contains(&("old", &[Mark::Strikethrough][..], None)),
        "{marks:?}"
    );
    let headings: Vec<&str> = doc
        .walk()
        .into_iter()
        .filter_map(|b| match b {
            Block::Heading(h) => Some(h.id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(headings, ["what-was-agreed", "what-was-agreed-2"]);
    let Block::Image(image) = &doc.blocks[7] else {
        panic!("an image");
    };
    assert_eq!(image.asset_id.as_deref(), Some(ASSET));
    assert_eq!(image.alt.as_deref(), Some("Harbour at dawn"));
    assert_eq!(image.caption.as_deref(), Some("The harbour"));
    let Block::Embed(embed) = &doc.blocks[8] else {
        panic!("an embed");
    };
    assert_eq!(embed.id.as_deref(), Some("dQw4w9WgXcQ"));
    assert_eq!(embed.aspect_ratio.as_deref(), Some("16:9"));
}

/// A document with every block type, as an editor would send it.
fn every_block() -> serde_json::Value {
    json!({
        "version": 1,
        "blocks": [
            {"type": "heading", "level": 2, "content": [{"text": "Night of the count"}]},
            {"type": "paragraph", "content": [
                {"text": "Turnout was "},
                {"text": "record", "marks": ["bold", "italic"]},
                {"text": " high", "marks": ["bold"]},
                {"text": ", said "},
                {"text": "the commission", "href": "https://example.com/c"},
                {"text": ".\nA new line."}
            ]},
            {"type": "list", "ordered": true, "start": 3, "items": [
                {"blocks": [{"type": "paragraph", "content": [{"text": "Third"}]}]},
                {"blocks": [
                    {"type": "paragraph", "content": [{"text": "Fourth"}]},
                    {"type": "list", "items": [
                        {"blocks": [{"type": "paragraph", "content": [{"text": "nested"}]}]}
                    ]}
                ]}
            ]},
            {"type": "quote", "attribution": "A voter", "blocks": [
                {"type": "paragraph", "content": [{"text": "We came early."}]}
            ]},
            {"type": "pull_quote", "text": "Every vote counted", "attribution": "The chair"},
            {"type": "image", "asset_id": ASSET, "alt": "Queue", "caption": "The queue", "credit": "Photo: A. Lens"},
            {"type": "image", "url": "https://images.example.com/q.jpg", "alt": "Outside"},
            {"type": "embed", "url": "https://vimeo.com/76979871"},
            {"type": "embed", "url": "https://x.com/someone/status/20"},
            {"type": "table", "head": [{"cells": [{"content": [{"text": "Party"}]}, {"content": [{"text": "Seats"}]}]}],
             "rows": [{"cells": [{"content": [{"text": "Blue"}]}, {"content": [{"text": "12", "marks": ["bold"]}]}]}]},
            {"type": "fact_box", "title": "How the count works", "blocks": [
                {"type": "paragraph", "content": [{"text": "Ballots are counted by hand."}]}
            ]},
            {"type": "related_article", "article_id": RELATED},
            {"type": "divider"},
            {"type": "code", "text": "turnout = votes / voters\n  # by hand"},
            {"type": "html", "html": "<dl><dt>Turnout</dt><dd>71 %</dd></dl>"}
        ]
    })
}

#[test]
fn a_block_document_comes_back_from_its_html() {
    let sent = every_block();
    let body = render_body(BodyFormat::Blocks, &sent.to_string()).expect("renders");
    let stored = blocks_of(&body.blocks);
    let mut expected = input::read(&sent).expect("valid");
    crate::domain::blocks::anchors::assign(&mut expected);
    assert_eq!(stored, expected, "\n{}", body.html);
    // The HTML holds the references each read resolves, and the words of every block.
    assert!(
        body.html.contains(&format!("src=\"asset:{ASSET}\"")),
        "{}",
        body.html
    );
    assert!(
        body.html
            .contains(&format!("data-article-id=\"{RELATED}\"")),
        "{}",
        body.html
    );
    assert!(
        body.html.contains("player.vimeo.com/video/76979871"),
        "{}",
        body.html
    );
    for words in [
        "Night of the count",
        "Turnout was record high, said the commission.\nA new line.",
        "Third",
        "nested",
        "We came early.",
        "Every vote counted",
        "The queue",
        "Ballots are counted by hand.",
        "turnout = votes / voters",
        "71 %",
    ] {
        assert!(body.text.contains(words), "{words:?} in {:?}", body.text);
    }
}

#[test]
fn a_document_that_is_not_one_is_refused_with_every_pointer() {
    let bad = json!({
        "version": 1,
        "blocks": [
            {"type": "carousel"},
            {"type": "heading", "level": 9, "content": []},
            {"type": "paragraph", "content": [{"text": "x", "href": "javascript:alert(1)"}]},
            {"type": "quote", "blocks": [{"type": "paragraph", "content": [{"text": 3}]}]},
            {"type": "embed", "url": "https://tracker.example/pixel"},
            {"type": "image", "url": "https://example.com/a.jpg", "asset_id": ASSET},
            {"type": "related_article", "article_id": "not-an-id"},
            {"type": "paragraph", "content": [], "colour": "red"}
        ]
    });
    let refused = render_body(BodyFormat::Blocks, &bad.to_string()).expect_err("refused");
    let fields: Vec<&str> = refused.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "/body_blocks/blocks/0/type",
            "/body_blocks/blocks/1/level",
            "/body_blocks/blocks/2/content/0/href",
            "/body_blocks/blocks/3/blocks/0/content/0/text",
            "/body_blocks/blocks/4/url",
            "/body_blocks/blocks/5",
            "/body_blocks/blocks/6/article_id",
            "/body_blocks/blocks/7/colour",
        ],
        "{refused:#?}"
    );
    assert!(refused[7].message.contains("colour"), "{refused:?}");
    // Too deep, too many, raw HTML the sanitizer would change.
    let mut deep = json!({"type": "paragraph", "content": []});
    for _ in 0..12 {
        deep = json!({"type": "quote", "blocks": [deep]});
    }
    let refused = render_body(
        BodyFormat::Blocks,
        &json!({"version": 1, "blocks": [deep]}).to_string(),
    )
    .expect_err("too deep");
    assert!(refused[0].message.contains("deeper"), "{refused:?}");
    let many: Vec<_> = (0..6000).map(|_| json!({"type": "divider"})).collect();
    let refused = render_body(
        BodyFormat::Blocks,
        &json!({"version": 1, "blocks": many}).to_string(),
    )
    .expect_err("too many");
    assert!(
        refused.iter().any(|e| e.message.contains("5000")),
        "{refused:?}"
    );
    let refused = render_body(
        BodyFormat::Blocks,
        &json!({"version": 1, "blocks": [{"type": "html", "html": "<script>x()</script>"}]})
            .to_string(),
    )
    .expect_err("a script");
    assert_eq!(refused[0].field, "/body_blocks", "{refused:?}");
    assert!(refused[0].message.contains("<script>"), "{refused:?}");
    let refused = render_body(BodyFormat::Blocks, "{\"version\": 2, \"blocks\": {}}")
        .expect_err("wrong version and shape");
    let fields: Vec<&str> = refused.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["/body_blocks/version", "/body_blocks/blocks"]);
}

#[test]
fn html_the_blocks_have_no_type_for_is_kept_whole() {
    let html = "<p>Plain <span>span</span></p><div><p>boxed</p></div><p>fine</p>";
    let body = render_body(BodyFormat::Html, html).expect("renders");
    let doc = blocks_of(&body.blocks);
    assert!(matches!(&doc.blocks[0], Block::Html(h) if h.html == "<p>Plain <span>span</span></p>"));
    assert!(matches!(&doc.blocks[1], Block::Html(h) if h.html == "<div><p>boxed</p></div>"));
    assert!(matches!(&doc.blocks[2], Block::Paragraph(_)));
    assert_eq!(to_html(&doc).replace('\n', ""), body.html);
}

#[test]
fn every_provider_reads_as_a_typed_embed_from_markdown_and_from_blocks() {
    let pages = [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://vimeo.com/76979871", "vimeo"),
        (
            "https://x.com/EU_Commission/status/1790000000000000000",
            "x",
        ),
        ("https://www.instagram.com/p/C7abcDEF123/", "instagram"),
        (
            "https://www.tiktok.com/@europarl/video/7350000000000000000",
            "tiktok",
        ),
        (
            "https://bsky.app/profile/europarl.bsky.social/post/3kabc123xyz",
            "bluesky",
        ),
        (
            "https://social.network.europa.eu/@EU_Commission/112233445566778899",
            "mastodon",
        ),
        (
            "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
            "spotify",
        ),
        (
            "https://soundcloud.com/europarl/plenary-highlights",
            "soundcloud",
        ),
        ("https://datawrapper.dwcdn.net/Ab1Cd/", "datawrapper"),
        (
            "https://public.flourish.studio/visualisation/1234567/",
            "flourish",
        ),
        (
            "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2519",
            "google_maps",
        ),
    ];
    for (page, provider) in pages {
        let from_markdown = render_body(BodyFormat::Markdown, page).expect("renders");
        let sent = json!({"version": 1, "blocks": [{"type": "embed", "url": page}]});
        let from_blocks = render_body(BodyFormat::Blocks, &sent.to_string()).expect("renders");
        assert_eq!(from_markdown.blocks, from_blocks.blocks, "{page}");
        assert_eq!(from_markdown.html, from_blocks.html, "{page}");
        let doc: serde_json::Value = serde_json::from_str(&from_blocks.blocks).expect("JSON");
        let block = &doc["blocks"][0];
        assert_eq!(block["type"], "embed", "{page}: {doc}");
        assert_eq!(block["provider"], provider, "{page}: {doc}");
        assert!(
            block["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{doc}"
        );
    }
}

/// What the blocks make of the bodies Byline ships (the demo newsroom and the synthetic
/// generator's): every block typed, none kept as raw HTML, and the HTML written back from
/// them is the stored HTML.
#[test]
fn the_seeded_bodies_read_as_typed_blocks_without_loss() {
    let demo: serde_json::Value =
        serde_json::from_str(include_str!("../seed/demo_content.json")).expect("demo JSON");
    let mut bodies: Vec<String> = demo["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|a| a["body_markdown"].as_str().expect("body").to_owned())
        .collect();
    bodies.push(
        "Intro.\n\n## What happens next\n\n> A quote of three sentences. Two. One.\n\nEnd.".into(),
    );
    let squeeze = |html: &str| html.split_whitespace().collect::<Vec<_>>().join(" ");
    for markdown in &bodies {
        let body = render_body(BodyFormat::Markdown, markdown).expect("renders");
        let doc = blocks_of(&body.blocks);
        let raw: Vec<&Block> = doc
            .walk()
            .into_iter()
            .filter(|b| matches!(b, Block::Html(_)))
            .collect();
        assert!(raw.is_empty(), "kept as HTML: {raw:?}");
        let again = SANITIZER.clean(&to_html(&doc)).to_string();
        assert_eq!(squeeze(&again), squeeze(&body.html));
    }
}
