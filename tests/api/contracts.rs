//! Generated contracts: the committed `openapi.yaml` and `schema/schema.graphql` are what the
//! code produces (the OpenAPI operations come from the route table itself, so every served
//! route is documented by construction), and an independent validator accepts the document.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Set `BYLINE_UPDATE_CONTRACTS=1` to rewrite the committed file instead of failing.
fn check_committed(relative: &str, generated: &str) {
    let path = Path::new(ROOT).join(relative);
    if std::env::var("BYLINE_UPDATE_CONTRACTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, generated).expect("write contract");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{relative} differs from what the code generates; run `BYLINE_UPDATE_CONTRACTS=1 cargo test --test api contracts` and commit it"
    );
}

#[test]
fn openapi_yaml_is_what_the_code_generates() {
    check_committed("openapi.yaml", &byline::http::openapi::openapi_yaml_text());
}

/// Names of the types in `src/` that derive `ToSchema`. The document names each schema by
/// its type's name, and the route table merges them by name, so two types with one name
/// would silently become one schema (a request body documented as a response, say).
fn schema_type_names() -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![Path::new(ROOT).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            let mut deriving = false;
            for line in source.lines().map(str::trim) {
                if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    deriving = true;
                } else if deriving && !line.starts_with("#[") && !line.starts_with("///") {
                    let mut words = line.split_whitespace().skip_while(|w| *w == "pub");
                    if let (Some("struct" | "enum"), Some(name)) = (words.next(), words.next()) {
                        let name = name.split(['<', '{', '(', ';']).next().unwrap_or(name);
                        names.push(name.to_owned());
                    }
                    deriving = false;
                }
            }
        }
    }
    names
}

#[test]
fn no_two_schema_types_share_a_name() {
    let mut names = schema_type_names();
    assert!(names.len() >= 40, "found the schema types: {names:?}");
    names.sort();
    let repeated: Vec<_> = names.windows(2).filter(|w| w[0] == w[1]).collect();
    assert!(repeated.is_empty(), "schema names used twice: {repeated:?}");
}

#[test]
fn schema_graphql_is_what_the_code_generates() {
    check_committed("schema/schema.graphql", &byline::graphql::sdl());
}

/// A validator that is not utoipa: `openapi-spec-validator` (PyPI). `.ci/run` installs it and
/// sets `BYLINE_REQUIRE_TOOLS=1`, so it fails there when missing; elsewhere it skips with a note.
#[test]
fn openapi_yaml_passes_an_independent_validator() {
    let tool = std::env::var("BYLINE_OPENAPI_VALIDATOR")
        .unwrap_or_else(|_| "openapi-spec-validator".to_owned());
    let path = Path::new(ROOT).join("openapi.yaml");
    match std::process::Command::new(&tool).arg(&path).output() {
        Ok(out) => assert!(
            out.status.success(),
            "{tool} refuses openapi.yaml:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if std::env::var("BYLINE_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => {
            panic!("{tool} cannot run ({e}); CI installs it into its venv (see .ci/run)")
        }
        Err(e) => {
            eprintln!("skipped: {tool} cannot run ({e}); `pip install openapi-spec-validator`")
        }
    }
}

#[test]
fn body_blocks_schema_is_what_the_code_generates() {
    check_committed(
        "schema/body-blocks.schema.json",
        &byline::domain::blocks::schema::json_schema_text(),
    );
}
