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
