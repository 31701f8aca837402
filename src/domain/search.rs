//! Full-text search: the query a reader typed, read the way PostgreSQL's
//! `websearch_to_tsquery` reads it (words that must all appear, "quoted phrases", `-` to
//! exclude, `or` between alternatives), the orders results come in, and a result.

use std::{fmt, str::FromStr};

use super::article::ArticleSort;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// One word or phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lower-case words, split at anything that is not a letter or digit. More than one is a
    /// phrase: the words must appear together, in this order.
    pub words: Vec<String>,
    /// Written in quotes.
    pub quoted: bool,
    /// Written with a leading `-`: articles with it are left out.
    pub negated: bool,
}

/// A parsed query: alternatives (separated by `or`), each a list of terms that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The text as typed, with control characters turned into spaces. PostgreSQL parses this
    /// itself (`websearch_to_tsquery` never fails on syntax).
    pub text: String,
    /// `a b or c` is `[[a, b], [c]]`.
    pub groups: Vec<Vec<Term>>,
}

/// Why a query cannot be searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryProblem {
    Empty,
    TooLong,
    /// Only punctuation and operators: nothing to look for.
    NoWords,
    /// Every word is excluded with `-`.
    OnlyExclusions,
}

impl fmt::Display for QueryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryProblem::Empty => f.write_str("must not be empty"),
            QueryProblem::TooLong => write!(f, "must be at most {MAX_QUERY_CHARS} characters"),
            QueryProblem::NoWords => f.write_str("has no words to search for"),
            QueryProblem::OnlyExclusions => {
                f.write_str("only excludes words (with `-`); name at least one word to find")
            }
        }
    }
}

/// Letters and digits of `text`, lower-cased, as separate words.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl SearchQuery {
    /// Reads a query. Never fails on syntax: unbalanced quotes close at the end, stray
    /// operators and punctuation are ignored, as `websearch_to_tsquery` does.
    pub fn parse(raw: &str) -> Result<SearchQuery, QueryProblem> {
        let text: String = raw
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(QueryProblem::Empty);
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryProblem::TooLong);
        }
        let groups = Self::groups_of(&text);
        let terms = || groups.iter().flatten();
        if terms().all(|t| t.words.is_empty()) {
            return Err(QueryProblem::NoWords);
        }
        if terms().all(|t| t.negated) {
            return Err(QueryProblem::OnlyExclusions);
        }
        Ok(SearchQuery { text, groups })
    }

    fn groups_of(text: &str) -> Vec<Vec<Term>> {
        let chars: Vec<char> = text.chars().collect();
        let mut groups: Vec<Vec<Term>> = vec![Vec::new()];
        let (mut negated, mut or_pending) = (false, false);
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            if c == '-' {
                negated = !negated;
                i += 1;
                continue;
            }
            let (quoted, token) = if c == '"' {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .map_or(chars.len(), |p| i + 1 + p);
                let token: String = chars[i + 1..end].iter().collect();
                i = end + 1;
                (true, token)
            } else {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c.is_whitespace() || c == '"')
                    .map_or(chars.len(), |p| i + p);
                let token: String = chars[i..end].iter().collect();
                i = end;
                (false, token)
            };
            if !quoted && token.eq_ignore_ascii_case("or") {
                // `-or` is nothing; `or` joins alternatives when there is one before it.
                if !negated && groups.last().is_some_and(|g| !g.is_empty()) {
                    or_pending = true;
                }
                negated = false;
                continue;
            }
            let words = words_of(&token);
            if words.is_empty() {
                // A `-` before nothing searchable is used up, as in PostgreSQL.
                negated = false;
                continue;
            }
            if or_pending {
                groups.push(Vec::new());
                or_pending = false;
            }
            if let Some(group) = groups.last_mut() {
                group.push(Term {
                    words,
                    quoted,
                    negated,
                });
            }
            negated = false;
        }
        groups.retain(|g| !g.is_empty());
        groups
    }
}

/// The orders search results come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchSort {
    /// Best match first; among equal matches, the newest first.
    #[default]
    Relevance,
    /// One of the orders of article lists.
    Date(ArticleSort),
}

impl SearchSort {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::Date(sort) => sort.as_str(),
        }
    }
}

impl FromStr for SearchSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "relevance" {
            return Ok(SearchSort::Relevance);
        }
        s.parse::<ArticleSort>().map(SearchSort::Date).map_err(|_| {
            format!(
                "unknown value `{s}`; expected one of: relevance, {}",
                ArticleSort::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(raw: &str) -> Vec<Vec<String>> {
        SearchQuery::parse(raw)
            .expect("parses")
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|t| {
                        let words = t.words.join(" ");
                        let words = if t.words.len() > 1 || t.quoted {
                            format!("\"{words}\"")
                        } else {
                            words
                        };
                        if t.negated {
                            format!("-{words}")
                        } else {
                            words
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn reads_like_websearch_to_tsquery() {
        assert_eq!(
            shape("sad cat or fat rat"),
            [["sad", "cat"], ["fat", "rat"]]
        );
        assert_eq!(shape("or cat or"), [["cat"]]);
        assert_eq!(shape("cat or or dog"), [["cat"], ["dog"]]);
        assert_eq!(shape("cat -or dog"), [["cat", "dog"]]);
        assert_eq!(
            shape("\"supernovae stars\" -crab"),
            [["\"supernovae stars\"", "-crab"]]
        );
        assert_eq!(shape("\"unbalanced quote"), [["\"unbalanced quote\""]]);
        assert_eq!(shape("- budget tax"), [["-budget", "tax"]]);
        assert_eq!(shape("--cat"), [["cat"]]);
        assert_eq!(shape("-* budget"), [["budget"]]);
        assert_eq!(shape("-\"\" cat"), [["cat"]]);
        assert_eq!(shape("e-mail U.S."), [["\"e mail\"", "\"u s\""]]);
        assert_eq!(shape("title:budget"), [["\"title budget\""]]);
        assert_eq!(shape("NEAR(a b)"), [["\"near a\"", "b"]]);
        assert_eq!(shape("cat -\"or\" dog"), [["cat", "-\"or\"", "dog"]]);
        assert_eq!(shape("Ünïcode CAFÉ"), [["ünïcode", "café"]]);
    }

    #[test]
    fn refuses_what_cannot_be_searched() {
        assert_eq!(SearchQuery::parse("  "), Err(QueryProblem::Empty));
        assert_eq!(SearchQuery::parse("\0\u{7}"), Err(QueryProblem::Empty));
        assert_eq!(
            SearchQuery::parse(&"a".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryProblem::TooLong)
        );
        assert!(SearchQuery::parse(&"é".repeat(MAX_QUERY_CHARS)).is_ok());
        for nothing in ["\"", "*", ":", "^", "\"\"", "( ) * ^ : -", "or", "OR or"] {
            assert_eq!(
                SearchQuery::parse(nothing),
                Err(QueryProblem::NoWords),
                "{nothing}"
            );
        }
        assert_eq!(
            SearchQuery::parse("-budget -\"tax cuts\""),
            Err(QueryProblem::OnlyExclusions)
        );
        assert!(SearchQuery::parse("-budget or tax").is_ok());
    }

    #[test]
    fn sorts_have_names() {
        assert_eq!("relevance".parse(), Ok(SearchSort::Relevance));
        assert_eq!(
            "-published_at".parse(),
            Ok(SearchSort::Date(ArticleSort::PublishedDesc))
        );
        assert!("rank".parse::<SearchSort>().is_err());
    }
}
