//! Article bodies as typed blocks: sent as a block document or written in Markdown, read as
//! blocks over REST (`fields=body_blocks`) and GraphQL (`bodyBlocks`) alike, valid against
//! the published JSON Schema, refused with a pointer to every error, and related articles
//! shown only while they are public. Stored bodies get their blocks from the backfill.

use byline::auth::Role;
use diesel::{RunQueryDsl, prelude::*};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    assets::{key, send},
    helpers::TestApp,
    on_both_backends,
};

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/body-blocks.schema.json"
    ))
    .expect("schema/body-blocks.schema.json is committed");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

async fn graphql(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("POST /graphql");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON")
}

fn types(blocks: &Value) -> Vec<String> {
    blocks
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["type"].as_str().expect("type").to_owned())
        .collect()
}

const GRAPHQL_BLOCKS: &str = "query($slug: String!) { article(slug: $slug) { bodyBlocks { version blocks {
    __typename
    ... on ParagraphBlock { content { text marks href } }
    ... on HeadingBlock { level id content { text } }
    ... on ListBlock { ordered start items { blocks { __typename ... on ParagraphBlock { content { text } } } } }
    ... on RelatedArticleBlock { articleId slug title }
    ... on EmbedBlock { provider id url aspectRatio }
    ... on ImageBlock { url alt caption credit }
    ... on PullQuoteBlock { text attribution }
} } } }";

on_both_backends!(blocks_go_in_and_come_out_on_every_api, |app| {
    app.seed_taxonomy().await;
    let editor = key(&app, Role::Editor).await;
    let validator = schema_validator();

    // A related article, still a draft.
    let (status, target) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"slug": "the-recount", "title": "The recount", "body": "Later."})),
    )
    .await;
    assert_eq!(status, 201, "{target}");
    let target_id = target["data"]["id"].as_str().expect("id").to_owned();

    let sent = json!({"version": 1, "blocks": [
        {"type": "heading", "level": 2, "content": [{"text": "Night of the count"}]},
        {"type": "paragraph", "content": [
            {"text": "Turnout was "}, {"text": "high", "marks": ["bold"]},
            {"text": ", said "}, {"text": "the commission", "href": "https://example.com/c"}
        ]},
        {"type": "list", "ordered": true, "start": 2, "items": [
            {"blocks": [{"type": "paragraph", "content": [{"text": "North"}]}]},
            {"blocks": [{"type": "paragraph", "content": [{"text": "South"}]}]}
        ]},
        {"type": "pull_quote", "text": "Every vote counted", "attribution": "The chair"},
        {"type": "image", "url": "https://images.example.com/queue.jpg", "alt": "Queue", "caption": "The queue", "credit": "A. Lens"},
        {"type": "embed", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
        {"type": "related_article", "article_id": target_id},
        {"type": "fact_box", "title": "How it works", "blocks": [
            {"type": "paragraph", "content": [{"text": "By hand."}]}
        ]},
        {"type": "divider"}
    ]});
    let (status, created) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"slug": "count", "title": "The count", "body_blocks": sent, "status": "published"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    // Kept as the HTML it is written as; the editor gets the document back as sent, the
    // draft it links to included.
    assert_eq!(created["data"]["body_format"], "html");
    let back = &created["data"]["body_blocks"];
    assert_eq!(back["blocks"][6]["type"], "related_article", "{back}");
    assert_eq!(back["blocks"][6]["article_id"], target_id.as_str());
    assert!(
        created["data"]["body_text"]
            .as_str()
            .expect("text")
            .contains("Turnout was high, said the commission"),
        "{created}"
    );

    // REST: the blocks, valid against the published schema; the draft it links to is left
    // out of the blocks and the HTML, without a trace of its id.
    let response = app
        .get("/v1/articles/count?fields=body_blocks,body_html")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.expect("body");
    assert!(!text.contains(&target_id), "a draft's id leaked: {text}");
    assert!(!text.contains("data-article-id"), "{text}");
    let read: Value = serde_json::from_str(&text).expect("JSON");
    let blocks = &read["data"]["body_blocks"];
    assert_valid(&validator, blocks);
    assert_eq!(
        types(&blocks["blocks"]),
        [
            "heading",
            "paragraph",
            "list",
            "pull_quote",
            "image",
            "embed",
            "fact_box",
            "divider"
        ]
    );
    assert_eq!(blocks["blocks"][0]["id"], "night-of-the-count");
    assert_eq!(blocks["blocks"][2]["start"], 2);
    assert_eq!(blocks["blocks"][5]["provider"], "youtube");
    assert_eq!(blocks["blocks"][5]["aspect_ratio"], "16:9");
    assert_eq!(blocks["blocks"][4]["credit"], "A. Lens");
    // Without `fields`, an article has no blocks (they are large) and no JSON-LD.
    let plain = app.get_json("/v1/articles/count", 200).await;
    assert!(plain["data"].get("body_blocks").is_none());

    // Once the related article is public, both show it, by its current slug.
    let (status, published) = send(
        &app,
        Method::POST,
        &format!("/admin/v1/articles/{target_id}/publish"),
        Some(&editor),
        Some(json!({"version": target["data"]["version"]})),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    let read = app
        .get_json("/v1/articles/count?fields=body_blocks,body_html", 200)
        .await;
    let blocks = &read["data"]["body_blocks"];
    assert_valid(&validator, blocks);
    let related = &blocks["blocks"][6];
    assert_eq!(related["type"], "related_article", "{blocks}");
    assert_eq!(related["slug"], "the-recount");
    assert_eq!(related["title"], "The recount");
    let html = read["data"]["body_html"].as_str().expect("html");
    assert!(
        html.contains("<aside class=\"related-article\"><a href=\"")
            && html.contains("the-recount\">The recount</a></aside>"),
        "{html}"
    );

    // GraphQL: the same blocks, typed, in the same order.
    let response = graphql(&app, None, GRAPHQL_BLOCKS, json!({"slug": "count"})).await;
    assert!(response["errors"].is_null(), "{response}");
    let document = &response["data"]["article"]["bodyBlocks"];
    assert_eq!(document["version"], 1);
    let names: Vec<&str> = document["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["__typename"].as_str().expect("typename"))
        .collect();
    assert_eq!(
        names,
        [
            "HeadingBlock",
            "ParagraphBlock",
            "ListBlock",
            "PullQuoteBlock",
            "ImageBlock",
            "EmbedBlock",
            "RelatedArticleBlock",
            "FactBoxBlock",
            "DividerBlock"
        ]
    );
    assert_eq!(document["blocks"][0]["id"], "night-of-the-count");
    assert_eq!(
        document["blocks"][1]["content"][1]["marks"],
        json!(["BOLD"])
    );
    assert_eq!(document["blocks"][5]["provider"], "YOUTUBE");
    assert_eq!(document["blocks"][6]["slug"], "the-recount");

    // Markdown keeps working, and reads as blocks too.
    let (status, _) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"slug": "md", "title": "Md", "status": "published",
                    "body": "## Results\n\nThe *count* ended.\n\nhttps://vimeo.com/76979871"})),
    )
    .await;
    assert_eq!(status, 201);
    let read = app
        .get_json("/v1/articles/md?fields=body_blocks", 200)
        .await;
    let blocks = &read["data"]["body_blocks"];
    assert_valid(&validator, blocks);
    assert_eq!(types(&blocks["blocks"]), ["heading", "paragraph", "embed"]);
    assert_eq!(
        blocks["blocks"][1]["content"][1]["marks"],
        json!(["italic"])
    );

    // Taking the related article back hides it again.
    let (status, _) = send(
        &app,
        Method::POST,
        &format!("/admin/v1/articles/{target_id}/unpublish"),
        Some(&editor),
        Some(json!({"version": published["data"]["version"]})),
    )
    .await;
    assert_eq!(status, 200);
    let response = app
        .get("/v1/articles/count?fields=body_blocks,body_html")
        .await;
    let text = response.text().await.expect("body");
    assert!(
        !text.contains(&target_id) && !text.contains("the-recount"),
        "{text}"
    );
});

on_both_backends!(a_bad_block_document_is_refused_with_pointers, |app| {
    app.seed_taxonomy().await;
    let editor = key(&app, Role::Editor).await;
    let bad = json!({"version": 1, "blocks": [
        {"type": "carousel"},
        {"type": "heading", "level": 7, "content": []},
        {"type": "paragraph", "content": [{"text": "x", "href": "javascript:alert(1)"}]}
    ]});
    let (status, problem) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"title": "Bad", "body_blocks": bad})),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        [
            "/body_blocks/blocks/0/type",
            "/body_blocks/blocks/1/level",
            "/body_blocks/blocks/2/content/0/href"
        ],
        "{problem}"
    );

    // A related article that does not exist, and both a body and blocks.
    let missing = "0193a000-0000-7000-8000-0000000000ff";
    let (status, problem) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(
            json!({"title": "Lost", "body_blocks": {"version": 1, "blocks": [
                {"type": "related_article", "article_id": missing}
            ]}}),
        ),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem.to_string().contains(missing), "{problem}");
    let (status, problem) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"title": "Both", "body": "x", "body_blocks": {"version": 1, "blocks": []}})),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "body_blocks");

    // GraphQL: the same errors, coded, with the same pointers.
    let response = graphql(
        &app,
        Some(&editor),
        "mutation($blocks: JSON!) { createArticle(input: {title: \"G\", bodyBlocks: $blocks}) { id } }",
        json!({"blocks": bad}),
    )
    .await;
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response}");
    let fields: Vec<&str> = error["extensions"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields.len(), 3, "{response}");
    assert_eq!(fields[1], "/body_blocks/blocks/1/level");

    // A document sent over GraphQL is stored like one sent over REST.
    let response = graphql(
        &app,
        Some(&editor),
        "mutation($blocks: JSON!) { createArticle(input: {title: \"Via GraphQL\", slug: \"via-graphql\", bodyBlocks: $blocks}) { id bodyHtml } }",
        json!({"blocks": {"version": 1, "blocks": [{"type": "paragraph", "content": [{"text": "Hello", "marks": ["italic"]}]}]}}),
    )
    .await;
    assert!(response["errors"].is_null(), "{response}");
    assert_eq!(
        response["data"]["createArticle"]["bodyHtml"],
        "<p><em>Hello</em></p>\n"
    );
});

on_both_backends!(stored_bodies_get_their_blocks_from_the_backfill, |app| {
    app.seed_taxonomy().await;
    let editor = key(&app, Role::Editor).await;
    let (status, created) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"slug": "old", "title": "Old", "status": "published",
                    "body": "An *old* story.\n\n- one\n- two"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let db = app.content.db();
    let stored = || -> Vec<String> {
        db.read_blocking(|conn| {
            use byline::db::schema::articles;
            Ok(articles::table
                .order(articles::id)
                .select(articles::body_blocks)
                .load(conn)?)
        })
        .expect("read")
    };
    let saved = stored();
    // As bodies stored before blocks existed: none stored.
    let wiped = db
        .write_blocking(|conn| {
            use byline::db::schema::articles;
            Ok(diesel::update(articles::table)
                .set(articles::body_blocks.eq(""))
                .execute(conn)?)
        })
        .expect("wipe");
    assert!(wiped >= 1);
    db.migrate().expect("migrating again runs the backfill");
    assert_eq!(stored(), saved, "the backfill derives what a save stores");
    let read = app
        .get_json("/v1/articles/old?fields=body_blocks", 200)
        .await;
    assert_eq!(
        types(&read["data"]["body_blocks"]["blocks"]),
        ["paragraph", "list"]
    );
});
