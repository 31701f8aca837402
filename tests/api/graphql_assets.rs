//! The asset library over GraphQL: an upload as a GraphQL multipart request (the spec's
//! `operations`, `map` and file parts), the library's reads, describe and delete, each with
//! the same roles and refusals as `/admin/v1/assets`.

use byline::auth::Role;
use image::{DynamicImage, ImageFormat};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{
    assets::{article_with, encode, halves, key},
    helpers::TestApp,
    on_both_backends,
};

const UPLOAD: &str = "mutation Upload($file: Upload!, $description: AssetDescriptionInput) {
  uploadAsset(file: $file, description: $description) {
    created
    asset { id mediaType width height alt credit licence focalPoint { x y }
            renditions { url width height mediaType } srcset originalUrl }
  }
}";

/// A GraphQL multipart request: `operations` with the file variable null, `map` saying
/// part `0` fills it, and the file.
async fn upload(
    app: &TestApp,
    key: Option<&str>,
    bytes: Vec<u8>,
    description: Value,
) -> (u16, Value) {
    let operations = json!({
        "query": UPLOAD,
        "variables": { "file": null, "description": description },
    });
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.file"]}).to_string())
        .part("0", Part::bytes(bytes).file_name("photo.png"));
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .multipart(form);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("POST /graphql");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("POST /graphql answered {status}, not JSON ({e}): {text}"));
    (status, json)
}

async fn graphql(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(key)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("POST /graphql");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON")
}

/// The code of the response's first error.
fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a coded error: {response}"))
}

on_both_backends!(
    graphql_uploads_describes_lists_and_deletes_assets_by_role,
    |app| {
        app.seed_taxonomy().await;
        let (contributor, editor, partner) = (
            key(&app, Role::Contributor).await,
            key(&app, Role::Editor).await,
            key(&app, Role::Partner).await,
        );
        let png = encode(&DynamicImage::ImageRgb8(halves(700, 500)), ImageFormat::Png);
        let description = json!({
            "alt": "A red and blue flag",
            "credit": "Jane Doe / Byline",
            "licence": "CC BY 4.0",
            "focalPoint": {"x": 0.25, "y": 0.5},
        });
        let (status, response) =
            upload(&app, Some(&contributor), png.clone(), description.clone()).await;
        assert_eq!(status, 200, "{response}");
        let uploaded = &response["data"]["uploadAsset"];
        assert_eq!(uploaded["created"], true, "{response}");
        let asset = &uploaded["asset"];
        assert_eq!(asset["mediaType"], "image/png");
        assert_eq!(
            (asset["width"].as_u64(), asset["height"].as_u64()),
            (Some(700), Some(500))
        );
        assert_eq!(asset["licence"], "CC BY 4.0");
        assert_eq!(asset["focalPoint"], json!({"x": 0.25, "y": 0.5}));
        let widths: Vec<u64> = asset["renditions"]
            .as_array()
            .expect("renditions")
            .iter()
            .map(|r| r["width"].as_u64().expect("width"))
            .collect();
        assert_eq!(widths, [320, 480, 640]);
        let id = asset["id"].as_str().expect("id").to_owned();

        // Editors can fetch a rendition before any article shows it; the bytes are that size.
        let url = asset["renditions"][0]["url"].as_str().expect("url");
        let rendition = app
            .client
            .get(url)
            .bearer_auth(&editor)
            .send()
            .await
            .expect("rendition");
        assert_eq!(rendition.status().as_u16(), 200);
        let bytes = rendition.bytes().await.expect("bytes");
        let image = image::load_from_memory(&bytes).expect("an image");
        assert_eq!(image.width(), 320);

        // The same bytes again (through REST's twin or here) are the same asset.
        let (_, again) = upload(&app, Some(&editor), png.clone(), json!({})).await;
        assert_eq!(again["data"]["uploadAsset"]["created"], false, "{again}");
        assert_eq!(again["data"]["uploadAsset"]["asset"]["id"], id.as_str());
        assert_eq!(
            again["data"]["uploadAsset"]["asset"]["alt"], "A red and blue flag",
            "a repeated upload leaves the description alone"
        );

        // Who may upload: nobody without a key (refused before the body is read), no partner.
        let (status, anonymous) = upload(&app, None, png.clone(), json!({})).await;
        assert_eq!(status, 401, "{anonymous}");
        assert_eq!(code(&anonymous), "UNAUTHENTICATED");
        let (_, partner_try) = upload(&app, Some(&partner), png.clone(), json!({})).await;
        assert_eq!(code(&partner_try), "FORBIDDEN", "{partner_try}");

        // Not an image, and an image out of bounds: coded errors, nothing stored.
        let (_, junk) = upload(
            &app,
            Some(&contributor),
            b"not a picture".to_vec(),
            json!({}),
        )
        .await;
        assert_eq!(code(&junk), "BAD_USER_INPUT", "{junk}");
        let (_, bad_focus) = upload(
            &app,
            Some(&contributor),
            encode(&DynamicImage::ImageRgb8(halves(64, 64)), ImageFormat::Png),
            json!({"focalPoint": {"x": 3, "y": 0}}),
        )
        .await;
        assert_eq!(code(&bad_focus), "BAD_USER_INPUT", "{bad_focus}");

        // Reads of the library.
        let list = graphql(
            &app,
            &contributor,
            "{ assets(first: 10) { nodes { id } hasNextPage endCursor } }",
            Value::Null,
        )
        .await;
        assert_eq!(
            list["data"]["assets"]["nodes"],
            json!([{"id": id}]),
            "{list}"
        );
        assert_eq!(list["data"]["assets"]["hasNextPage"], false);
        let one = graphql(
            &app,
            &contributor,
            "query($id: ID!) { asset(id: $id) { credit contentHash } }",
            json!({"id": id}),
        )
        .await;
        assert_eq!(one["data"]["asset"]["credit"], "Jane Doe / Byline", "{one}");
        let anonymous_list = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({"query": "{ assets { nodes { id } } }"}))
            .send()
            .await
            .expect("POST")
            .json::<Value>()
            .await
            .expect("JSON");
        assert_eq!(code(&anonymous_list), "UNAUTHENTICATED", "{anonymous_list}");

        // Describe: editors only; absent fields stay, null clears.
        let update = "mutation($id: ID!, $patch: AssetPatchInput!) {
            updateAsset(id: $id, patch: $patch) { alt credit licence focalPoint { x y } } }";
        let patch = json!({"id": id, "patch": {"alt": "The flag, redrawn", "credit": null}});
        let refused = graphql(&app, &contributor, update, patch.clone()).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
        let updated = graphql(&app, &editor, update, patch).await;
        assert_eq!(
            updated["data"]["updateAsset"],
            json!({"alt": "The flag, redrawn", "credit": null, "licence": "CC BY 4.0",
                   "focalPoint": {"x": 0.25, "y": 0.5}}),
            "{updated}"
        );

        // Delete: refused while an article uses it, then done.
        let delete = "mutation($id: ID!) { deleteAsset(id: $id) }";
        article_with(&app, "flag-story", &id, true).await;
        let in_use = graphql(&app, &editor, delete, json!({"id": id})).await;
        assert_eq!(code(&in_use), "CONFLICT", "{in_use}");
        let unknown = graphql(
            &app,
            &editor,
            delete,
            json!({"id": "00000000-0000-4000-8000-000000000000"}),
        )
        .await;
        assert_eq!(code(&unknown), "NOT_FOUND", "{unknown}");
        let not_an_id = graphql(&app, &editor, delete, json!({"id": "flag"})).await;
        assert_eq!(code(&not_an_id), "BAD_USER_INPUT", "{not_an_id}");
    }
);

on_both_backends!(malformed_graphql_multipart_requests_get_4xx, |app| {
    let editor = key(&app, Role::Editor).await;
    let png = encode(&DynamicImage::ImageRgb8(halves(64, 64)), ImageFormat::Png);
    let post = |form: Form| {
        app.client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&editor)
            .multipart(form)
            .send()
    };
    let operations = json!({"query": UPLOAD, "variables": {"file": null}}).to_string();
    // No map part.
    let response = post(Form::new().text("operations", operations.clone()))
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 422);
    // A map naming a file that is not there.
    let response = post(
        Form::new()
            .text("operations", operations.clone())
            .text("map", json!({"0": ["variables.file"]}).to_string()),
    )
    .await
    .expect("POST");
    assert_eq!(response.status().as_u16(), 422);
    // A batch of operations.
    let response = post(
        Form::new()
            .text("operations", format!("[{operations}]"))
            .text("map", json!({"0": ["0.variables.file"]}).to_string())
            .part("0", Part::bytes(png.clone()).file_name("a.png")),
    )
    .await
    .expect("POST");
    assert_eq!(response.status().as_u16(), 422);
    // A file over the upload limit (the test server's is the default, 25 MiB).
    let big = vec![0u8; 26 * 1024 * 1024];
    let response = post(
        Form::new()
            .text("operations", operations.clone())
            .text("map", json!({"0": ["variables.file"]}).to_string())
            .part("0", Part::bytes(big).file_name("big.png")),
    )
    .await
    .expect("POST");
    assert_eq!(response.status().as_u16(), 413);
    // A mutation that takes no file, sent as multipart, still runs under the same rules.
    let form = Form::new()
        .text(
            "operations",
            json!({"query": "{ assets { nodes { id } } }"}).to_string(),
        )
        .text("map", "{}");
    let response = post(form).await.expect("POST");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["data"]["assets"]["nodes"], json!([]), "{body}");
});
