//! A client sees exactly the schema `schema/schema.graphql` documents: the answer to the full
//! introspection query (graphql-js 16 with every option) is rebuilt into a schema, as GraphiQL,
//! Apollo, graphql-codegen and graphql-core's `build_client_schema` do, and compared with the
//! committed SDL parsed by async-graphql's parser.
//!
//! Both sides are written out as one canonical line per fact (a type and its kind, interfaces,
//! members, each field with its arguments, types, defaults, deprecation and description, enum
//! values, input fields, `@oneOf`, `@specifiedBy`, directives and their locations, the root
//! types). What is normalized, and why:
//! - types are sorted by name (the SDL printer sorts them; introspection lists them in registry
//!   order); fields, arguments, enum values and input fields keep their order on both sides;
//! - descriptions are compared with surrounding white space trimmed, as a block string's
//!   indentation is not part of its value;
//! - default values are parsed on both sides and printed again, so `[]` and `[ ]` agree;
//! - the spec's built-in scalars (`String`, `Int`, `Float`, `Boolean`, `ID`) and the
//!   introspection types (`__*`) are left out of the introspection side: SDL printers omit
//!   them, and every client knows them;
//! - a built-in directive of the spec (`@include`, `@skip`, `@deprecated`, `@specifiedBy`,
//!   `@oneOf`) that the server lists but the file does not print is left out; any other
//!   directive must be on both sides;
//! - `__schema { description }`: async-graphql 7 answers every schema with the same sentence
//!   (the description of the `__Schema` type, not of this schema), and SDL has no place to
//!   print it; the test asserts that sentence exactly and leaves it out, so a change in
//!   async-graphql shows here.

use async_graphql::parser::{
    parse_query, parse_schema,
    types::{
        ConstDirective, DirectiveLocation, InputValueDefinition, Selection, TypeKind,
        TypeSystemDefinition,
    },
};
use async_graphql::{Name, Value as ConstValue};
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

const FULL_INTROSPECTION: &str =
    include_str!("queries/introspection-graphql-js-16-all-options.graphql");
const SDL: &str = include_str!("../../schema/schema.graphql");

/// What async-graphql 7 answers for `__schema { description }`, whatever the schema.
const ASYNC_GRAPHQL_SCHEMA_DESCRIPTION: &str = "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and directives on the server, as well as the entry points for query, mutation, and subscription operations.";

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];
const BUILT_IN_DIRECTIVES: [&str; 5] = ["include", "skip", "deprecated", "specifiedBy", "oneOf"];

/// A description as a line of its own, when there is one.
fn description(out: &mut Vec<String>, at: &str, text: Option<&str>) {
    if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        out.push(format!("{at} description {text:?}"));
    }
}

/// A default value, parsed and printed again.
fn default_from_introspection(text: &str) -> String {
    let document = parse_query(format!("{{ f(a: {text}) }}"))
        .unwrap_or_else(|e| panic!("default value {text:?} does not parse: {e}"));
    let (_, operation) = document.operations.iter().next().expect("one operation");
    let Selection::Field(field) = &operation.node.selection_set.node.items[0].node else {
        unreachable!("a field")
    };
    let value = field.node.arguments[0].1.node.clone();
    value
        .into_const()
        .expect("a default value has no variables")
        .to_string()
}

/// `NON_NULL` and `LIST` wrappers printed as SDL (`[String!]!`).
fn type_ref(value: &Value) -> String {
    match value["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&value["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&value["ofType"])),
        _ => value["name"]
            .as_str()
            .unwrap_or_else(|| panic!("a named type: {value}"))
            .to_owned(),
    }
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` in {value}"))
}

fn deprecation(out: &mut Vec<String>, at: &str, value: &Value) {
    if value["isDeprecated"] == json!(true) {
        out.push(format!(
            "{at} deprecated {:?}",
            value["deprecationReason"].as_str().unwrap_or_default()
        ));
    }
}

fn input_values_from_introspection(out: &mut Vec<String>, at: &str, values: &Value) {
    for value in array(values) {
        let at = format!("{at}({})", str_of(value, "name"));
        let default = value["defaultValue"]
            .as_str()
            .map(|d| format!(" = {}", default_from_introspection(d)))
            .unwrap_or_default();
        out.push(format!("{at}: {}{default}", type_ref(&value["type"])));
        deprecation(out, &at, value);
        description(out, &at, value["description"].as_str());
    }
}

/// The canonical lines of an introspection answer's `__schema`.
fn from_introspection(schema: &Value) -> Vec<String> {
    let mut types: Vec<&Value> = array(&schema["types"])
        .iter()
        .filter(|t| {
            let name = str_of(t, "name");
            !name.starts_with("__") && !BUILT_IN_SCALARS.contains(&name)
        })
        .collect();
    types.sort_by_key(|t| str_of(t, "name"));
    let mut out = Vec::new();
    for root in ["queryType", "mutationType", "subscriptionType"] {
        if let Some(name) = schema[root]["name"].as_str() {
            out.push(format!("schema {root} {name}"));
        }
    }
    let schema_description = schema["description"].as_str();
    if schema_description != Some(ASYNC_GRAPHQL_SCHEMA_DESCRIPTION) {
        description(&mut out, "schema", schema_description);
    }
    for ty in types {
        let name = str_of(ty, "name");
        out.push(format!("{} {name}", str_of(ty, "kind")));
        description(&mut out, name, ty["description"].as_str());
        if let Some(url) = ty["specifiedByURL"].as_str() {
            out.push(format!("{name} specifiedBy {url:?}"));
        }
        if ty["isOneOf"] == json!(true) {
            out.push(format!("{name} oneOf"));
        }
        for interface in array(&ty["interfaces"]) {
            out.push(format!("{name} implements {}", type_ref(interface)));
        }
        if ty["kind"] == "UNION" {
            for member in array(&ty["possibleTypes"]) {
                out.push(format!("{name} member {}", type_ref(member)));
            }
        }
        for field in array(&ty["fields"]) {
            let at = format!("{name}.{}", str_of(field, "name"));
            out.push(format!("{at}: {}", type_ref(&field["type"])));
            deprecation(&mut out, &at, field);
            description(&mut out, &at, field["description"].as_str());
            input_values_from_introspection(&mut out, &at, &field["args"]);
        }
        input_values_from_introspection(&mut out, name, &ty["inputFields"]);
        for value in array(&ty["enumValues"]) {
            let at = format!("{name}::{}", str_of(value, "name"));
            out.push(at.clone());
            deprecation(&mut out, &at, value);
            description(&mut out, &at, value["description"].as_str());
        }
    }
    out
}

/// `FRAGMENT_SPREAD` from the parser's `FragmentSpread`.
fn location_name(location: DirectiveLocation) -> String {
    let mut name = String::new();
    for (i, c) in format!("{location:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

fn directive<'a>(
    directives: &'a [async_graphql::Positioned<ConstDirective>],
    name: &str,
) -> Option<&'a ConstDirective> {
    directives
        .iter()
        .map(|d| &d.node)
        .find(|d| d.name.node == name)
}

fn sdl_deprecation(
    out: &mut Vec<String>,
    at: &str,
    directives: &[async_graphql::Positioned<ConstDirective>],
) {
    if let Some(deprecated) = directive(directives, "deprecated") {
        // The spec's default reason, which introspection reports.
        let reason = match deprecated.get_argument("reason").map(|r| &r.node) {
            Some(ConstValue::String(reason)) => reason.clone(),
            _ => "No longer supported".to_owned(),
        };
        out.push(format!("{at} deprecated {reason:?}"));
    }
}

fn input_values_from_sdl(
    out: &mut Vec<String>,
    at: &str,
    values: &[async_graphql::Positioned<InputValueDefinition>],
) {
    for value in values.iter().map(|v| &v.node) {
        let at = format!("{at}({})", value.name.node);
        let default = value
            .default_value
            .as_ref()
            .map(|d| format!(" = {}", d.node))
            .unwrap_or_default();
        out.push(format!("{at}: {}{default}", value.ty.node));
        sdl_deprecation(out, &at, &value.directives);
        description(
            out,
            &at,
            value.description.as_ref().map(|d| d.node.as_str()),
        );
    }
}

/// The canonical lines of the committed SDL, and the directives it defines.
fn from_sdl(sdl: &str) -> (Vec<String>, Vec<String>) {
    let document = parse_schema(sdl).expect("schema/schema.graphql parses");
    let mut roots = Vec::new();
    let mut types = Vec::new();
    let mut directives = Vec::new();
    for definition in document.definitions {
        match definition {
            TypeSystemDefinition::Schema(schema) => {
                let schema = schema.node;
                for (root, name) in [
                    ("queryType", schema.query),
                    ("mutationType", schema.mutation),
                    ("subscriptionType", schema.subscription),
                ] {
                    if let Some(name) = name {
                        roots.push(format!("schema {root} {}", name.node));
                    }
                }
            }
            TypeSystemDefinition::Type(ty) => types.push(ty.node),
            TypeSystemDefinition::Directive(d) => directives.push(d.node),
        }
    }
    types.sort_by(|a, b| a.name.node.cmp(&b.name.node));
    let mut out = roots;
    for ty in types {
        let name = ty.name.node.as_str();
        let kind = match &ty.kind {
            TypeKind::Scalar => "SCALAR",
            TypeKind::Object(_) => "OBJECT",
            TypeKind::Interface(_) => "INTERFACE",
            TypeKind::Union(_) => "UNION",
            TypeKind::Enum(_) => "ENUM",
            TypeKind::InputObject(_) => "INPUT_OBJECT",
        };
        out.push(format!("{kind} {name}"));
        description(
            &mut out,
            name,
            ty.description.as_ref().map(|d| d.node.as_str()),
        );
        if let Some(specified) = directive(&ty.directives, "specifiedBy") {
            let url = match specified.get_argument("url").map(|u| &u.node) {
                Some(ConstValue::String(url)) => url.clone(),
                other => panic!("@specifiedBy on {name} without a url: {other:?}"),
            };
            out.push(format!("{name} specifiedBy {url:?}"));
        }
        if directive(&ty.directives, "oneOf").is_some() {
            out.push(format!("{name} oneOf"));
        }
        let fields = match &ty.kind {
            TypeKind::Object(object) => {
                for interface in &object.implements {
                    out.push(format!("{name} implements {}", interface.node));
                }
                object.fields.as_slice()
            }
            TypeKind::Interface(interface) => {
                for parent in &interface.implements {
                    out.push(format!("{name} implements {}", parent.node));
                }
                interface.fields.as_slice()
            }
            TypeKind::Union(union) => {
                for member in &union.members {
                    out.push(format!("{name} member {}", member.node));
                }
                &[]
            }
            _ => &[],
        };
        for field in fields.iter().map(|f| &f.node) {
            let at = format!("{name}.{}", field.name.node);
            out.push(format!("{at}: {}", field.ty.node));
            sdl_deprecation(&mut out, &at, &field.directives);
            description(
                &mut out,
                &at,
                field.description.as_ref().map(|d| d.node.as_str()),
            );
            input_values_from_sdl(&mut out, &at, &field.arguments);
        }
        match &ty.kind {
            TypeKind::InputObject(input) => input_values_from_sdl(&mut out, name, &input.fields),
            TypeKind::Enum(values) => {
                for value in values.values.iter().map(|v| &v.node) {
                    let at = format!("{name}::{}", value.value.node);
                    out.push(at.clone());
                    sdl_deprecation(&mut out, &at, &value.directives);
                    description(
                        &mut out,
                        &at,
                        value.description.as_ref().map(|d| d.node.as_str()),
                    );
                }
            }
            _ => {}
        }
    }
    let directives = directives
        .iter()
        .flat_map(|d| directive_lines(d.name.node.as_str(), d))
        .collect();
    (out, directives)
}

fn directive_lines(
    name: &str,
    d: &async_graphql::parser::types::DirectiveDefinition,
) -> Vec<String> {
    let mut out = Vec::new();
    let at = format!("@{name}");
    let locations: Vec<String> = d.locations.iter().map(|l| location_name(l.node)).collect();
    out.push(format!(
        "{at} on {}{}",
        locations.join(" | "),
        // Not `d.is_repeatable`: async-graphql-parser 7.2 sets it on every definition.
        if sdl_repeatable(name) {
            " repeatable"
        } else {
            ""
        }
    ));
    description(
        &mut out,
        &at,
        d.description.as_ref().map(|d| d.node.as_str()),
    );
    input_values_from_sdl(&mut out, &at, &d.arguments);
    out
}

/// Whether the SDL declares `directive @name … repeatable on …`, read from the text:
/// async-graphql-parser 7.2 reports every directive definition as repeatable.
fn sdl_repeatable(name: &str) -> bool {
    let start = format!("directive @{name}");
    let line = SDL
        .lines()
        .find(|l| l.starts_with(&start) && l[start.len()..].starts_with(['(', ' ']))
        .unwrap_or_else(|| panic!("{start} in schema/schema.graphql"));
    let before_on = line.split(" on ").next().unwrap_or_default();
    before_on.split([' ', ')']).any(|word| word == "repeatable")
}

/// The directives an introspection answer lists, keeping those the SDL prints and any that
/// are not the spec's built-ins.
fn directives_from_introspection(schema: &Value, printed: &[Name]) -> Vec<String> {
    let mut out = Vec::new();
    for d in array(&schema["directives"]) {
        let name = str_of(d, "name");
        if BUILT_IN_DIRECTIVES.contains(&name) && !printed.iter().any(|p| p == name) {
            continue;
        }
        let at = format!("@{name}");
        let locations: Vec<&str> = array(&d["locations"])
            .iter()
            .map(|l| l.as_str().expect("a location"))
            .collect();
        out.push(format!(
            "{at} on {}{}",
            locations.join(" | "),
            if d["isRepeatable"] == json!(true) {
                " repeatable"
            } else {
                ""
            }
        ));
        description(&mut out, &at, d["description"].as_str());
        input_values_from_introspection(&mut out, &at, &d["args"]);
        if BUILT_IN_DIRECTIVES.contains(&name) {
            // async-graphql's SDL printer leaves out the descriptions of directive arguments;
            // the spec's own directives are compared without them.
            out.retain(|line| {
                !(line.starts_with(&format!("{at}(")) && line.contains(" description "))
            });
        }
    }
    out
}

/// The lines only one side has, for the failure message.
fn difference(served: &[String], documented: &[String]) -> String {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|l| !b.contains(l)).cloned().collect()
    };
    format!(
        "served but not in schema/schema.graphql:\n  {}\nin schema/schema.graphql but not served:\n  {}",
        only(served, documented).join("\n  "),
        only(documented, served).join("\n  ")
    )
}

#[actix_web::test]
async fn graphql_a_client_schema_built_from_introspection_is_schema_graphql() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let response: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": FULL_INTROSPECTION, "operationName": "IntrospectionQuery" }))
        .send()
        .await
        .expect("POST /graphql")
        .json()
        .await
        .expect("JSON");
    assert!(response.get("errors").is_none(), "{response}");
    let schema = &response["data"]["__schema"];
    assert_eq!(
        schema["description"], ASYNC_GRAPHQL_SCHEMA_DESCRIPTION,
        "async-graphql's schema description changed: print it in the SDL or compare it"
    );

    let (documented, documented_directives) = from_sdl(SDL);
    let served = from_introspection(schema);
    assert!(
        served.len() > 500,
        "the comparison covers the schema: {} lines",
        served.len()
    );
    assert!(served == documented, "{}", difference(&served, &documented));

    // The comparison sees a one-character change in the file.
    let (changed, _) = from_sdl(&SDL.replacen("slug: String!", "slug: String", 1));
    assert!(changed != served, "a changed field type went unnoticed");

    let printed: Vec<Name> = parse_schema(SDL)
        .expect("parses")
        .definitions
        .into_iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Directive(d) => Some(d.node.name.node),
            _ => None,
        })
        .collect();
    let served_directives = directives_from_introspection(schema, &printed);
    let mut sorted_served = served_directives.clone();
    let mut sorted_documented = documented_directives.clone();
    sorted_served.sort();
    sorted_documented.sort();
    assert!(
        sorted_served == sorted_documented,
        "{}",
        difference(&served_directives, &documented_directives)
    );
}
