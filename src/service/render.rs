//! Article bodies: Markdown or HTML in, sanitized HTML and plain text out, at write time.

use crate::domain::article::{BodyFormat, reading_time_minutes};

/// What a body becomes when an article is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedBody {
    pub html: String,
    pub text: String,
    pub word_count: usize,
    pub reading_time_minutes: usize,
}

/// ammonia's defaults, and the `asset:` references of library images (`<img src="asset:ID">`,
/// written out as renditions at read time); the scheme is kept nowhere else.
static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_url_schemes(&["asset"])
        .attribute_filter(|element, attribute, value| {
            let scheme = crate::domain::body_images::SCHEME;
            match value.get(..scheme.len()) {
                Some(prefix) if prefix.eq_ignore_ascii_case(scheme) => {
                    let library_image = element == "img" && attribute == "src";
                    let id = crate::domain::parse_id(&value[scheme.len()..]).ok();
                    match (library_image, id) {
                        (true, Some(id)) => Some(format!("{scheme}{id}").into()),
                        _ => None,
                    }
                }
                _ => Some(value.into()),
            }
        });
    builder
});

/// Deepest nesting of HTML elements a body may have. The sanitizer's HTML parser takes time
/// quadratic in the depth (8 000 nested lists: ~2 s of CPU), and no article needs more.
pub const MAX_BODY_NESTING: usize = 100;

/// Renders a body, or says why it cannot be (it nests too deeply).
pub fn render_body(format: BodyFormat, source: &str) -> Result<RenderedBody, String> {
    let raw_html = match format {
        BodyFormat::Markdown => {
            let parser =
                pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::ENABLE_TABLES);
            let mut html = String::with_capacity(source.len() * 5 / 4);
            pulldown_cmark::html::push_html(&mut html, parser);
            html
        }
        BodyFormat::Html => source.to_owned(),
    };
    if nesting_depth(&raw_html) > MAX_BODY_NESTING {
        return Err(format!(
            "nests elements (lists, quotes, tags) deeper than {MAX_BODY_NESTING} levels"
        ));
    }
    let html = SANITIZER.clean(&raw_html).to_string();
    let text = plain_text(&html);
    let word_count = text.split_whitespace().count();
    Ok(RenderedBody {
        html,
        text,
        word_count,
        reading_time_minutes: reading_time_minutes(word_count),
    })
}

/// Elements that never hold others, or whose end tag the parser implies when a sibling
/// starts (`<p>a<p>b` is two paragraphs, not one inside the other): they add no depth.
const FLAT_ELEMENTS: [&str; 26] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody",
    "tfoot", "colgroup",
];

/// How deeply the elements of an HTML text nest, read in one linear pass over its tags
/// (an upper bound of what the HTML parser will build; comments are skipped).
fn nesting_depth(html: &str) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .unwrap_or(rest.len() - name_start);
        let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let self_closing = rest[..tag_end].ends_with('/');
        rest = &rest[tag_end.min(rest.len())..];
        if name.is_empty() || FLAT_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Plain text of sanitized HTML: one paragraph a line, entities decoded.
fn plain_text(html: &str) -> String {
    const BLOCK_ENDS: [&str; 12] = [
        "</p>",
        "</h1>",
        "</h2>",
        "</h3>",
        "</h4>",
        "</h5>",
        "</h6>",
        "</li>",
        "</blockquote>",
        "</tr>",
        "<br>",
        "</pre>",
    ];
    let mut spaced = html.to_owned();
    for end in BLOCK_ENDS {
        spaced = spaced.replace(end, &format!("{end}\n"));
    }
    let stripped = ammonia::Builder::empty().clean(&spaced).to_string();
    let decoded = html_escape::decode_html_entities(&stripped);
    decoded
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_sanitized() {
        let body = render_body(
            BodyFormat::Markdown,
            "Ministers met in *Brussels*.\n\n<script>alert(1)</script>\n\n> Q & A",
        )
        .expect("renders");
        assert!(body.html.contains("<em>Brussels</em>"));
        assert!(!body.html.contains("<script"));
        assert_eq!(body.text, "Ministers met in Brussels.\nQ & A");
        assert_eq!(body.word_count, 7);
        assert_eq!(body.reading_time_minutes, 1);
    }

    #[test]
    fn html_loses_dangerous_attributes() {
        let body = render_body(
            BodyFormat::Html,
            r#"<p onclick="x()">Hi <a href="javascript:x()">there</a></p>"#,
        )
        .expect("renders");
        assert!(!body.html.contains("onclick"));
        assert!(!body.html.contains("javascript:"));
        assert_eq!(body.text, "Hi there");
    }
}

#[cfg(test)]
mod nesting {
    use super::*;

    /// Runs `render_body` on a thread with the blocking pool's stack (2 MiB), as the server
    /// does, so unbounded recursion shows up as a failed test, not a crashed server.
    fn renders_on_a_small_stack(
        format: BodyFormat,
        source: String,
    ) -> Result<RenderedBody, String> {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || render_body(format, &source))
            .expect("thread")
            .join()
            .expect("render_body must not overflow the stack")
    }

    #[test]
    fn deeply_nested_bodies_render_without_overflowing() {
        let depth = 100_000;
        let refused = [
            (BodyFormat::Html, "<div>".repeat(depth)),
            (BodyFormat::Html, "<b><i>".repeat(depth / 2)),
            (BodyFormat::Html, "<table><tr><td>".repeat(depth / 3)),
            (BodyFormat::Markdown, ">".repeat(depth) + " deep"),
            (BodyFormat::Markdown, "- ".repeat(depth) + "deep"),
            (BodyFormat::Markdown, "<div>".repeat(depth)),
        ];
        for (format, source) in refused {
            let result = renders_on_a_small_stack(format, source.clone());
            assert!(result.is_err(), "{}…", &source[..20]);
        }
        // Deep in the source, flat in the HTML: rendered or refused, never a crash.
        for source in [
            "[".repeat(depth) + "x" + &"](y)".repeat(depth),
            "*".repeat(depth) + "x" + &"*".repeat(depth),
            "`".repeat(depth) + "x",
        ] {
            let _ = renders_on_a_small_stack(BodyFormat::Markdown, source);
        }
        // Sloppy but flat HTML and ordinary nesting are fine.
        let flat = "<p>a<p>b<li>c<br><img src=x>".repeat(10_000);
        assert!(renders_on_a_small_stack(BodyFormat::Html, flat).is_ok());
        let nested = "> - quote with a list\n>   - and a sublist\n".to_owned();
        assert!(renders_on_a_small_stack(BodyFormat::Markdown, nested).is_ok());
    }
}
