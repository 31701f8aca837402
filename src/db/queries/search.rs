//! Full-text search: the one place where each backend has SQL of its own.
//!
//! - PostgreSQL: `article_search.document`, a weighted `tsvector` in the configuration of the
//!   article's language (A title, B standfirst, C body, D tag and author names), kept by
//!   triggers, under a GIN index. The query goes through `websearch_to_tsquery` once per
//!   configuration in use; `ts_rank_cd` ranks; `ts_headline` makes the snippet.
//! - SQLite: the FTS5 table `article_fts`, kept by triggers. The reader's query is rebuilt
//!   here as an FTS5 expression of quoted strings, so no FTS5 syntax can come from outside;
//!   `bm25` ranks with the same weights; `snippet` makes the snippet.
//!
//! Both return ids, scores and raw snippets; visibility and the list filters are the same
//! Diesel conditions every article list uses, spliced into the statement.

use chrono::NaiveDateTime;
use diesel::{
    prelude::*,
    query_builder::{AstPass, Query, QueryFragment, QueryId},
    sql_types::{BigInt, Double, Nullable, Text, Timestamp},
};

use super::{
    articles::{FilterCondition, Keyset, filter_conditions},
    visibility::{ArticlePredicate, Scope},
};
use crate::{
    db::{DbConnection, MultiBackend},
    domain::{
        article::{ArticleFilter, ArticleSort},
        search::{SearchQuery, SearchSort, Term},
    },
};

/// Opens a highlighted match in a raw snippet (a private-use character, never in news text).
pub const MARK_START: char = '\u{E000}';
/// Closes a highlighted match in a raw snippet.
pub const MARK_END: char = '\u{E001}';

/// `ts_rank_cd` weights, in PostgreSQL's order {D, C, B, A}: names 0.3, body 0.2,
/// standfirst 0.4, title 1.0.
const PG_WEIGHTS: &str = "'{0.3, 0.2, 0.4, 1.0}'";
/// The same weights for `bm25`, per FTS5 column: title, standfirst, body, tags, authors.
const FTS5_WEIGHTS: &str = "10.0, 4.0, 2.0, 3.0, 3.0";
/// Snippets: at most two passages of about 30 words.
const PG_HEADLINE_OPTIONS: &str =
    "MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=\" … \"";
const FTS5_SNIPPET_TOKENS: u32 = 32;

/// Where the previous page ended.
#[derive(Debug, Clone)]
pub enum SearchAfter {
    /// Relevance order: the score, the tie-breaking time and the id of the last result.
    Relevance {
        score: f64,
        time: NaiveDateTime,
        id: String,
    },
    /// A date order, as in article lists.
    Date(Keyset),
}

/// One article found.
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: String,
    /// Higher is better; comparable within one backend and one query only. Zero in date orders.
    pub score: f64,
    /// The time this result sorts by: `published_at` (or `updated_at` for `-updated_at`, and
    /// for relevance ties of undated articles).
    pub time: NaiveDateTime,
    /// Plain text around the matches, each between [`MARK_START`] and [`MARK_END`]; not
    /// escaped.
    pub snippet: Option<String>,
}

/// Up to `fetch` articles in `scope` matching `query` and `filter`, in `sort` order, after
/// `after`.
pub fn search(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &ArticleFilter,
    query: &SearchQuery,
    sort: SearchSort,
    after: Option<SearchAfter>,
    fetch: i64,
) -> QueryResult<Vec<Hit>> {
    let narrowing = Narrowing {
        visibility: scope.condition(),
        conditions: filter_conditions(filter),
        sort,
        after,
        fetch,
    };
    let statement = match conn {
        DbConnection::Pg(_) => postgres(query, narrowing),
        DbConnection::Sqlite(_) => match fts5_expression(query) {
            Some(expression) => sqlite(expression, narrowing),
            // Nothing left to look for (only stop words), or only exclusions: no results,
            // as `websearch_to_tsquery` gives on PostgreSQL.
            None => return Ok(Vec::new()),
        },
    };
    let rows: Vec<(String, f64, NaiveDateTime, Option<String>)> = statement.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, score, time, snippet)| Hit {
            id,
            score,
            time,
            snippet,
        })
        .collect())
}

/// What narrows and orders the matches, the same on both backends.
struct Narrowing {
    visibility: ArticlePredicate,
    conditions: Vec<FilterCondition>,
    sort: SearchSort,
    after: Option<SearchAfter>,
    fetch: i64,
}

impl Narrowing {
    /// The SQL of the time results sort by, over `articles`.
    fn time_sql(&self) -> &'static str {
        match self.sort {
            SearchSort::Relevance => "COALESCE(articles.published_at, articles.updated_at)",
            SearchSort::Date(ArticleSort::PublishedDesc | ArticleSort::PublishedAsc) => {
                "articles.published_at"
            }
            SearchSort::Date(ArticleSort::UpdatedDesc) => "articles.updated_at",
        }
    }

    /// `AND …` for visibility, filters and the keyset; `score` is the SQL of the score.
    fn push_conditions(self, sql: &mut Statement, score: &str) -> (SearchSort, i64) {
        let time = self.time_sql();
        sql.sql(" AND (").visibility(self.visibility).sql(")");
        for condition in self.conditions {
            sql.sql(" AND (").condition(condition).sql(")");
        }
        if matches!(
            self.sort,
            SearchSort::Date(ArticleSort::PublishedDesc | ArticleSort::PublishedAsc)
        ) {
            sql.sql(" AND articles.published_at IS NOT NULL");
        }
        match self.after {
            Some(SearchAfter::Relevance {
                score: last_score,
                time: last_time,
                id,
            }) => {
                sql.sql(&format!(" AND ({score} < "))
                    .double(last_score)
                    .sql(&format!(" OR ({score} = "))
                    .double(last_score)
                    .sql(&format!(" AND ({time} < "))
                    .time(last_time)
                    .sql(&format!(" OR ({time} = "))
                    .time(last_time)
                    .sql(" AND articles.id < ")
                    .text(id)
                    .sql("))))");
            }
            Some(SearchAfter::Date(Keyset { time: last, id })) => {
                let op = match self.sort {
                    SearchSort::Date(ArticleSort::PublishedAsc) => ">",
                    _ => "<",
                };
                sql.sql(&format!(" AND ({time} {op} "))
                    .time(last)
                    .sql(&format!(" OR ({time} = "))
                    .time(last)
                    .sql(&format!(" AND articles.id {op} "))
                    .text(id)
                    .sql("))");
            }
            None => {}
        }
        (self.sort, self.fetch)
    }
}

/// `ORDER BY` keys over a page's columns `score`, `sort_time` and `id`.
fn order_sql(sort: SearchSort, prefix: &str) -> String {
    match sort {
        SearchSort::Relevance => {
            format!("{prefix}score DESC, {prefix}sort_time DESC, {prefix}id DESC")
        }
        SearchSort::Date(ArticleSort::PublishedAsc) => {
            format!("{prefix}sort_time ASC, {prefix}id ASC")
        }
        SearchSort::Date(_) => format!("{prefix}sort_time DESC, {prefix}id DESC"),
    }
}

fn postgres(query: &SearchQuery, narrowing: Narrowing) -> Statement {
    let mut sql = Statement::new(false);
    let score = match narrowing.sort {
        SearchSort::Relevance => "hit.score",
        SearchSort::Date(_) => "0::float8",
    };
    let time = narrowing.time_sql();
    // The query is parsed once per configuration articles use, so each parse can use the
    // GIN index (`OFFSET 0` keeps that subquery apart); `querytree = 'T'` is a query that
    // could only match by exclusion, which finds nothing, as on SQLite.
    sql.sql(
        "SELECT page.id, page.score, page.sort_time, ts_headline(page.config, \
         concat_ws(E'\\n', a.title, a.standfirst, left(a.body_text, 100000)), page.query, ",
    )
    .sql(&format!(
        "'StartSel=' || chr({}) || ', StopSel=' || chr({}) || ', {}'",
        u32::from(MARK_START),
        u32::from(MARK_END),
        PG_HEADLINE_OPTIONS.replace('\'', "''")
    ))
    .sql(") AS snippet FROM (SELECT articles.id AS id, ")
    .sql(score)
    .sql(&format!(
        " AS score, {time} AS sort_time, hit.config AS config, hit.query AS query \
         FROM (SELECT s.article_id, s.config, q.query, \
         ts_rank_cd({PG_WEIGHTS}, s.document, q.query, 1)::float8 AS score \
         FROM (SELECT c.config, websearch_to_tsquery(c.config, "
    ))
    .text(query.text.clone())
    .sql(
        ") AS query FROM search_configs c OFFSET 0) q \
         JOIN article_search s ON s.config = q.config AND s.document @@ q.query \
         WHERE querytree(q.query) <> 'T') hit \
         JOIN articles ON articles.id = hit.article_id WHERE TRUE",
    );
    let (sort, fetch) = narrowing.push_conditions(&mut sql, score);
    sql.sql(&format!(" ORDER BY {} LIMIT ", order_sql(sort, "")))
        .bigint(fetch)
        .sql(&format!(
            ") page JOIN articles a ON a.id = page.id ORDER BY {}",
            order_sql(sort, "page.")
        ));
    sql
}

fn sqlite(expression: String, narrowing: Narrowing) -> Statement {
    let mut sql = Statement::new(true);
    let score = match narrowing.sort {
        SearchSort::Relevance => format!("-bm25(article_fts, {FTS5_WEIGHTS})"),
        SearchSort::Date(_) => "0.0".to_owned(),
    };
    let time = narrowing.time_sql();
    // The FTS5 table drives (CROSS JOIN fixes the order): left free, the planner may walk
    // the visibility index and probe FTS5 once per article, and every probe recounts the
    // whole doclist for bm25, quadratic on common words. `articles` is read through
    // `articles_search_lookup_idx`, which holds what visibility and sorting read. The
    // snippet is made for the page's rows only, after the limit.
    sql.sql(&format!(
        "SELECT page.id, page.score, page.sort_time, \
         (SELECT snippet(article_fts, -1, char({}), char({}), '…', {FTS5_SNIPPET_TOKENS}) \
         FROM article_fts WHERE article_fts MATCH ",
        u32::from(MARK_START),
        u32::from(MARK_END),
    ))
    .text(expression.clone())
    .sql(&format!(
        " AND article_fts.rowid = page.fts_rowid) AS snippet \
         FROM (SELECT articles.id AS id, {score} AS score, {time} AS sort_time, \
         article_fts.rowid AS fts_rowid \
         FROM article_fts \
         CROSS JOIN article_search_ids m ON m.fts_rowid = article_fts.rowid \
         CROSS JOIN articles ON articles.id = m.article_id \
         WHERE article_fts MATCH "
    ))
    .text(expression);
    let (sort, fetch) = narrowing.push_conditions(&mut sql, &score);
    sql.sql(&format!(" ORDER BY {} LIMIT ", order_sql(sort, "")))
        .bigint(fetch)
        .sql(&format!(") page ORDER BY {}", order_sql(sort, "page.")));
    sql
}

/// PostgreSQL's English stop words: on PostgreSQL the query parser drops them, so the FTS5
/// expression drops them too.
const STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

/// An FTS5 string: FTS5 reads nothing in it as syntax.
fn fts5_string(words: &[String]) -> String {
    format!("\"{}\"", words.join(" ").replace('"', "\"\""))
}

/// The reader's query as an FTS5 expression, with the meaning `websearch_to_tsquery` gives it:
/// every term quoted as a string (a phrase when it has several words), terms of a group joined
/// with AND, exclusions with NOT, groups with OR. `None` when nothing can match: every term
/// is a stop word, or a group only excludes (PostgreSQL would have to match by exclusion).
pub fn fts5_expression(query: &SearchQuery) -> Option<String> {
    let only_stop_words = |term: &Term| term.words.iter().all(|w| STOP_WORDS.contains(&&**w));
    let mut groups = Vec::new();
    for group in &query.groups {
        let (mut wanted, mut excluded) = (Vec::new(), Vec::new());
        for term in group.iter().filter(|t| !only_stop_words(t)) {
            let string = fts5_string(&term.words);
            if term.negated {
                excluded.push(string);
            } else {
                wanted.push(string);
            }
        }
        match (wanted.is_empty(), excluded.is_empty()) {
            (true, true) => continue,
            (true, false) => return None,
            (false, _) => {}
        }
        let mut expression = format!("({})", wanted.join(" AND "));
        for string in excluded {
            expression = format!("({expression} NOT {string})");
        }
        groups.push(expression);
    }
    (!groups.is_empty()).then(|| groups.join(" OR "))
}

/// A piece of a statement.
enum Piece {
    Sql(String),
    Text(String),
    Double(f64),
    Time(NaiveDateTime),
    BigInt(i64),
    Visibility(ArticlePredicate),
    Condition(FilterCondition),
}

/// SQL text with bound values and Diesel conditions spliced in, run on either backend.
struct Statement {
    pieces: Vec<Piece>,
    /// Whether the prepared statement may be reused. PostgreSQL's generic plans know nothing
    /// of the query text, so search statements are planned afresh there.
    cacheable: bool,
}

impl Statement {
    fn new(cacheable: bool) -> Self {
        Statement {
            pieces: Vec::new(),
            cacheable,
        }
    }

    fn sql(&mut self, sql: &str) -> &mut Self {
        self.pieces.push(Piece::Sql(sql.to_owned()));
        self
    }

    fn text(&mut self, value: String) -> &mut Self {
        self.pieces.push(Piece::Text(value));
        self
    }

    fn double(&mut self, value: f64) -> &mut Self {
        self.pieces.push(Piece::Double(value));
        self
    }

    fn time(&mut self, value: NaiveDateTime) -> &mut Self {
        self.pieces.push(Piece::Time(value));
        self
    }

    fn bigint(&mut self, value: i64) -> &mut Self {
        self.pieces.push(Piece::BigInt(value));
        self
    }

    fn visibility(&mut self, predicate: ArticlePredicate) -> &mut Self {
        self.pieces.push(Piece::Visibility(predicate));
        self
    }

    fn condition(&mut self, condition: FilterCondition) -> &mut Self {
        self.pieces.push(Piece::Condition(condition));
        self
    }
}

impl QueryFragment<MultiBackend> for Statement {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        if !self.cacheable {
            out.unsafe_to_cache_prepared();
        }
        for piece in &self.pieces {
            match piece {
                Piece::Sql(sql) => out.push_sql(sql),
                Piece::Text(value) => out.push_bind_param::<Text, _>(value)?,
                Piece::Double(value) => out.push_bind_param::<Double, _>(value)?,
                Piece::Time(value) => out.push_bind_param::<Timestamp, _>(value)?,
                Piece::BigInt(value) => out.push_bind_param::<BigInt, _>(value)?,
                Piece::Visibility(predicate) => predicate.walk_ast(out.reborrow())?,
                Piece::Condition(condition) => condition.walk_ast(out.reborrow())?,
            }
        }
        Ok(())
    }
}

impl QueryId for Statement {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Statement {
    type SqlType = (Text, Double, Timestamp, Nullable<Text>);
}

impl RunQueryDsl<DbConnection> for Statement {}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts5(raw: &str) -> Option<String> {
        fts5_expression(&SearchQuery::parse(raw).expect("parses"))
    }

    #[test]
    fn queries_become_fts5_strings() {
        assert_eq!(fts5("budget").as_deref(), Some("(\"budget\")"));
        assert_eq!(
            fts5("the budget cuts").as_deref(),
            Some("(\"budget\" AND \"cuts\")")
        );
        assert_eq!(
            fts5("\"state of the union\" -veto").as_deref(),
            Some("((\"state of the union\") NOT \"veto\")")
        );
        assert_eq!(
            fts5("sad cat or fat rat").as_deref(),
            Some("(\"sad\" AND \"cat\") OR (\"fat\" AND \"rat\")")
        );
        // FTS5 syntax is only ever text inside a string.
        assert_eq!(
            fts5("NEAR(a b) title:x * ^c").as_deref(),
            Some("(\"near a\" AND \"b\" AND \"title x\" AND \"c\")")
        );
    }

    #[test]
    fn queries_that_cannot_match_are_none() {
        assert_eq!(fts5("the"), None);
        assert_eq!(fts5("\"or\" the"), None);
        assert_eq!(fts5("-budget or tax"), None);
        assert_eq!(fts5("the -crab or tax"), None);
        assert_eq!(fts5("budget or -the").as_deref(), Some("(\"budget\")"));
        assert_eq!(fts5("the or tax").as_deref(), Some("(\"tax\")"));
    }
}
