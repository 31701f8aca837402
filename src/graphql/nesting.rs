//! A bound on how deeply a GraphQL request nests, checked before anything recursive (the
//! parser, validation, value conversion) touches it. async-graphql's parser bounds selection
//! sets but not input values, so an object or list literal ~1 500 levels deep overflowed a
//! worker's stack and aborted the process. The text is scanned once, without recursion.

use async_graphql::{Value as ConstValue, Variables};

/// Deepest nesting of `{`, `[` and `(` a query document may have. The standard introspection
/// queries (graphql-js, graphql-core) nest about 15 deep; Byline's own inputs far less.
pub const MAX_NESTING: usize = 64;

/// Deepest nesting of lists and objects in the variables (and in the extensions).
pub const MAX_VARIABLE_NESTING: usize = 32;

/// Why a request was refused: a message for the caller.
pub type Refusal = String;

/// Checks the nesting of a query document's brackets, skipping strings, block strings and
/// comments, in one pass and constant memory.
pub fn check_document(query: &str) -> Result<(), Refusal> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "the query nests deeper than {MAX_NESTING} levels of braces, brackets and parentheses"
                    ));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Checks that no variable nests lists or objects deeper than [`MAX_VARIABLE_NESTING`].
pub fn check_variables(variables: &Variables) -> Result<(), Refusal> {
    let mut pending: Vec<(&ConstValue, usize)> = variables.values().map(|v| (v, 1)).collect();
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &ConstValue>> = match value {
            ConstValue::List(items) => Box::new(items.iter()),
            ConstValue::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        if depth > MAX_VARIABLE_NESTING {
            return Err(format!(
                "the variables nest deeper than {MAX_VARIABLE_NESTING} levels of lists and objects"
            ));
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// Both checks for one request.
pub fn check_request(request: &async_graphql::Request) -> Result<(), Refusal> {
    check_document(&request.query)?;
    check_variables(&request.variables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_queries_pass() {
        let query =
            r#"{ articles(first: 3, filter: {tags: ["a", "b"]}) { edges { node { title } } } }"#;
        assert!(check_document(query).is_ok());
    }

    #[test]
    fn deep_values_in_any_position_are_refused() {
        let deep_list = "[".repeat(1_500) + &"]".repeat(1_500);
        let deep_object = "{a:".repeat(1_500) + "1" + &"}".repeat(1_500);
        for query in [
            format!("{{ articles(first: {deep_list}) {{ totalCount }} }}"),
            format!("{{ __typename @include(if: {deep_object}) }}"),
            format!("query($v: Int = {deep_list}) {{ __typename }}"),
            format!("{{ articles(nope: {deep_object}) {{ totalCount }} }}"),
            // Unbalanced: closing brackets never come.
            "[".repeat(10_000),
        ] {
            assert!(check_document(&query).is_err(), "{}", &query[..40]);
        }
    }

    #[test]
    fn brackets_inside_strings_and_comments_do_not_count() {
        let many = "[".repeat(500);
        let query =
            format!("{{ a(x: \"{many}\", y: \"\"\"{many} \\\"\"\" {many}\"\"\") # {many}\n }}");
        assert!(check_document(&query).is_ok());
    }

    #[test]
    fn deep_variables_are_refused() {
        let mut value = serde_json::json!(1);
        for _ in 0..40 {
            value = serde_json::json!([value]);
        }
        let variables = Variables::from_json(serde_json::json!({ "v": value }));
        assert!(check_variables(&variables).is_err());
        let shallow = Variables::from_json(serde_json::json!({ "v": {"a": [1, 2, {"b": 3}]} }));
        assert!(check_variables(&shallow).is_ok());
    }
}
