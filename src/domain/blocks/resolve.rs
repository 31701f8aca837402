//! The references a stored body holds, resolved for one read: library images get their
//! current rendition, related articles their current slug and title, and what is not there
//! for this reader (an asset removed, an article not public) is left out, in the blocks and
//! in the HTML alike.

use chrono::NaiveDateTime;

use super::{Block, BodyDocument, render::RELATED_ATTRIBUTE};
use crate::domain::{asset::Asset, image::RenditionUrls};

/// A related article the body links to, as loaded for a read: only public ones are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedSummary {
    pub id: String,
    pub slug: String,
    pub title: String,
    /// Its section's slug, for its URL on the frontend.
    pub section: Option<String>,
    pub published_at: NaiveDateTime,
}

/// Whether a related article that is not public is left out (readers) or kept by its id
/// (editors, who must be able to send the document back as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    LeftOut,
    Kept,
}

fn resolve_blocks(
    blocks: &[Block],
    assets: &[Asset],
    related: &[RelatedSummary],
    urls: &RenditionUrls,
    unresolved: Unresolved,
) -> Vec<Block> {
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        let mut block = block.clone();
        match &mut block {
            Block::Image(image) => {
                if let Some(id) = &image.asset_id {
                    let Some(asset) = assets.iter().find(|a| &a.id == id) else {
                        continue;
                    };
                    let library = urls.asset(asset);
                    let default_url = library.default_url();
                    let size = library
                        .renditions
                        .iter()
                        .find(|r| r.url == default_url)
                        .map_or((asset.width, asset.height), |r| (r.width, r.height));
                    image.url = Some(default_url);
                    image.width = Some(size.0);
                    image.height = Some(size.1);
                    image.alt = image.alt.take().or_else(|| asset.alt.clone());
                    image.caption = image.caption.take().or_else(|| asset.caption.clone());
                    image.credit = image.credit.take().or_else(|| asset.credit.clone());
                }
            }
            Block::RelatedArticle(link) => match related.iter().find(|r| r.id == link.article_id) {
                Some(found) => {
                    link.slug = Some(found.slug.clone());
                    link.title = Some(found.title.clone());
                }
                None if unresolved == Unresolved::Kept => {}
                None => continue,
            },
            Block::List(list) => {
                for item in &mut list.items {
                    item.blocks = resolve_blocks(&item.blocks, assets, related, urls, unresolved);
                }
            }
            Block::Quote(quote) => {
                quote.blocks = resolve_blocks(&quote.blocks, assets, related, urls, unresolved)
            }
            Block::FactBox(fact_box) => {
                fact_box.blocks =
                    resolve_blocks(&fact_box.blocks, assets, related, urls, unresolved);
            }
            _ => {}
        }
        out.push(block);
    }
    out
}

/// The stored document with its references resolved.
pub fn resolve(
    doc: &BodyDocument,
    assets: &[Asset],
    related: &[RelatedSummary],
    urls: &RenditionUrls,
    unresolved: Unresolved,
) -> BodyDocument {
    BodyDocument {
        version: doc.version,
        blocks: resolve_blocks(&doc.blocks, assets, related, urls, unresolved),
    }
}

/// One related article's placeholder in stored HTML: the byte range of the whole
/// `<aside …></aside>` and the id it names.
fn placeholders(html: &str) -> Vec<(usize, usize, &str)> {
    let needle = format!(" {RELATED_ATTRIBUTE}=\"");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = html[from..].find(&needle) {
        let at = from + offset;
        let id_start = at + needle.len();
        let Some(id_len) = html[id_start..].find('"') else {
            break;
        };
        // Only the attribute inside an `<aside …>` tag, not the same words in text (the
        // sanitizer escapes no quotes in text): the tag starts after the last placeholder,
        // and no `>` stands between its start and the attribute.
        let tag_start = html[from..at].rfind("<aside").map(|s| from + s);
        let Some(start) = tag_start.filter(|s| !html[*s..at].contains('>')) else {
            from = id_start;
            continue;
        };
        let end = html[id_start..]
            .find("</aside>")
            .map_or(html.len(), |e| id_start + e + "</aside>".len());
        found.push((start, end, &html[id_start..id_start + id_len]));
        from = end;
    }
    found
}

/// The ids of the related articles stored HTML links to, in first-use order.
pub fn related_ids(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    if !html.contains(RELATED_ATTRIBUTE) {
        return ids;
    }
    for (_, _, id) in placeholders(html) {
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// `html` with each related article's placeholder written out as a link to it (its URL
/// from `link`), or removed when the article is not among `related`; `None` when there is
/// no placeholder.
pub fn related_written_out(
    html: &str,
    related: &[RelatedSummary],
    link: impl Fn(&RelatedSummary) -> String,
) -> Option<String> {
    if !html.contains(RELATED_ATTRIBUTE) {
        return None;
    }
    let mut out = String::with_capacity(html.len() + 256);
    let mut copied = 0;
    for (start, end, id) in placeholders(html) {
        out.push_str(&html[copied..start]);
        copied = end;
        if let Some(found) = related.iter().find(|r| r.id == id) {
            out.push_str(&format!(
                "<aside class=\"{}\"><a href=\"{}\">{}</a></aside>",
                super::render::RELATED_CLASS,
                html_escape::encode_double_quoted_attribute(&link(found)),
                html_escape::encode_text(&found.title)
            ));
        }
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// The body of `article` as blocks, its references resolved. One whose blocks were not
/// stored yet (the backfill has not reached it) is read from its HTML now.
fn of_article(
    article: &crate::domain::article::Article,
    urls: &RenditionUrls,
    unresolved: Unresolved,
) -> BodyDocument {
    let doc = serde_json::from_str::<BodyDocument>(&article.body_blocks)
        .unwrap_or_else(|_| super::parse::from_html(&article.body_html));
    let (assets, related) = (&article.body_assets, &article.body_related);
    resolve(&doc, assets, related, urls, unresolved)
}

/// The body of `article` as blocks, as readers get it.
pub fn for_reader(article: &crate::domain::article::Article, urls: &RenditionUrls) -> BodyDocument {
    of_article(article, urls, Unresolved::LeftOut)
}

/// The body of `article` as blocks, as its editors get it: every related article kept.
pub fn for_editor(article: &crate::domain::article::Article, urls: &RenditionUrls) -> BodyDocument {
    of_article(article, urls, Unresolved::Kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_placeholders_in_aside_tags_count() {
        let html = "<p>a data-article-id=\"x\" b</p>\n<aside class=\"related-article\" \
                    data-article-id=\"0193a000-0000-7000-8000-000000000002\"></aside>\n\
                    <p>data-article-id=\"y\"</p>";
        assert_eq!(related_ids(html), ["0193a000-0000-7000-8000-000000000002"]);
        let written = related_written_out(html, &[], |_| String::new()).expect("has one");
        assert!(!written.contains("0193a000"), "{written}");
        assert!(written.contains("data-article-id=\"x\""), "{written}");
    }
}
