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

/// What OpenAPI leaves open, closed: each block allows only its own fields and its `type`
/// (`unevaluatedProperties` sees through the `allOf` that joins them), every other object
/// only its own, and the version is the one this code writes.
fn close_blocks(defs: &mut Map<String, Value>) {
    for (name, schema) in defs.iter_mut() {
        let Some(object) = schema.as_object_mut() else {
            continue;
        };
        if name == "Block" {
            if let Some(Value::Array(variants)) = object.get_mut("oneOf") {
                for variant in variants.iter_mut().filter_map(Value::as_object_mut) {
                    variant.insert("unevaluatedProperties".into(), Value::Bool(false));
                }
            }
        } else if !name.ends_with("Block") && object.get("type") == Some(&json!("object")) {
            object.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
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
    close_blocks(&mut defs);
    let mut doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:byline:body-blocks:{VERSION}"),
        "title": format!("Byline article body, block document version {VERSION}"),
        "description": "An article body as typed blocks (GET /v1/articles/{slug}?fields=body_blocks, GraphQL bodyBlocks; sent as body_blocks when writing). Read-only fields are filled in by Byline and ignored when sent.",
        "$ref": "#/$defs/BodyDocument",
        "$defs": Value::Object(defs),
    });
    rebase(&mut doc);
    doc
}

/// The schema as the committed file holds it.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
