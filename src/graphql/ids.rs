//! Relay global ids: `base64("Article:<uuid>")`, so `node(id:)` knows what to fetch.

use base64::{Engine, engine::general_purpose::STANDARD};

use super::errors::bad_input;
use crate::domain::taxonomy::Taxonomy;

/// What a global id names: an article, or a section, author or tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Article,
    Taxonomy(Taxonomy),
}

impl From<Taxonomy> for NodeKind {
    fn from(taxonomy: Taxonomy) -> Self {
        NodeKind::Taxonomy(taxonomy)
    }
}

impl NodeKind {
    /// The GraphQL type name, before the `:` of the id.
    fn name(self) -> &'static str {
        match self {
            NodeKind::Article => "Article",
            NodeKind::Taxonomy(taxonomy) => taxonomy.type_name(),
        }
    }

    fn from_name(name: &str) -> Option<NodeKind> {
        if name == NodeKind::Article.name() {
            return Some(NodeKind::Article);
        }
        Taxonomy::ALL
            .iter()
            .find(|t| t.type_name() == name)
            .map(|&t| NodeKind::Taxonomy(t))
    }
}

pub fn encode(kind: impl Into<NodeKind>, id: &str) -> async_graphql::ID {
    async_graphql::ID(STANDARD.encode(format!("{}:{id}", kind.into().name())))
}

pub fn decode(global: &str) -> async_graphql::Result<(NodeKind, String)> {
    let bad = || bad_input("id", "not a Byline node id");
    let raw = STANDARD.decode(global.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (kind, id) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeKind::from_name(kind).ok_or_else(bad)?;
    let id = crate::domain::parse_id(id).map_err(|_| bad())?;
    Ok((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "0190a5b4-0000-7000-8000-000000000000";

    #[test]
    fn global_ids_are_the_type_name_and_the_uuid() {
        let cases = [
            (NodeKind::Article, "Article"),
            (NodeKind::Taxonomy(Taxonomy::Author), "Author"),
            (NodeKind::Taxonomy(Taxonomy::Tag), "Tag"),
            (NodeKind::Taxonomy(Taxonomy::Section), "Section"),
        ];
        for (kind, name) in cases {
            let id = encode(kind, UUID);
            assert_eq!(id.0, STANDARD.encode(format!("{name}:{UUID}")));
            assert_eq!(decode(&id).ok(), Some((kind, UUID.to_owned())));
        }
        assert_eq!(
            encode(Taxonomy::Tag, UUID),
            encode(NodeKind::Taxonomy(Taxonomy::Tag), UUID)
        );
        for bad in [
            format!("Sections:{UUID}"),
            format!("author:{UUID}"),
            "Tag:nope".into(),
        ] {
            assert!(decode(&STANDARD.encode(bad)).is_err());
        }
    }
}
