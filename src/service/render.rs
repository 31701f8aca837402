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

pub fn render_body(format: BodyFormat, source: &str) -> RenderedBody {
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
    let html = ammonia::clean(&raw_html);
    let text = plain_text(&html);
    let word_count = text.split_whitespace().count();
    RenderedBody {
        html,
        text,
        word_count,
        reading_time_minutes: reading_time_minutes(word_count),
    }
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
        );
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
        );
        assert!(!body.html.contains("onclick"));
        assert!(!body.html.contains("javascript:"));
        assert_eq!(body.text, "Hi there");
    }
}
