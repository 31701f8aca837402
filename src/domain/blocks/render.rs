//! A block document written out as the HTML Byline stores: the markup [`super::parse`] reads
//! back into the same blocks, laid out as pulldown-cmark lays out Markdown (one block a line),
//! with library images as `asset:` references and related articles as placeholders that
//! each read resolves.

use super::{
    Block, BodyDocument, EmbedBlock, ImageBlock, ListBlock, Mark, Span, TableBlock, TableRow,
};

/// The class of a pull quote's `<figure>`.
pub const PULL_QUOTE_CLASS: &str = "pull-quote";
/// The class of a fact box's `<aside>`.
pub const FACT_BOX_CLASS: &str = "fact-box";
/// The class of a related article's `<aside>`.
pub const RELATED_CLASS: &str = "related-article";
/// The attribute of a related article's `<aside>` that names it.
pub const RELATED_ATTRIBUTE: &str = "data-article-id";

fn text(out: &mut String, value: &str) {
    out.push_str(&html_escape::encode_text(value));
}

fn attribute(value: &str) -> String {
    html_escape::encode_double_quoted_attribute(value).into_owned()
}

pub fn mark_tag(mark: Mark) -> &'static str {
    match mark {
        Mark::Bold => "strong",
        Mark::Italic => "em",
        Mark::Code => "code",
        Mark::Strikethrough => "del",
        Mark::Superscript => "sup",
        Mark::Subscript => "sub",
    }
}

/// What wraps one span, outermost first: its link, then its marks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wrapper<'a> {
    Link(&'a str),
    Mark(Mark),
}

fn wrappers(span: &Span) -> Vec<Wrapper<'_>> {
    span.href
        .as_deref()
        .map(Wrapper::Link)
        .into_iter()
        .chain(span.marks.iter().copied().map(Wrapper::Mark))
        .collect()
}

fn close(out: &mut String, wrapper: &Wrapper<'_>) {
    match wrapper {
        Wrapper::Link(_) => out.push_str("</a>"),
        Wrapper::Mark(mark) => {
            out.push_str("</");
            out.push_str(mark_tag(*mark));
            out.push('>');
        }
    }
}

/// Spans as inline HTML. Neighbours that share their outer formatting share its element, so
/// `**a *b***` is one `<strong>` around `a<em>b</em>`, as the HTML it came from.
pub fn inline(out: &mut String, spans: &[Span]) {
    let mut open: Vec<Wrapper<'_>> = Vec::new();
    for span in spans {
        let wanted = wrappers(span);
        let shared = open.iter().zip(&wanted).take_while(|(a, b)| a == b).count();
        while open.len() > shared {
            let wrapper = open.pop().expect("longer than shared");
            close(out, &wrapper);
        }
        for wrapper in &wanted[shared..] {
            match wrapper {
                Wrapper::Link(href) => {
                    out.push_str(&format!(
                        "<a href=\"{}\" rel=\"noopener noreferrer\">",
                        attribute(href)
                    ));
                }
                Wrapper::Mark(mark) => {
                    out.push('<');
                    out.push_str(mark_tag(*mark));
                    out.push('>');
                }
            }
            open.push(wrapper.clone());
        }
        let mut lines = span.text.split('\n');
        if let Some(first) = lines.next() {
            text(out, first);
        }
        for line in lines {
            out.push_str("<br>");
            text(out, line);
        }
    }
    while let Some(wrapper) = open.pop() {
        close(out, &wrapper);
    }
}

fn list(out: &mut String, list: &ListBlock) {
    let tag = if list.ordered { "ol" } else { "ul" };
    match list.start.filter(|_| list.ordered) {
        Some(start) if start != 1 => out.push_str(&format!("<ol start=\"{start}\">\n")),
        _ => out.push_str(&format!("<{tag}>\n")),
    }
    for item in &list.items {
        out.push_str("<li>");
        // A leading paragraph followed by nothing but lists is written bare, as a tight
        // Markdown list is.
        match item.blocks.split_first() {
            Some((Block::Paragraph(first), rest))
                if rest.iter().all(|b| matches!(b, Block::List(_))) =>
            {
                inline(out, &first.content);
                if !rest.is_empty() {
                    out.push('\n');
                    blocks(out, rest);
                }
            }
            _ => {
                out.push('\n');
                blocks(out, &item.blocks);
            }
        }
        out.push_str("</li>\n");
    }
    out.push_str(&format!("</{tag}>\n"));
}

fn image(out: &mut String, image: &ImageBlock) {
    let src = match (&image.asset_id, &image.url) {
        (Some(id), _) => format!("{}{id}", crate::domain::body_images::SCHEME),
        (None, Some(url)) => url.clone(),
        (None, None) => return,
    };
    let alt = attribute(image.alt.as_deref().unwrap_or(""));
    // Without a credit, as Markdown writes a picture (`![alt](src "caption")`); with one,
    // a figure whose caption holds it.
    if image.credit.is_none() {
        let title = image
            .caption
            .as_deref()
            .map(|c| format!(" title=\"{}\"", attribute(c)))
            .unwrap_or_default();
        out.push_str(&format!(
            "<p><img src=\"{}\" alt=\"{alt}\"{title}></p>\n",
            attribute(&src)
        ));
        return;
    }
    out.push_str(&format!(
        "<figure><img src=\"{}\" alt=\"{alt}\">",
        attribute(&src)
    ));
    {
        out.push_str("<figcaption>");
        if let Some(caption) = &image.caption {
            text(out, caption);
        }
        if let Some(credit) = &image.credit {
            out.push_str("<small>");
            text(out, credit);
            out.push_str("</small>");
        }
        out.push_str("</figcaption>");
    }
    out.push_str("</figure>\n");
}

/// An embed's markup: the provider's, rebuilt from its URL (the input refuses one that is
/// not recognized).
fn embed(out: &mut String, embed: &EmbedBlock) {
    if let Some(recognized) = crate::domain::embeds::recognize(&embed.url) {
        out.push_str(&recognized.html());
        out.push('\n');
    }
}

/// One table row; body rows end their line, header rows do not (as pulldown-cmark writes).
fn row(out: &mut String, row: &TableRow, cell: &str) {
    out.push_str("<tr>");
    for c in &row.cells {
        out.push_str(&format!("<{cell}>"));
        inline(out, &c.content);
        out.push_str(&format!("</{cell}>"));
    }
    out.push_str("</tr>");
    if cell == "td" {
        out.push('\n');
    }
}

fn table(out: &mut String, table: &TableBlock) {
    out.push_str("<table>");
    if !table.head.is_empty() {
        out.push_str("<thead>");
        for r in &table.head {
            row(out, r, "th");
        }
        out.push_str("</thead>");
    }
    out.push_str("<tbody>\n");
    for r in &table.rows {
        row(out, r, "td");
    }
    out.push_str("</tbody></table>\n");
}

fn block(out: &mut String, block: &Block) {
    match block {
        Block::Paragraph(p) => {
            out.push_str("<p>");
            inline(out, &p.content);
            out.push_str("</p>\n");
        }
        Block::Heading(h) => {
            let level = h.level.clamp(1, 6);
            out.push_str(&format!("<h{level}>"));
            inline(out, &h.content);
            out.push_str(&format!("</h{level}>\n"));
        }
        Block::List(l) => list(out, l),
        Block::Quote(q) => {
            out.push_str("<blockquote>\n");
            blocks(out, &q.blocks);
            if let Some(attribution) = &q.attribution {
                out.push_str("<footer>");
                text(out, attribution);
                out.push_str("</footer>\n");
            }
            out.push_str("</blockquote>\n");
        }
        Block::PullQuote(q) => {
            out.push_str(&format!(
                "<figure class=\"{PULL_QUOTE_CLASS}\"><blockquote>"
            ));
            text(out, &q.text);
            out.push_str("</blockquote>");
            if let Some(attribution) = &q.attribution {
                out.push_str("<figcaption>");
                text(out, attribution);
                out.push_str("</figcaption>");
            }
            out.push_str("</figure>\n");
        }
        Block::Image(i) => image(out, i),
        Block::Embed(e) => embed(out, e),
        Block::Table(t) => table(out, t),
        Block::FactBox(f) => {
            out.push_str(&format!("<aside class=\"{FACT_BOX_CLASS}\">\n"));
            if let Some(title) = &f.title {
                out.push_str("<header>");
                text(out, title);
                out.push_str("</header>\n");
            }
            blocks(out, &f.blocks);
            out.push_str("</aside>\n");
        }
        Block::RelatedArticle(r) => out.push_str(&format!(
            "<aside class=\"{RELATED_CLASS}\" {RELATED_ATTRIBUTE}=\"{}\"></aside>\n",
            attribute(&r.article_id)
        )),
        Block::Divider(_) => out.push_str("<hr>\n"),
        Block::Code(c) => {
            out.push_str("<pre><code>");
            text(out, &c.text);
            out.push_str("</code></pre>\n");
        }
        Block::Html(h) => {
            out.push_str(&h.html);
            if !h.html.ends_with('\n') {
                out.push('\n');
            }
        }
    }
}

fn blocks(out: &mut String, list: &[Block]) {
    for b in list {
        block(out, b);
    }
}

/// The document as the HTML Byline stores (before the sanitizer, which must find nothing to
/// remove in it but what an `html` block brought).
pub fn to_html(doc: &BodyDocument) -> String {
    let mut out = String::new();
    blocks(&mut out, &doc.blocks);
    out
}
