//! The article body as a typed block document, for clients that render natively (mobile
//! apps) rather than putting HTML in a web view.
//!
//! One source, three forms: whatever an editor sends (Markdown, HTML, or a block document)
//! becomes sanitized HTML first; the block document is read back from that HTML
//! ([`parse::from_html`]) and the plain text from it too, so the three always agree. A block
//! document sent directly is written out as HTML by [`render::to_html`] and then takes the
//! same way, and `from_html(to_html(doc))` gives the document back (the round-trip fixtures
//! hold it to that). Whatever HTML the blocks have no type for is kept as an `html` block,
//! so nothing an editor wrote is lost on the way.
//!
//! Images and related articles are references in storage (`asset:ID`, an article id) and
//! are resolved on each read ([`resolve`]), like the body's HTML images: a related article
//! is shown only while it is public.

pub mod anchors;
pub mod input;
pub mod parse;
pub mod render;
pub mod resolve;
pub mod schema;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::embeds::Provider;

/// The version of the block document this code writes and reads.
pub const VERSION: u32 = 1;
/// Most blocks a document may hold, counting those inside lists, quotes and fact boxes.
pub const MAX_BLOCKS: usize = 5_000;
/// Deepest nesting of blocks (a list in a list item in a quote is three).
pub const MAX_DEPTH: usize = 8;

/// An article body as blocks (version 1). Fields marked read-only are filled in by Byline
/// and ignored when a document is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyDocument {
    /// The document format's version: 1.
    pub version: u32,
    pub blocks: Vec<Block>,
}

// The block structs do not deny unknown fields to serde (utoipa would close their schemas
// against the `type` its `allOf` joins to them); `input` reports unknown fields itself, each
// at its pointer, and `schema::tag_variants` closes the published schemas.
/// One block of a body, told apart by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph(ParagraphBlock),
    Heading(HeadingBlock),
    List(ListBlock),
    Quote(QuoteBlock),
    PullQuote(PullQuoteBlock),
    Image(ImageBlock),
    Embed(EmbedBlock),
    Table(TableBlock),
    FactBox(FactBoxBlock),
    RelatedArticle(RelatedArticleBlock),
    Divider(DividerBlock),
    Code(CodeBlock),
    Html(HtmlBlock),
}

/// A run of text with the same formatting. A line break inside a paragraph is `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Span {
    pub text: String,
    /// Formatting, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
    /// The link this text is, when it is one: `https:`, `http:`, `mailto:`, a path or a `#`
    /// fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// Inline formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Bold,
    Italic,
    Code,
    Strikethrough,
    Superscript,
    Subscript,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParagraphBlock {
    pub content: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeadingBlock {
    /// 1 to 6.
    pub level: u8,
    pub content: Vec<Span>,
    /// Read-only. An anchor for links into the article, made from the heading's words and
    /// unique in the document (`election-night`, `election-night-2`).
    #[serde(default)]
    #[schema(read_only)]
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListBlock {
    #[serde(default)]
    pub ordered: bool,
    /// The first number of an ordered list, when it is not 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u32>,
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListItem {
    /// Usually one paragraph, perhaps followed by a nested list.
    #[schema(no_recursion)]
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteBlock {
    #[schema(no_recursion)]
    pub blocks: Vec<Block>,
    /// Who said or wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

/// A short passage of the article shown large.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PullQuoteBlock {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

/// A picture: an image of the library (`asset_id`) or, for one outside it, its `url`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ImageBlock {
    /// The library image shown; its renditions are in `body_images`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<String>,
    /// The picture's address: given for an image outside the library; for a library image,
    /// filled in on reads with its default rendition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    /// Read-only: the default rendition's size, for a library image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub height: Option<u32>,
}

/// A post, video, audio, chart or map of a known provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmbedBlock {
    /// The page of the thing embedded (a post's, a video's, or the provider's embed
    /// address).
    pub url: String,
    /// Read-only: who provides it, recognized from `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub provider: Option<Provider>,
    /// Read-only: the provider's id of the thing embedded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub id: Option<String>,
    /// Read-only: width to height of the provider's player (`16:9`); absent for posts,
    /// which size themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub aspect_ratio: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TableBlock {
    /// Header rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub head: Vec<TableRow>,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TableRow {
    pub cells: Vec<TableCell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TableCell {
    pub content: Vec<Span>,
}

/// A box of background facts beside the story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FactBoxBlock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(no_recursion)]
    pub blocks: Vec<Block>,
}

/// A link to another article of this publication. Public reads show it only while that
/// article is public, with its current slug and title; otherwise the block is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RelatedArticleBlock {
    pub article_id: String,
    /// Read-only: the article's slug now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub slug: Option<String>,
    /// Read-only: the article's title now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub title: Option<String>,
}

/// A thematic break.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct DividerBlock {}

/// Preformatted text, shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeBlock {
    pub text: String,
}

/// Sanitized HTML that no other block type describes (a `<div>`, a definition list, text
/// with formatting the spans have no mark for), so that nothing is lost; a native client may
/// show it in a web view or skip it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HtmlBlock {
    pub html: String,
}

impl Block {
    /// The blocks directly inside this one.
    pub fn children(&self) -> Vec<&Block> {
        match self {
            Block::List(list) => list.items.iter().flat_map(|i| &i.blocks).collect(),
            Block::Quote(quote) => quote.blocks.iter().collect(),
            Block::FactBox(fact_box) => fact_box.blocks.iter().collect(),
            _ => Vec::new(),
        }
    }
}

impl BodyDocument {
    pub fn new(blocks: Vec<Block>) -> Self {
        BodyDocument {
            version: VERSION,
            blocks,
        }
    }

    /// Every block, inside others too, depth first.
    pub fn walk(&self) -> Vec<&Block> {
        let mut out = Vec::new();
        let mut stack: Vec<&Block> = self.blocks.iter().rev().collect();
        while let Some(block) = stack.pop() {
            out.push(block);
            stack.extend(block.children().into_iter().rev());
        }
        out
    }

    /// The ids of the articles the document links to as related, in first-use order.
    pub fn related_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for block in self.walk() {
            if let Block::RelatedArticle(related) = block
                && !ids.contains(&related.article_id.as_str())
            {
                ids.push(&related.article_id);
            }
        }
        ids
    }
}

/// The text of spans, without formatting.
pub fn plain(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}
