//! Relay global ids: `base64("Article:<uuid>")`, so `node(id:)` knows what to fetch.

use base64::{Engine, engine::general_purpose::STANDARD};

use super::errors::bad_input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Article,
    Author,
    Tag,
    Section,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            NodeKind::Article => "Article",
            NodeKind::Author => "Author",
            NodeKind::Tag => "Tag",
            NodeKind::Section => "Section",
        }
    }
}

pub fn encode(kind: NodeKind, id: &str) -> async_graphql::ID {
    async_graphql::ID(STANDARD.encode(format!("{}:{id}", kind.name())))
}

pub fn decode(global: &str) -> async_graphql::Result<(NodeKind, String)> {
    let bad = || bad_input("id", "not a Byline node id");
    let raw = STANDARD.decode(global.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (kind, id) = text.split_once(':').ok_or_else(bad)?;
    let kind = match kind {
        "Article" => NodeKind::Article,
        "Author" => NodeKind::Author,
        "Tag" => NodeKind::Tag,
        "Section" => NodeKind::Section,
        _ => return Err(bad()),
    };
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?.to_string();
    Ok((kind, id))
}
