//! The article body as typed blocks (`Article.bodyBlocks`), for apps that render it natively:
//! GraphQL objects mirroring `domain::blocks`, with the blocks a union told apart by
//! `__typename`.

use async_graphql::{Enum, SimpleObject, Union};

use crate::domain::{blocks as doc, embeds};

/// An article body as blocks, in reading order.
#[derive(SimpleObject)]
pub struct BodyDocument {
    /// The block document format's version: 1.
    pub version: u32,
    /// The body's top-level blocks, in order.
    pub blocks: Vec<BodyBlock>,
}

/// One block of a body; `__typename` says which.
#[derive(Union)]
pub enum BodyBlock {
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

/// A run of text with the same formatting.
#[derive(SimpleObject)]
pub struct Span {
    /// The text; a line break inside a paragraph is `\n`.
    pub text: String,
    /// Formatting, outermost first.
    pub marks: Vec<Mark>,
    /// The link this text is, when it is one: `https:`, `http:`, `mailto:`, a path or a `#`
    /// fragment.
    pub href: Option<String>,
}

/// Inline formatting of a span.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Mark {
    /// Strong emphasis.
    Bold,
    /// Emphasis.
    Italic,
    /// Inline code, in a monospace font.
    Code,
    /// Struck-through text.
    Strikethrough,
    /// Raised text.
    Superscript,
    /// Lowered text.
    Subscript,
}

/// A provider whose embeds Byline recognizes.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum EmbedProvider {
    /// YouTube videos.
    Youtube,
    /// Vimeo videos.
    Vimeo,
    /// Posts on X (Twitter).
    X,
    /// Instagram posts.
    Instagram,
    /// TikTok videos.
    Tiktok,
    /// Bluesky posts.
    Bluesky,
    /// Mastodon posts.
    Mastodon,
    /// Spotify tracks, albums, playlists and episodes.
    Spotify,
    /// SoundCloud audio.
    Soundcloud,
    /// Datawrapper charts, maps and tables.
    Datawrapper,
    /// Flourish visualizations.
    Flourish,
    /// Google Maps maps.
    GoogleMaps,
}

/// A paragraph of text.
#[derive(SimpleObject)]
pub struct ParagraphBlock {
    /// The paragraph's text, as formatted spans.
    pub content: Vec<Span>,
}

/// A heading within the body.
#[derive(SimpleObject)]
pub struct HeadingBlock {
    /// 1 to 6, 1 the most important.
    pub level: u8,
    /// The heading's text, as formatted spans.
    pub content: Vec<Span>,
    /// An anchor for links into the article (`#election-night`), unique in the body.
    pub id: String,
}

/// A bulleted or numbered list.
#[derive(SimpleObject)]
pub struct ListBlock {
    /// Numbered (true) or bulleted (false).
    pub ordered: bool,
    /// The first number of a numbered list, when it is not 1.
    pub start: Option<u32>,
    /// The list's items, in order.
    pub items: Vec<ListItem>,
}

/// One item of a list.
#[derive(SimpleObject)]
pub struct ListItem {
    /// The item's content: usually one paragraph, perhaps followed by a nested list.
    pub blocks: Vec<BodyBlock>,
}

/// A quotation set apart from the text (a blockquote).
#[derive(SimpleObject)]
pub struct QuoteBlock {
    /// The quoted content.
    pub blocks: Vec<BodyBlock>,
    /// Who said or wrote it.
    pub attribution: Option<String>,
}

/// A short passage of the article shown large.
#[derive(SimpleObject)]
pub struct PullQuoteBlock {
    /// The passage.
    pub text: String,
    /// Who said or wrote it.
    pub attribution: Option<String>,
}

/// A picture: an image of the asset library, or one hosted elsewhere. A library image that
/// no longer exists is left out of the body.
#[derive(SimpleObject)]
pub struct ImageBlock {
    /// The library image shown, when it is one; its renditions are in `Article.bodyImages`.
    pub asset_id: Option<String>,
    /// The picture's address: a library image's default rendition, or the image hosted
    /// elsewhere. (Non-null like `EmbedBlock.url`, so one query can ask both for `url`.)
    pub url: String,
    /// Text alternative for screen readers.
    pub alt: Option<String>,
    /// Caption shown with the picture.
    pub caption: Option<String>,
    /// Photographer or agency.
    pub credit: Option<String>,
    /// Width of the picture at `url`, for a library image.
    pub width: Option<u32>,
    /// Height of the picture at `url`, for a library image.
    pub height: Option<u32>,
}

/// A post, video, audio, chart or map of a known provider.
#[derive(SimpleObject)]
pub struct EmbedBlock {
    /// The page of the thing embedded (a post's, a video's, or the provider's embed
    /// address).
    pub url: String,
    /// Who provides it, recognized from `url`.
    pub provider: Option<EmbedProvider>,
    /// The provider's id of the thing embedded. (Non-null like `HeadingBlock.id`, so one
    /// query can ask both for `id`.)
    pub id: String,
    /// Width to height of the provider's player (`16:9`); absent for posts, which size
    /// themselves.
    pub aspect_ratio: Option<String>,
}

/// A table of text.
#[derive(SimpleObject)]
pub struct TableBlock {
    /// Header rows; may be empty.
    pub head: Vec<TableRow>,
    /// Body rows.
    pub rows: Vec<TableRow>,
}

/// One row of a table.
#[derive(SimpleObject)]
pub struct TableRow {
    /// The row's cells, in order.
    pub cells: Vec<TableCell>,
}

/// One cell of a table row.
#[derive(SimpleObject)]
pub struct TableCell {
    /// The cell's text, as formatted spans.
    pub content: Vec<Span>,
}

/// A box of background facts beside the story.
#[derive(SimpleObject)]
pub struct FactBoxBlock {
    /// The box's heading.
    pub title: Option<String>,
    /// The box's content.
    pub blocks: Vec<BodyBlock>,
}

/// A link to another public article of this publication, with its current slug and title.
#[derive(SimpleObject)]
pub struct RelatedArticleBlock {
    /// The linked article's UUID (`Article.databaseId`).
    pub article_id: String,
    /// The linked article's slug.
    pub slug: Option<String>,
    /// The linked article's title.
    pub title: Option<String>,
}

/// A thematic break between parts of the body.
#[derive(SimpleObject)]
pub struct DividerBlock {
    /// Always true: a divider has no content, and a GraphQL object needs a field.
    pub divider: bool,
}

/// Preformatted text, to be shown as it is, in a monospace font.
#[derive(SimpleObject)]
pub struct CodeBlock {
    /// The text, line breaks and spacing included.
    pub text: String,
}

/// Sanitized HTML that no other block type describes, kept so nothing is lost; an app may
/// show it in a web view or skip it.
#[derive(SimpleObject)]
pub struct HtmlBlock {
    /// The sanitized HTML.
    pub html: String,
}

fn blocks(blocks: Vec<doc::Block>) -> Vec<BodyBlock> {
    blocks.into_iter().map(BodyBlock::from).collect()
}

fn spans(spans: Vec<doc::Span>) -> Vec<Span> {
    spans.into_iter().map(Span::from).collect()
}

impl From<doc::BodyDocument> for BodyDocument {
    fn from(d: doc::BodyDocument) -> Self {
        BodyDocument {
            version: d.version,
            blocks: blocks(d.blocks),
        }
    }
}

impl From<doc::Block> for BodyBlock {
    fn from(block: doc::Block) -> Self {
        match block {
            doc::Block::Paragraph(b) => BodyBlock::Paragraph(b.into()),
            doc::Block::Heading(b) => BodyBlock::Heading(b.into()),
            doc::Block::List(b) => BodyBlock::List(b.into()),
            doc::Block::Quote(b) => BodyBlock::Quote(b.into()),
            doc::Block::PullQuote(b) => BodyBlock::PullQuote(b.into()),
            doc::Block::Image(b) => BodyBlock::Image(b.into()),
            doc::Block::Embed(b) => BodyBlock::Embed(b.into()),
            doc::Block::Table(b) => BodyBlock::Table(b.into()),
            doc::Block::FactBox(b) => BodyBlock::FactBox(b.into()),
            doc::Block::RelatedArticle(b) => BodyBlock::RelatedArticle(b.into()),
            doc::Block::Divider(b) => BodyBlock::Divider(b.into()),
            doc::Block::Code(b) => BodyBlock::Code(b.into()),
            doc::Block::Html(b) => BodyBlock::Html(b.into()),
        }
    }
}

impl From<doc::Span> for Span {
    fn from(s: doc::Span) -> Self {
        Span {
            text: s.text,
            marks: s.marks.into_iter().map(Mark::from).collect(),
            href: s.href,
        }
    }
}

impl From<doc::Mark> for Mark {
    fn from(m: doc::Mark) -> Self {
        match m {
            doc::Mark::Bold => Mark::Bold,
            doc::Mark::Italic => Mark::Italic,
            doc::Mark::Code => Mark::Code,
            doc::Mark::Strikethrough => Mark::Strikethrough,
            doc::Mark::Superscript => Mark::Superscript,
            doc::Mark::Subscript => Mark::Subscript,
        }
    }
}

impl From<embeds::Provider> for EmbedProvider {
    fn from(p: embeds::Provider) -> Self {
        match p {
            embeds::Provider::Youtube => EmbedProvider::Youtube,
            embeds::Provider::Vimeo => EmbedProvider::Vimeo,
            embeds::Provider::X => EmbedProvider::X,
            embeds::Provider::Instagram => EmbedProvider::Instagram,
            embeds::Provider::Tiktok => EmbedProvider::Tiktok,
            embeds::Provider::Bluesky => EmbedProvider::Bluesky,
            embeds::Provider::Mastodon => EmbedProvider::Mastodon,
            embeds::Provider::Spotify => EmbedProvider::Spotify,
            embeds::Provider::Soundcloud => EmbedProvider::Soundcloud,
            embeds::Provider::Datawrapper => EmbedProvider::Datawrapper,
            embeds::Provider::Flourish => EmbedProvider::Flourish,
            embeds::Provider::GoogleMaps => EmbedProvider::GoogleMaps,
        }
    }
}

impl From<doc::ParagraphBlock> for ParagraphBlock {
    fn from(b: doc::ParagraphBlock) -> Self {
        ParagraphBlock {
            content: spans(b.content),
        }
    }
}

impl From<doc::HeadingBlock> for HeadingBlock {
    fn from(b: doc::HeadingBlock) -> Self {
        HeadingBlock {
            level: b.level,
            content: spans(b.content),
            id: b.id,
        }
    }
}

impl From<doc::ListBlock> for ListBlock {
    fn from(b: doc::ListBlock) -> Self {
        ListBlock {
            ordered: b.ordered,
            start: b.start,
            items: b.items.into_iter().map(ListItem::from).collect(),
        }
    }
}

impl From<doc::ListItem> for ListItem {
    fn from(i: doc::ListItem) -> Self {
        ListItem {
            blocks: blocks(i.blocks),
        }
    }
}

impl From<doc::QuoteBlock> for QuoteBlock {
    fn from(b: doc::QuoteBlock) -> Self {
        QuoteBlock {
            blocks: blocks(b.blocks),
            attribution: b.attribution,
        }
    }
}

impl From<doc::PullQuoteBlock> for PullQuoteBlock {
    fn from(b: doc::PullQuoteBlock) -> Self {
        PullQuoteBlock {
            text: b.text,
            attribution: b.attribution,
        }
    }
}

impl From<doc::ImageBlock> for ImageBlock {
    fn from(b: doc::ImageBlock) -> Self {
        ImageBlock {
            asset_id: b.asset_id,
            url: b.url.unwrap_or_default(),
            alt: b.alt,
            caption: b.caption,
            credit: b.credit,
            width: b.width,
            height: b.height,
        }
    }
}

impl From<doc::EmbedBlock> for EmbedBlock {
    fn from(b: doc::EmbedBlock) -> Self {
        EmbedBlock {
            url: b.url,
            provider: b.provider.map(EmbedProvider::from),
            id: b.id.unwrap_or_default(),
            aspect_ratio: b.aspect_ratio,
        }
    }
}

impl From<doc::TableBlock> for TableBlock {
    fn from(b: doc::TableBlock) -> Self {
        let rows = |rows: Vec<doc::TableRow>| rows.into_iter().map(TableRow::from).collect();
        TableBlock {
            head: rows(b.head),
            rows: rows(b.rows),
        }
    }
}

impl From<doc::TableRow> for TableRow {
    fn from(r: doc::TableRow) -> Self {
        TableRow {
            cells: r.cells.into_iter().map(TableCell::from).collect(),
        }
    }
}

impl From<doc::TableCell> for TableCell {
    fn from(c: doc::TableCell) -> Self {
        TableCell {
            content: spans(c.content),
        }
    }
}

impl From<doc::FactBoxBlock> for FactBoxBlock {
    fn from(b: doc::FactBoxBlock) -> Self {
        FactBoxBlock {
            title: b.title,
            blocks: blocks(b.blocks),
        }
    }
}

impl From<doc::RelatedArticleBlock> for RelatedArticleBlock {
    fn from(b: doc::RelatedArticleBlock) -> Self {
        RelatedArticleBlock {
            article_id: b.article_id,
            slug: b.slug,
            title: b.title,
        }
    }
}

impl From<doc::DividerBlock> for DividerBlock {
    fn from(_: doc::DividerBlock) -> Self {
        DividerBlock { divider: true }
    }
}

impl From<doc::CodeBlock> for CodeBlock {
    fn from(b: doc::CodeBlock) -> Self {
        CodeBlock { text: b.text }
    }
}

impl From<doc::HtmlBlock> for HtmlBlock {
    fn from(b: doc::HtmlBlock) -> Self {
        HtmlBlock { html: b.html }
    }
}
