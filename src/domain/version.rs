//! The version a change to an existing article is based on, as its sender names it.

/// What a change names as the version it is based on: REST's `If-Match` or `version` field,
/// GraphQL's `version` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseVersion {
    /// None: the change is refused (428), so that nobody changes an article unseen.
    Unnamed,
    /// These versions (`If-Match: "v3"`, or a list, `"v3", "v4"`; a `version` field): the
    /// change goes ahead only if the article is at one of them (412 otherwise). Never empty.
    Listed(Vec<i32>),
    /// `If-Match: *`: whatever version the article is at, as RFC 9110 reads `*` for a
    /// resource that exists.
    Any,
}

impl BaseVersion {
    /// This one, or, when it names none, `version` (a JSON body's `version` field).
    pub fn or(self, version: Option<i32>) -> BaseVersion {
        match self {
            BaseVersion::Unnamed => version.into(),
            named => named,
        }
    }
}

impl From<Option<i32>> for BaseVersion {
    fn from(version: Option<i32>) -> Self {
        version.map_or(BaseVersion::Unnamed, |v| BaseVersion::Listed(vec![v]))
    }
}

impl From<i32> for BaseVersion {
    fn from(version: i32) -> Self {
        BaseVersion::Listed(vec![version])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_wins_over_a_body_field() {
        assert_eq!(
            BaseVersion::Unnamed.or(Some(3)),
            BaseVersion::Listed(vec![3])
        );
        assert_eq!(BaseVersion::Unnamed.or(None), BaseVersion::Unnamed);
        assert_eq!(
            BaseVersion::from(2).or(Some(3)),
            BaseVersion::Listed(vec![2])
        );
        assert_eq!(BaseVersion::Any.or(Some(3)), BaseVersion::Any);
    }
}
