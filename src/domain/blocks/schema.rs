//! The JSON Schema of the block document (`schema/body-blocks.schema.json`), made from the
//! same types the API reads and writes, so it cannot drift from them.

use serde_json::{Map, Value, json};
use utoipa::{PartialSchema, ToSchema};

use super::{BodyDocument, VERSION};

/// OpenAPI's references (`#/components/schemas/X`) as the document's own (`#/$defs/X`).
fn rebase(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(target)) = object.get_mut("$ref")
                && let Some(name) = target.strip_prefix("#/components/schemas/")
            {
                *target = format!("#/$defs/{name}");
            }
            object.values_mut().for_each(rebase);
        }
        Value::Array(items) => items.iter_mut().for_each(rebase),
        _ => {}
    }
}

/// utoipa writes each block of the internally tagged `Block` as `allOf` its struct and an
/// object holding `type`, which client generators cannot read as a union and which a closed
/// struct would refuse. This puts `type` into each block's own schema instead (required, its
/// one value), makes `Block` a `oneOf` of references with a discriminator, and closes every
/// object of the document to the fields it names. `defs` are the component schemas;
/// references may be OpenAPI's (`#/components/schemas/`) or this document's (`#/$defs/`).
pub fn tag_variants(defs: &mut Map<String, Value>, prefix: &str) {
    let mut tags: Vec<(String, String)> = Vec::new();
    if let Some(Value::Array(variants)) = defs.get_mut("Block").and_then(|b| b.get_mut("oneOf")) {
        for variant in variants.iter_mut() {
            let parts = variant
                .get("allOf")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let target = parts
                .iter()
                .find_map(|p| p.get("$ref").and_then(Value::as_str));
            let tag = parts
                .iter()
                .find_map(|p| p.pointer("/properties/type/enum/0").and_then(Value::as_str));
            if let (Some(target), Some(tag)) = (target, tag) {
                let name = target.rsplit('/').next().unwrap_or_default().to_owned();
                *variant = json!({"$ref": format!("{prefix}{name}")});
                tags.push((name, tag.to_owned()));
            }
        }
    }
    if let Some(block) = defs.get_mut("Block").and_then(Value::as_object_mut) {
        let mapping: Map<String, Value> = tags
            .iter()
            .map(|(name, tag)| (tag.clone(), Value::String(format!("{prefix}{name}"))))
            .collect();
        block.insert(
            "discriminator".into(),
            json!({"propertyName": "type", "mapping": mapping}),
        );
    }
    for (name, tag) in &tags {
        let Some(object) = defs.get_mut(name).and_then(Value::as_object_mut) else {
            continue;
        };
        object.insert("type".into(), json!("object"));
        let properties = object.entry("properties").or_insert_with(|| json!({}));
        if let Some(properties) = properties.as_object_mut() {
            properties.insert("type".into(), json!({"type": "string", "enum": [tag]}));
        }
        let required = object.entry("required").or_insert_with(|| json!([]));
        if let Some(required) = required.as_array_mut() {
            required.insert(0, json!("type"));
        }
    }
    for name in BLOCK_SCHEMAS {
        if let Some(object) = defs.get_mut(*name).and_then(Value::as_object_mut)
            && object.get("type") == Some(&json!("object"))
        {
            object.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
}

/// The object schemas of the block document: each allows only the fields it names. With
/// `Block`, what [`tag_variants`] changes.
pub const BLOCK_SCHEMAS: &[&str] = &[
    "ParagraphBlock",
    "HeadingBlock",
    "ListBlock",
    "ListItem",
    "QuoteBlock",
    "PullQuoteBlock",
    "ImageBlock",
    "EmbedBlock",
    "TableBlock",
    "TableRow",
    "TableCell",
    "FactBoxBlock",
    "RelatedArticleBlock",
    "DividerBlock",
    "CodeBlock",
    "HtmlBlock",
    "Span",
];

/// The version the document holds: the one this code writes.
fn pin_version(defs: &mut Map<String, Value>) {
    if let Some(version) = defs
        .get_mut("BodyDocument")
        .and_then(|d| d.pointer_mut("/properties/version"))
    {
        *version = json!({"const": VERSION, "description": "The document format's version."});
    }
}

/// The schema, as a JSON Schema 2020-12 document.
pub fn json_schema() -> Value {
    let mut parts = Vec::new();
    BodyDocument::schemas(&mut parts);
    let mut defs = Map::new();
    defs.insert(
        BodyDocument::name().into_owned(),
        serde_json::to_value(BodyDocument::schema()).unwrap_or_default(),
    );
    for (name, schema) in parts {
        defs.insert(name, serde_json::to_value(schema).unwrap_or_default());
    }
    pin_version(&mut defs);
    let mut doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:byline:body-blocks:{VERSION}"),
        "title": format!("Byline article body, block document version {VERSION}"),
        "description": "An article body as typed blocks (GET /v1/articles/{slug}?fields=body_blocks, GraphQL bodyBlocks; sent as body_blocks when writing). Read-only fields are filled in by Byline and ignored when sent.",
        "$ref": "#/$defs/BodyDocument",
        "$defs": Value::Object(defs),
    });
    rebase(&mut doc);
    if let Some(defs) = doc.get_mut("$defs").and_then(Value::as_object_mut) {
        tag_variants(defs, "#/$defs/");
    }
    doc
}

/// The schema as the committed file holds it.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
