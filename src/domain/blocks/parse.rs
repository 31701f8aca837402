//! Sanitized body HTML read into a block document. Each element becomes the block that
//! describes it exactly; one with anything the blocks have no place for (an attribute, an
//! element without a mark) is kept whole as an `html` block instead, so nothing is lost.

use scraper::{ElementRef, Html, Node, node::Element};

use super::{
    Block, BodyDocument, CodeBlock, DividerBlock, EmbedBlock, FactBoxBlock, HeadingBlock,
    HtmlBlock, ImageBlock, ListBlock, ListItem, Mark, ParagraphBlock, PullQuoteBlock, QuoteBlock,
    RelatedArticleBlock, Span, TableBlock, TableCell, TableRow, anchors,
    render::{FACT_BOX_CLASS, PULL_QUOTE_CLASS, RELATED_ATTRIBUTE, RELATED_CLASS},
};
use crate::domain::{body_images, embeds};

type NodeRef<'a> = ego_tree::NodeRef<'a, Node>;

/// The block document of sanitized body HTML.
pub fn from_html(html: &str) -> BodyDocument {
    let fragment = Html::parse_fragment(html);
    let root = fragment.root_element();
    let mut doc = BodyDocument::new(blocks(root.children(), Run::Keep));
    anchors::assign(&mut doc);
    doc
}

/// What becomes of text and inline elements between blocks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    /// At the top level: a paragraph when it reads as one, else kept as HTML.
    Keep,
    /// Inside a list item, quote or fact box: a paragraph, or the container is not one the
    /// blocks describe.
    Paragraph,
}

fn is_inline(node: &NodeRef<'_>) -> bool {
    match node.value() {
        Node::Text(_) => true,
        Node::Element(e) => inline_wrapper(e).is_some() || matches!(e.name(), "br" | "img"),
        _ => false,
    }
}

fn is_blank(node: &NodeRef<'_>) -> bool {
    matches!(node.value(), Node::Text(t) if t.trim_matches(is_html_space).is_empty())
}

fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// The HTML of some sibling nodes, as the sanitizer wrote it.
fn serialized(nodes: &[NodeRef<'_>]) -> String {
    nodes
        .iter()
        .map(|node| match node.value() {
            Node::Text(t) => html_escape::encode_text(&**t).into_owned(),
            _ => ElementRef::wrap(*node).map_or_else(String::new, |e| e.html()),
        })
        .collect()
}

/// Blocks of a sequence of sibling nodes; `None` when `run` is `Paragraph` and some inline
/// run does not read as a paragraph.
fn blocks_strict<'a>(children: impl Iterator<Item = NodeRef<'a>>, run: Run) -> Option<Vec<Block>> {
    let mut out = Vec::new();
    let mut pending: Vec<NodeRef<'a>> = Vec::new();
    let flush = |pending: &mut Vec<NodeRef<'a>>, out: &mut Vec<Block>| -> Option<()> {
        if pending.iter().all(is_blank) {
            pending.clear();
            return Some(());
        }
        let block = inline_run(pending).map(|content| {
            lone_image(pending)
                .map(Block::Image)
                .unwrap_or(Block::Paragraph(ParagraphBlock { content }))
        });
        let block = match (block, run) {
            (Some(block), _) => block,
            (None, Run::Keep) => Block::Html(HtmlBlock {
                html: serialized(pending),
            }),
            (None, Run::Paragraph) => return None,
        };
        out.push(block);
        pending.clear();
        Some(())
    };
    for node in children {
        if is_inline(&node) {
            pending.push(node);
            continue;
        }
        flush(&mut pending, &mut out)?;
        if let Some(element) = ElementRef::wrap(node) {
            out.push(element_block(element).unwrap_or_else(|| {
                Block::Html(HtmlBlock {
                    html: element.html(),
                })
            }));
        }
    }
    flush(&mut pending, &mut out)?;
    Some(out)
}

fn blocks<'a>(children: impl Iterator<Item = NodeRef<'a>>, run: Run) -> Vec<Block> {
    blocks_strict(children, run).unwrap_or_default()
}

/// Whether an element has attributes other than `allowed`.
fn has_other_attributes(e: &Element, allowed: &[&str]) -> bool {
    e.attrs().any(|(name, _)| !allowed.contains(&name))
}

fn class_is(e: &Element, class: &str) -> bool {
    e.attr("class") == Some(class)
}

/// The words of an element that holds nothing but text, whitespace collapsed.
fn text_only(element: ElementRef<'_>) -> Option<String> {
    let mut text = String::new();
    for child in element.children() {
        match child.value() {
            Node::Text(t) => text.push_str(t),
            _ => return None,
        }
    }
    Some(collapse(&text).trim_matches(' ').to_owned())
}

fn element_block(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    let name = e.name();
    match name {
        "p" if !has_other_attributes(e, &[]) => {
            let children: Vec<_> = element.children().collect();
            let content = inline_run(&children)?;
            Some(
                lone_image(&children)
                    .map(Block::Image)
                    .unwrap_or(Block::Paragraph(ParagraphBlock { content })),
            )
        }
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if !has_other_attributes(e, &[]) => {
            let children: Vec<_> = element.children().collect();
            Some(Block::Heading(HeadingBlock {
                level: name[1..].parse().ok()?,
                content: inline_run(&children)?,
                id: String::new(),
            }))
        }
        "ul" | "ol" => list(element),
        "blockquote" => quote(element),
        "figure" => figure(element),
        "aside" => aside(element),
        "iframe" => {
            embeds::recognize(e.attr("src")?).map(|embed| Block::Embed(embed_block(&embed)))
        }
        "hr" if !has_other_attributes(e, &[]) => Some(Block::Divider(DividerBlock {})),
        "pre" if !has_other_attributes(e, &[]) => code(element),
        "table" if !has_other_attributes(e, &[]) => table(element),
        _ => None,
    }
}

/// The block of a recognized embed, with what apps need to size and label it.
pub fn embed_block(embed: &embeds::Embed) -> EmbedBlock {
    let aspect_ratio = match embed.markup {
        embeds::Markup::Player { width, height, .. } if width > 0 && height > 0 => {
            let (mut a, mut b) = (width, height);
            while b != 0 {
                (a, b) = (b, a % b);
            }
            Some(format!("{}:{}", width / a, height / a))
        }
        _ => None,
    };
    EmbedBlock {
        url: embed.url.clone(),
        provider: Some(embed.provider),
        id: Some(embed.id.clone()),
        aspect_ratio,
    }
}

fn list(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    let ordered = e.name() == "ol";
    if has_other_attributes(e, if ordered { &["start"] } else { &[] }) {
        return None;
    }
    let start = match e.attr("start") {
        Some(start) => Some(start.trim().parse::<u32>().ok()?),
        None => None,
    };
    let mut items = Vec::new();
    for child in element.children() {
        if is_blank(&child) {
            continue;
        }
        let li = ElementRef::wrap(child).filter(|li| li.value().name() == "li")?;
        if has_other_attributes(li.value(), &[]) {
            return None;
        }
        items.push(ListItem {
            blocks: blocks_strict(li.children(), Run::Paragraph)?,
        });
    }
    Some(Block::List(ListBlock {
        ordered,
        start: start.filter(|s| *s != 1),
        items,
    }))
}

fn quote(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    if e.attr("class").is_some() {
        // A provider's post: its address is the permalink attribute or the link inside.
        let url = e
            .attr("data-instgrm-permalink")
            .map(str::to_owned)
            .or_else(|| {
                element
                    .descendent_elements()
                    .find_map(|a| a.value().attr("href").map(str::to_owned))
            })?;
        let embed = embeds::recognize(&url)?;
        return Some(Block::Embed(embed_block(&embed)));
    }
    if has_other_attributes(e, &[]) {
        return None;
    }
    let mut children: Vec<NodeRef<'_>> = element.children().collect();
    while children.last().is_some_and(is_blank) {
        children.pop();
    }
    let attribution = match children.last().and_then(|n| ElementRef::wrap(*n)) {
        Some(footer) if footer.value().name() == "footer" => {
            children.pop();
            Some(text_only(footer)?)
        }
        _ => None,
    };
    Some(Block::Quote(QuoteBlock {
        blocks: blocks_strict(children.into_iter(), Run::Paragraph)?,
        attribution,
    }))
}

/// Non-blank child elements, or `None` if text stands between them.
fn child_elements(element: ElementRef<'_>) -> Option<Vec<ElementRef<'_>>> {
    element
        .children()
        .filter(|n| !is_blank(n))
        .map(ElementRef::wrap)
        .collect()
}

fn figure(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    let children = child_elements(element)?;
    if class_is(e, PULL_QUOTE_CLASS) && !has_other_attributes(e, &["class"]) {
        let (quote, caption) = match children.as_slice() {
            [quote] => (quote, None),
            [quote, caption] if caption.value().name() == "figcaption" => (quote, Some(caption)),
            _ => return None,
        };
        if quote.value().name() != "blockquote" {
            return None;
        }
        return Some(Block::PullQuote(PullQuoteBlock {
            text: text_only(*quote)?,
            attribution: match caption {
                Some(caption) => Some(text_only(*caption)?),
                None => None,
            },
        }));
    }
    if has_other_attributes(e, &[]) {
        return None;
    }
    let (img, caption) = match children.as_slice() {
        [img] => (img, None),
        [img, caption] if caption.value().name() == "figcaption" => (img, Some(caption)),
        _ => return None,
    };
    let mut image = image_of(img.value())?;
    if let Some(caption) = caption {
        let mut words = String::new();
        for child in caption.children() {
            match child.value() {
                Node::Text(t) => words.push_str(t),
                Node::Element(small) if small.name() == "small" => {
                    image.credit = Some(text_only(ElementRef::wrap(child)?)?);
                }
                _ => return None,
            }
        }
        let words = collapse(&words).trim_matches(' ').to_owned();
        image.caption = (!words.is_empty()).then_some(words);
    }
    Some(Block::Image(image))
}

/// An image block of an `<img>`: a library image or one by URL; its title is its caption.
fn image_of(img: &Element) -> Option<ImageBlock> {
    if img.name() != "img" {
        return None;
    }
    let src = img.attr("src")?;
    let (asset_id, url) = match src.strip_prefix(body_images::SCHEME) {
        Some(id) => (Some(id.to_owned()), None),
        None => (None, Some(src.to_owned())),
    };
    let words = |name: &str| img.attr(name).filter(|v| !v.is_empty()).map(str::to_owned);
    Some(ImageBlock {
        asset_id,
        url,
        alt: words("alt"),
        caption: words("title"),
        ..ImageBlock::default()
    })
}

/// The image a run of inline nodes is, when it is nothing but one `<img>`.
fn lone_image(nodes: &[NodeRef<'_>]) -> Option<ImageBlock> {
    let mut solid = nodes.iter().filter(|n| !is_blank(n));
    let only = solid.next()?;
    if solid.next().is_some() {
        return None;
    }
    image_of(only.value().as_element()?)
}

fn aside(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    if class_is(e, RELATED_CLASS) && !has_other_attributes(e, &["class", RELATED_ATTRIBUTE]) {
        return Some(Block::RelatedArticle(RelatedArticleBlock {
            article_id: e.attr(RELATED_ATTRIBUTE)?.to_owned(),
            slug: None,
            title: None,
        }));
    }
    if !class_is(e, FACT_BOX_CLASS) || has_other_attributes(e, &["class"]) {
        return None;
    }
    let mut children: Vec<NodeRef<'_>> = element.children().skip_while(is_blank).collect();
    let title = match children.first().and_then(|n| ElementRef::wrap(*n)) {
        Some(header) if header.value().name() == "header" => {
            children.remove(0);
            Some(text_only(header)?)
        }
        _ => None,
    };
    Some(Block::FactBox(FactBoxBlock {
        title,
        blocks: blocks_strict(children.into_iter(), Run::Paragraph)?,
    }))
}

fn code(element: ElementRef<'_>) -> Option<Block> {
    let children: Vec<NodeRef<'_>> = element.children().collect();
    let inner = match children.as_slice() {
        [only] => ElementRef::wrap(*only),
        _ => None,
    };
    let text = match inner {
        Some(code) if code.value().name() == "code" && !has_other_attributes(code.value(), &[]) => {
            raw_text(code)?
        }
        Some(_) => return None,
        None => raw_text(element)?,
    };
    Some(Block::Code(CodeBlock { text }))
}

/// Text of an element that holds only text, exactly as it is.
fn raw_text(element: ElementRef<'_>) -> Option<String> {
    let mut text = String::new();
    for child in element.children() {
        text.push_str(child.value().as_text()?);
    }
    Some(text)
}

fn table(element: ElementRef<'_>) -> Option<Block> {
    let mut head = Vec::new();
    let mut rows = Vec::new();
    for section in child_elements(element)? {
        if has_other_attributes(section.value(), &[]) {
            return None;
        }
        let (into, cell) = match section.value().name() {
            "thead" => (&mut head, "th"),
            "tbody" => (&mut rows, "td"),
            _ => return None,
        };
        for tr in child_elements(section)? {
            if tr.value().name() != "tr" || has_other_attributes(tr.value(), &[]) {
                return None;
            }
            let mut cells = Vec::new();
            for td in child_elements(tr)? {
                if td.value().name() != cell || has_other_attributes(td.value(), &[]) {
                    return None;
                }
                let children: Vec<_> = td.children().collect();
                cells.push(TableCell {
                    content: inline_run(&children)?,
                });
            }
            into.push(TableRow { cells });
        }
    }
    Some(Block::Table(TableBlock { head, rows }))
}

/// What an inline element adds to the formatting of the text inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wrapper {
    Link(String),
    Mark(Mark),
}

fn inline_wrapper(e: &Element) -> Option<Wrapper> {
    let mark = match e.name() {
        "strong" | "b" => Mark::Bold,
        "em" | "i" => Mark::Italic,
        "code" => Mark::Code,
        "del" | "s" | "strike" => Mark::Strikethrough,
        "sup" => Mark::Superscript,
        "sub" => Mark::Subscript,
        "a" if !has_other_attributes(e, &["href", "rel"]) => {
            return Some(Wrapper::Link(e.attr("href")?.to_owned()));
        }
        _ => return None,
    };
    (!has_other_attributes(e, &[])).then_some(Wrapper::Mark(mark))
}

/// Whitespace runs as single spaces, as a browser shows them.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_html_space(c) {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

fn push(spans: &mut Vec<Span>, text: &str, wrappers: &[Wrapper]) {
    let href = wrappers.iter().find_map(|w| match w {
        Wrapper::Link(href) => Some(href.clone()),
        Wrapper::Mark(_) => None,
    });
    let marks: Vec<Mark> = wrappers
        .iter()
        .filter_map(|w| match w {
            Wrapper::Mark(m) => Some(*m),
            Wrapper::Link(_) => None,
        })
        .collect();
    match spans.last_mut() {
        Some(last) if last.href == href && last.marks == marks => last.text.push_str(text),
        _ => spans.push(Span {
            text: text.to_owned(),
            marks,
            href,
        }),
    }
}

fn walk_inline(
    node: NodeRef<'_>,
    wrappers: &mut Vec<Wrapper>,
    spans: &mut Vec<Span>,
) -> Option<()> {
    match node.value() {
        Node::Text(t) => {
            let text = collapse(t);
            // Code keeps its spaces as written.
            let text = if wrappers.contains(&Wrapper::Mark(Mark::Code)) {
                t.to_string()
            } else {
                text
            };
            push(spans, &text, wrappers);
        }
        Node::Element(e) if e.name() == "br" && !has_other_attributes(e, &[]) => {
            push(spans, "\n", wrappers);
        }
        Node::Element(e) => {
            let wrapper = inline_wrapper(e)?;
            if matches!(wrapper, Wrapper::Link(_))
                && wrappers.iter().any(|w| matches!(w, Wrapper::Link(_)))
            {
                return None;
            }
            wrappers.push(wrapper);
            for child in node.children() {
                walk_inline(child, wrappers, spans)?;
            }
            wrappers.pop();
        }
        Node::Comment(_) => {}
        _ => return None,
    }
    Some(())
}

/// Inline nodes as spans, or `None` when one has no mark; whitespace as a browser shows it
/// (collapsed, none at the ends or around a line break).
fn inline_run(nodes: &[NodeRef<'_>]) -> Option<Vec<Span>> {
    if lone_image(nodes).is_some() {
        return Some(Vec::new());
    }
    let mut spans = Vec::new();
    let mut wrappers = Vec::new();
    for node in nodes {
        walk_inline(*node, &mut wrappers, &mut spans)?;
    }
    tidy_whitespace(&mut spans);
    Some(spans)
}

fn tidy_whitespace(spans: &mut Vec<Span>) {
    let mut previous_ends_blank = true;
    for span in spans.iter_mut() {
        if span.marks.contains(&Mark::Code) {
            previous_ends_blank = span.text.ends_with(' ');
            continue;
        }
        let mut text = span.text.replace(" \n", "\n").replace("\n ", "\n");
        if previous_ends_blank && text.starts_with(' ') {
            text.remove(0);
        }
        previous_ends_blank =
            text.is_empty() && previous_ends_blank || text.ends_with(' ') || text.ends_with('\n');
        span.text = text;
    }
    if let Some(last) = spans.last_mut()
        && !last.marks.contains(&Mark::Code)
    {
        let trimmed = last.text.trim_end_matches(' ').len();
        last.text.truncate(trimmed);
    }
    spans.retain(|s| !s.text.is_empty());
}
