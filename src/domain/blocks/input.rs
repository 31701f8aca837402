//! A block document sent by an editor, read with every error it has, each at its JSON
//! pointer: unknown block types and fields, wrong types, links that are not web addresses,
//! heading levels out of range, embeds of unknown providers, documents too big or too deep.
//! Read-only fields are ignored; whether related articles exist is the service's to check.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{
    Block, BodyDocument, CodeBlock, DividerBlock, EmbedBlock, FactBoxBlock, HeadingBlock,
    HtmlBlock, ImageBlock, ListBlock, ListItem, MAX_BLOCKS, MAX_DEPTH, ParagraphBlock,
    PullQuoteBlock, QuoteBlock, RelatedArticleBlock, Span, TableBlock, VERSION,
};
use crate::domain::{body_images, embeds};

/// One thing wrong with a sent document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// RFC 6901 pointer into the document.
    pub pointer: String,
    pub message: String,
}

/// The block types, as `type` names them.
pub const BLOCK_TYPES: [&str; 13] = [
    "paragraph",
    "heading",
    "list",
    "quote",
    "pull_quote",
    "image",
    "embed",
    "table",
    "fact_box",
    "related_article",
    "divider",
    "code",
    "html",
];

/// Longest text of one span, caption or attribution.
const MAX_TEXT: usize = 100_000;
/// Most spans, items or cells one block may hold.
const MAX_PARTS: usize = 10_000;
/// Most errors reported: enough to fix a document, bounded for a hostile one.
const MAX_ERRORS: usize = 50;

struct Reader {
    errors: Vec<InputError>,
    blocks: usize,
}

impl Reader {
    fn fail(&mut self, pointer: &str, message: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(InputError {
                pointer: pointer.to_owned(),
                message: message.into(),
            });
        }
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Reads a sent document; the errors, at most 50, are in document order.
pub fn read(value: &Value) -> Result<BodyDocument, Vec<InputError>> {
    let mut reader = Reader {
        errors: Vec::new(),
        blocks: 0,
    };
    let Some(object) = value.as_object() else {
        reader.fail(
            "",
            "a block document is an object: {\"version\": 1, \"blocks\": [...]}",
        );
        return Err(reader.errors);
    };
    for key in object
        .keys()
        .filter(|k| !matches!(k.as_str(), "version" | "blocks"))
    {
        reader.fail(
            &format!("/{}", escape(key)),
            format!("unknown field `{key}`; a document has `version` and `blocks`"),
        );
    }
    match object.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        _ => reader.fail(
            "/version",
            format!("must be {VERSION}, the version this server reads"),
        ),
    }
    let blocks = match object.get("blocks") {
        Some(Value::Array(items)) => read_blocks(&mut reader, items, "/blocks", 1),
        _ => {
            reader.fail("/blocks", "must be an array of blocks");
            Vec::new()
        }
    };
    if reader.blocks > MAX_BLOCKS {
        reader.fail(
            "/blocks",
            format!(
                "holds {} blocks; at most {MAX_BLOCKS} are allowed",
                reader.blocks
            ),
        );
    }
    if reader.errors.is_empty() {
        Ok(BodyDocument::new(blocks))
    } else {
        Err(reader.errors)
    }
}

fn read_blocks(reader: &mut Reader, items: &[Value], pointer: &str, depth: usize) -> Vec<Block> {
    if depth > MAX_DEPTH {
        reader.fail(
            pointer,
            format!("blocks nest deeper than {MAX_DEPTH} levels"),
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        reader.blocks += 1;
        if reader.blocks > MAX_BLOCKS || reader.errors.len() >= MAX_ERRORS {
            break;
        }
        if let Some(block) = read_block(reader, item, &format!("{pointer}/{i}"), depth) {
            out.push(block);
        }
    }
    out
}

fn ignored_pointer(path: &serde_ignored::Path<'_>, out: &mut String) {
    use serde_ignored::Path;
    match path {
        Path::Root => {}
        Path::Seq { parent, index } => {
            ignored_pointer(parent, out);
            out.push_str(&format!("/{index}"));
        }
        Path::Map { parent, key } => {
            ignored_pointer(parent, out);
            out.push_str(&format!("/{}", escape(key)));
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_pointer(parent, out),
    }
}

/// Deserializes one block's fields (its `type` taken out) as `T`, reporting where it failed
/// and every field that `T` does not have.
fn fields<T: DeserializeOwned>(
    reader: &mut Reader,
    object: Map<String, Value>,
    pointer: &str,
) -> Option<T> {
    let mut unknown: Vec<String> = Vec::new();
    let value = Value::Object(object);
    let mut note = |path: serde_ignored::Path<'_>| {
        let mut at = pointer.to_owned();
        ignored_pointer(&path, &mut at);
        unknown.push(at);
    };
    let tracked = serde_ignored::Deserializer::new(value, &mut note);
    let read = serde_path_to_error::deserialize::<_, T>(tracked);
    for at in unknown {
        let name = at.rsplit('/').next().unwrap_or_default().to_owned();
        reader.fail(&at, format!("unknown field `{name}`"));
    }
    match read {
        Ok(value) => Some(value),
        Err(error) => {
            let mut at = pointer.to_owned();
            for segment in error.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        at.push_str(&format!("/{index}"))
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        at.push_str(&format!("/{}", escape(key)))
                    }
                    serde_path_to_error::Segment::Enum { .. }
                    | serde_path_to_error::Segment::Unknown => {}
                }
            }
            reader.fail(&at, error.into_inner().to_string());
            None
        }
    }
}

/// Takes the nested blocks at `key` out of `object`, read on their own, so an error inside
/// them has its own pointer.
fn nested(
    reader: &mut Reader,
    object: &mut Map<String, Value>,
    key: &str,
    pointer: &str,
    depth: usize,
) -> Vec<Block> {
    match object.remove(key) {
        Some(Value::Array(items)) => {
            read_blocks(reader, &items, &format!("{pointer}/{key}"), depth + 1)
        }
        Some(_) => {
            reader.fail(&format!("{pointer}/{key}"), "must be an array of blocks");
            Vec::new()
        }
        None => {
            reader.fail(&format!("{pointer}/{key}"), "is required");
            Vec::new()
        }
    }
}

fn read_block(reader: &mut Reader, value: &Value, pointer: &str, depth: usize) -> Option<Block> {
    let Some(object) = value.as_object() else {
        reader.fail(pointer, "a block is an object with a `type`");
        return None;
    };
    let mut object = object.clone();
    let kind = match object.remove("type") {
        Some(Value::String(kind)) if BLOCK_TYPES.contains(&kind.as_str()) => kind,
        Some(Value::String(kind)) => {
            reader.fail(
                &format!("{pointer}/type"),
                format!(
                    "unknown block type `{kind}`; one of {}",
                    BLOCK_TYPES.join(", ")
                ),
            );
            return None;
        }
        _ => {
            reader.fail(
                &format!("{pointer}/type"),
                format!("is required: one of {}", BLOCK_TYPES.join(", ")),
            );
            return None;
        }
    };
    let block = match kind.as_str() {
        "paragraph" => Block::Paragraph(fields::<ParagraphBlock>(reader, object, pointer)?),
        "heading" => {
            object.remove("id");
            Block::Heading(fields::<HeadingBlock>(reader, object, pointer)?)
        }
        "list" => {
            let items = match object.remove("items") {
                Some(Value::Array(items)) => items,
                _ => {
                    reader.fail(
                        &format!("{pointer}/items"),
                        "must be an array of items, each {\"blocks\": [...]}",
                    );
                    return None;
                }
            };
            let mut read_items = Vec::new();
            for (i, item) in items.into_iter().enumerate() {
                let at = format!("{pointer}/items/{i}");
                match item {
                    Value::Object(mut item) => {
                        let blocks = nested(reader, &mut item, "blocks", &at, depth);
                        for key in item.keys() {
                            reader.fail(
                                &format!("{at}/{}", escape(key)),
                                format!("unknown field `{key}`; an item has `blocks`"),
                            );
                        }
                        read_items.push(ListItem { blocks });
                    }
                    _ => reader.fail(&at, "an item is an object: {\"blocks\": [...]}"),
                }
            }
            object.insert("items".into(), Value::Array(Vec::new()));
            let mut list = fields::<ListBlock>(reader, object, pointer)?;
            list.items = read_items;
            Block::List(list)
        }
        "quote" => {
            let blocks = nested(reader, &mut object, "blocks", pointer, depth);
            object.insert("blocks".into(), Value::Array(Vec::new()));
            let mut quote = fields::<QuoteBlock>(reader, object, pointer)?;
            quote.blocks = blocks;
            Block::Quote(quote)
        }
        "fact_box" => {
            let blocks = nested(reader, &mut object, "blocks", pointer, depth);
            object.insert("blocks".into(), Value::Array(Vec::new()));
            let mut fact_box = fields::<FactBoxBlock>(reader, object, pointer)?;
            fact_box.blocks = blocks;
            Block::FactBox(fact_box)
        }
        "pull_quote" => Block::PullQuote(fields::<PullQuoteBlock>(reader, object, pointer)?),
        "image" => {
            object.remove("width");
            object.remove("height");
            Block::Image(fields::<ImageBlock>(reader, object, pointer)?)
        }
        "embed" => {
            for read_only in ["provider", "id", "aspect_ratio"] {
                object.remove(read_only);
            }
            Block::Embed(fields::<EmbedBlock>(reader, object, pointer)?)
        }
        "table" => Block::Table(fields::<TableBlock>(reader, object, pointer)?),
        "related_article" => {
            object.remove("slug");
            object.remove("title");
            Block::RelatedArticle(fields::<RelatedArticleBlock>(reader, object, pointer)?)
        }
        "divider" => Block::Divider(fields::<DividerBlock>(reader, object, pointer)?),
        "code" => Block::Code(fields::<CodeBlock>(reader, object, pointer)?),
        _ => Block::Html(fields::<HtmlBlock>(reader, object, pointer)?),
    };
    check(reader, block, pointer)
}

fn check_text(reader: &mut Reader, text: &str, pointer: &str) {
    if text.chars().count() > MAX_TEXT {
        reader.fail(pointer, format!("is longer than {MAX_TEXT} characters"));
    }
}

fn check_count(reader: &mut Reader, count: usize, pointer: &str) {
    if count > MAX_PARTS {
        reader.fail(
            pointer,
            format!("holds {count} entries; at most {MAX_PARTS} are allowed"),
        );
    }
}

/// Whether a link may stand in a body: a web or mail address, a path, or a fragment.
pub fn allowed_href(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    ["https://", "http://", "mailto:", "/", "#"]
        .iter()
        .any(|p| lower.starts_with(p))
        && !lower.starts_with("//")
}

fn check_spans(reader: &mut Reader, spans: &[Span], pointer: &str) {
    check_count(reader, spans.len(), pointer);
    for (i, span) in spans.iter().enumerate().take(MAX_PARTS) {
        check_text(reader, &span.text, &format!("{pointer}/{i}/text"));
        if let Some(href) = &span.href
            && !allowed_href(href)
        {
            reader.fail(&format!("{pointer}/{i}/href"), format!("`{}` is not a link a body may hold: use https:, http:, mailto:, a path from / or a # fragment", href.chars().take(60).collect::<String>()));
        }
    }
}

fn check(reader: &mut Reader, mut block: Block, pointer: &str) -> Option<Block> {
    match &mut block {
        Block::Paragraph(p) => check_spans(reader, &p.content, &format!("{pointer}/content")),
        Block::Heading(h) => {
            if !(1..=6).contains(&h.level) {
                reader.fail(
                    &format!("{pointer}/level"),
                    format!("is {}; a heading's level is 1 to 6", h.level),
                );
            }
            check_spans(reader, &h.content, &format!("{pointer}/content"));
        }
        Block::List(l) => {
            check_count(reader, l.items.len(), &format!("{pointer}/items"));
            if l.start.is_some() && !l.ordered {
                reader.fail(
                    &format!("{pointer}/start"),
                    "only an ordered list has a start",
                );
            }
        }
        Block::Quote(q) => {
            if let Some(a) = &q.attribution {
                check_text(reader, a, &format!("{pointer}/attribution"));
            }
        }
        Block::PullQuote(q) => {
            check_text(reader, &q.text, &format!("{pointer}/text"));
            if let Some(a) = &q.attribution {
                check_text(reader, a, &format!("{pointer}/attribution"));
            }
        }
        Block::Image(image) => {
            match (&image.asset_id, &image.url) {
                (Some(id), None) => {
                    if crate::domain::parse_id(id).is_err() {
                        reader.fail(
                            &format!("{pointer}/asset_id"),
                            "is not an asset id (a UUID)",
                        );
                    }
                }
                (None, Some(url)) => {
                    let lower = url.to_ascii_lowercase();
                    if !(lower.starts_with("https://") || lower.starts_with("http://"))
                        || lower.starts_with(body_images::SCHEME)
                    {
                        reader.fail(&format!("{pointer}/url"), "must be an http(s) address");
                    }
                }
                _ => reader.fail(
                    pointer,
                    "an image names either `asset_id` (a library image) or `url`, not both",
                ),
            }
            for (name, value) in [
                ("alt", &image.alt),
                ("caption", &image.caption),
                ("credit", &image.credit),
            ] {
                if let Some(value) = value {
                    check_text(reader, value, &format!("{pointer}/{name}"));
                }
            }
        }
        Block::Embed(e) => match embeds::recognize(&e.url) {
            Some(embed) => *e = super::parse::embed_block(&embed),
            None => reader.fail(
                &format!("{pointer}/url"),
                format!(
                    "is not the address of a provider Byline embeds ({})",
                    embeds::Provider::names()
                ),
            ),
        },
        Block::Table(t) => {
            check_count(
                reader,
                t.head.len() + t.rows.len(),
                &format!("{pointer}/rows"),
            );
            for (part, rows) in [("head", &t.head), ("rows", &t.rows)] {
                for (r, row) in rows.iter().enumerate().take(MAX_PARTS) {
                    check_count(
                        reader,
                        row.cells.len(),
                        &format!("{pointer}/{part}/{r}/cells"),
                    );
                    for (c, cell) in row.cells.iter().enumerate().take(MAX_PARTS) {
                        check_spans(
                            reader,
                            &cell.content,
                            &format!("{pointer}/{part}/{r}/cells/{c}/content"),
                        );
                    }
                }
            }
        }
        Block::FactBox(f) => {
            if let Some(title) = &f.title {
                check_text(reader, title, &format!("{pointer}/title"));
            }
        }
        Block::RelatedArticle(r) => {
            if crate::domain::parse_id(&r.article_id).is_err() {
                reader.fail(
                    &format!("{pointer}/article_id"),
                    "is not an article id (a UUID)",
                );
            }
        }
        Block::Code(c) => check_text(reader, &c.text, &format!("{pointer}/text")),
        Block::Html(h) => check_text(reader, &h.html, &format!("{pointer}/html")),
        Block::Divider(_) => {}
    }
    Some(block)
}
