//! Article bodies: Markdown, HTML or a block document in; sanitized HTML, the block document
//! read back from it, and plain text out, at write time (`domain::blocks` says why the three
//! always agree).

use crate::{
    domain::{
        article::{BodyFormat, reading_time_minutes},
        blocks,
    },
    error::FieldError,
};

/// What a body becomes when an article is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedBody {
    pub html: String,
    /// The block document (`domain::blocks::BodyDocument`) as JSON.
    pub blocks: String,
    pub text: String,
    pub word_count: usize,
    pub reading_time_minutes: usize,
}

/// Deepest nesting of HTML elements a body may have. The sanitizer's HTML parser takes time
/// quadratic in the depth (8 000 nested lists: ~2 s of CPU), and no article needs more.
pub const MAX_BODY_NESTING: usize = 100;

/// Markdown as HTML, a paragraph that is only the address of a known provider's post, video
/// or chart becoming that provider's embed (as editors know it from WordPress and Ghost).
fn markdown_html(source: &str) -> String {
    use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
    // Adjacent text merged, so an address with `_` or `*` in it is one event.
    let events: Vec<Event<'_>> = pulldown_cmark::TextMergeStream::new(
        pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::ENABLE_TABLES),
    )
    .collect();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        let lone_url = match &events[i..] {
            [
                Event::Start(Tag::Paragraph),
                Event::Text(url),
                Event::End(TagEnd::Paragraph),
                ..,
            ] => Some((url.to_string(), 3)),
            [
                Event::Start(Tag::Paragraph),
                Event::Start(Tag::Link {
                    link_type: LinkType::Autolink,
                    dest_url,
                    ..
                }),
                Event::Text(_),
                Event::End(TagEnd::Link),
                Event::End(TagEnd::Paragraph),
                ..,
            ] => Some((dest_url.to_string(), 5)),
            _ => None,
        };
        match lone_url.and_then(|(url, len)| Some((crate::domain::embeds::recognize(&url)?, len))) {
            Some((embed, len)) => {
                out.push(Event::Html(format!("{}\n", embed.html()).into()));
                i += len;
            }
            None => {
                out.push(events[i].clone());
                i += 1;
            }
        }
    }
    let mut html = String::with_capacity(source.len() * 5 / 4);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    html
}

/// Where a sent block document's errors point: into the request's `body_blocks`.
pub const BLOCKS_FIELD: &str = "/body_blocks";

fn body_errors(messages: Vec<String>, field: &str) -> Vec<FieldError> {
    messages
        .into_iter()
        .map(|message| FieldError {
            field: field.to_owned(),
            message,
        })
        .collect()
}

/// The HTML a block document (as JSON text) is written as, or every error it has.
fn blocks_html(source: &str) -> Result<String, Vec<FieldError>> {
    let value: serde_json::Value = serde_json::from_str(source).map_err(|e| {
        body_errors(
            vec![format!("is not a JSON block document: {e}")],
            BLOCKS_FIELD,
        )
    })?;
    let doc = blocks::input::read(&value).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| FieldError {
                field: format!("{BLOCKS_FIELD}{}", e.pointer),
                message: e.message,
            })
            .collect::<Vec<_>>()
    })?;
    Ok(blocks::render::to_html(&doc))
}

/// Renders a body, or says why it cannot be: it nests too deeply, the sanitizer would remove
/// something from it (each removal is one message), or, for a block document, each place
/// where it is not one.
pub fn render_body(format: BodyFormat, source: &str) -> Result<RenderedBody, Vec<FieldError>> {
    let field = match format {
        BodyFormat::Blocks => BLOCKS_FIELD,
        BodyFormat::Markdown | BodyFormat::Html => "body",
    };
    let raw_html = match format {
        BodyFormat::Markdown => markdown_html(source),
        BodyFormat::Html => source.to_owned(),
        BodyFormat::Blocks => blocks_html(source)?,
    };
    if nesting_depth(&raw_html) > MAX_BODY_NESTING {
        return Err(body_errors(
            vec![format!(
                "nests elements (lists, quotes, tags) deeper than {MAX_BODY_NESTING} levels"
            )],
            field,
        ));
    }
    let html = super::sanitize::SANITIZER.clean(&raw_html).to_string();
    let removed = super::sanitize::removals(&raw_html, &html);
    if !removed.is_empty() {
        return Err(body_errors(removed, field));
    }
    let doc = blocks::parse::from_html(&html);
    let placeholders = blocks::resolve::related_ids(&html).len();
    if doc.related_ids().len() != placeholders {
        return Err(body_errors(
            vec!["a related article's <aside> holds nothing but its data-article-id".into()],
            field,
        ));
    }
    let text = plain_text(&html);
    let word_count = text.split_whitespace().count();
    Ok(RenderedBody {
        blocks: serde_json::to_string(&doc).unwrap_or_default(),
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
    fn markdown_is_rendered() {
        let body = render_body(
            BodyFormat::Markdown,
            "Ministers met in *Brussels*.\n\n> Q & A",
        )
        .expect("renders");
        assert!(body.html.contains("<em>Brussels</em>"));
        assert_eq!(body.text, "Ministers met in Brussels.\nQ & A");
        assert_eq!(body.word_count, 7);
        assert_eq!(body.reading_time_minutes, 1);
    }

    #[test]
    fn what_the_sanitizer_would_remove_is_refused_by_name() {
        let refused = render_body(
            BodyFormat::Markdown,
            "Ministers met.\n\n<script>alert(1)</script>",
        )
        .expect_err("a script is refused");
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].message.contains("<script>"), "{refused:?}");
        let refused = render_body(
            BodyFormat::Html,
            r#"<p onclick="x()">Hi <a href="javascript:x()">there</a></p>"#,
        )
        .expect_err("handlers and javascript: links are refused");
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(
            refused[0].message.contains("onclick") && refused[1].message.contains("javascript:")
        );
    }

    #[test]
    fn a_lone_address_of_a_known_provider_becomes_its_embed() {
        let body = render_body(
            BodyFormat::Markdown,
            "Watch:\n\nhttps://youtu.be/dQw4w9WgXcQ\n\n<https://x.com/a/status/1>\n\n\
             https://www.youtube.com/watch?v=a_b_c_d_e_f\n\n\
             See https://youtu.be/dQw4w9WgXcQ in the text.\n\nhttps://example.com/page",
        )
        .expect("renders");
        assert!(
            body.html
                .contains("<iframe src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\""),
            "{}",
            body.html
        );
        assert!(
            body.html.contains("<blockquote class=\"twitter-tweet\">"),
            "{}",
            body.html
        );
        assert!(
            body.html.contains("embed/a_b_c_d_e_f"),
            "one address for all its underscores: {}",
            body.html
        );
        assert_eq!(
            body.html.matches("<iframe").count(),
            2,
            "inside a sentence it stays text"
        );
        assert!(
            body.html.contains("<p>https://example.com/page</p>"),
            "{}",
            body.html
        );
    }

    #[test]
    fn html_embeds_of_known_players_are_kept_and_others_refused() {
        let body = render_body(
            BodyFormat::Html,
            r#"<iframe src="https://player.vimeo.com/video/76979871" width="640" height="360"></iframe>"#,
        )
        .expect("a known player is kept");
        assert!(
            body.html
                .contains("https://player.vimeo.com/video/76979871"),
            "{}",
            body.html
        );
        let refused = render_body(
            BodyFormat::Html,
            r#"<p>Map:</p><iframe src="https://tracker.example/pixel"></iframe>"#,
        )
        .expect_err("an unknown iframe is refused");
        assert!(
            refused[0].message.contains("https://tracker.example/pixel")
                && refused[0].message.contains("Vimeo"),
            "{refused:?}"
        );
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
    ) -> Result<RenderedBody, Vec<FieldError>> {
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
