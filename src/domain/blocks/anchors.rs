//! Anchor ids of headings: made from the heading's words, unique within the document, so a
//! link to `#election-night` keeps working while the heading's words stay the same.

use super::{Block, BodyDocument, plain};

/// Longest anchor made; the words after it are dropped.
const MAX_ANCHOR_LEN: usize = 64;

/// The anchor of a heading's text before it is made unique: its slug, or `section`.
fn base(text: &str) -> String {
    let slug = slug::slugify(text);
    let cut = if slug.len() > MAX_ANCHOR_LEN {
        slug[..MAX_ANCHOR_LEN].trim_end_matches('-')
    } else {
        slug.as_str()
    };
    if cut.is_empty() {
        "section".to_owned()
    } else {
        cut.to_owned()
    }
}

/// Gives every heading of `doc` its anchor, in document order; a repeated one gets `-2`,
/// `-3`, … after it.
pub fn assign(doc: &mut BodyDocument) {
    let mut taken: Vec<String> = Vec::new();
    assign_in(&mut doc.blocks, &mut taken);
}

fn assign_in(blocks: &mut [Block], taken: &mut Vec<String>) {
    for block in blocks {
        match block {
            Block::Heading(heading) => {
                let base = base(&plain(&heading.content));
                let mut id = base.clone();
                let mut n = 2;
                while taken.contains(&id) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                taken.push(id.clone());
                heading.id = id;
            }
            Block::List(list) => {
                for item in &mut list.items {
                    assign_in(&mut item.blocks, taken);
                }
            }
            Block::Quote(quote) => assign_in(&mut quote.blocks, taken),
            Block::FactBox(fact_box) => assign_in(&mut fact_box.blocks, taken),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::blocks::{HeadingBlock, Span};

    fn heading(text: &str) -> Block {
        Block::Heading(HeadingBlock {
            level: 2,
            content: vec![Span {
                text: text.into(),
                marks: vec![],
                href: None,
            }],
            id: String::new(),
        })
    }

    #[test]
    fn anchors_are_slugs_made_unique_in_order() {
        let mut doc = BodyDocument::new(vec![
            heading("Election night"),
            heading("Election night"),
            heading("¿!"),
            heading("Election night"),
        ]);
        assign(&mut doc);
        let ids: Vec<&str> = doc
            .blocks
            .iter()
            .map(|b| match b {
                Block::Heading(h) => h.id.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(
            ids,
            [
                "election-night",
                "election-night-2",
                "section",
                "election-night-3"
            ]
        );
    }
}
